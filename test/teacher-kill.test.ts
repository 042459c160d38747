// Crash safety of `clinsum extract` as real processes: kill -9 at several instants with requests
// in flight, then rerun; two processes on one store at once; SIGTERM. The fault server (in this
// process) counts requests in flight and completed answers per report.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../src/util/shared-data.js';
import { KeyinfoRowSchema } from '../src/stages/teacher/output.js';
import { TeacherStore, requestKeyer } from '../src/stages/teacher/store.js';
import { extractionPrompt } from '../src/data/prompts.js';
import { Prng } from '../src/util/prng.js';
import { keyOf, startFaultServer, type FaultServer, type FaultServerStats } from './support/fault-server.js';
import { assertNoLeak, syntheticItems, writeItemsJsonl } from './support/teacher-fixtures.js';
import { closedAfter, tempDirs } from '../src/util/testing.js';

const BIN = join(repoRoot(), 'bin', 'clinsum');
const CONCURRENCY = 4;

const servers = closedAfter<FaultServer>();
const tempDir = tempDirs('clinsum-kill-');

interface Child {
  pid: number;
  kill(signal: NodeJS.Signals): void;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function extract(args: string[]): Child {
  const child = spawn(process.execPath, [BIN, 'extract', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return {
    pid: child.pid!,
    kill: (s) => void child.kill(s),
    done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr }))),
  };
}

function keyinfoIds(out: string): string[] {
  return readFileSync(join(out, 'keyinfo.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => KeyinfoRowSchema.parse(JSON.parse(l)).id);
}

/** Answers the server completed more than once for the same report. */
function repeats(st: FaultServerStats): number {
  return Object.values(st.completedByKey).reduce((a, n) => a + Math.max(0, n - 1), 0);
}

/** The server's answer to a report: long enough that a torn write would show. */
function answerFor(report: string): string {
  return `Key information ${keyOf(report)}: ${'age, sex, presenting complaint, findings, diagnosis, treatment, outcome; '.repeat(20)}end.`;
}

/** When the first run is killed: when request n arrives at the server, or ms after the first one arrives. */
type KillAt = { request: number } | { afterFirstMs: number };

// Three kills aligned with a request's arrival (requests certainly in flight), and two at instants
// drawn from clinsum's seeded PRNG (0-300 ms into a run of >= 375 ms), aligned with nothing: the
// child may be parsing an answer, committing, or claiming.
const drawn = new Prng(20250927);
const KILLS: KillAt[] = [{ request: 3 }, { request: 19 }, { request: 44 }, { afterFirstMs: drawn.int(300) }, { afterFirstMs: drawn.int(300) }];

for (const killAt of KILLS) {
  const when = 'request' in killAt ? `when request ${killAt.request} arrives` : `${killAt.afterFirstMs} ms after the first request`;
  test(`kill -9 ${when}, then rerun: every id once, no stored answer requested again, repeats only of requests in flight, bound held`, async (t) => {
    const items = syntheticItems(60);
    const dir = tempDir();
    const data = writeItemsJsonl(dir, items);
    const out = join(dir, 'out');
    const s = await startFaultServer({ delayMs: 25, answer: (r) => answerFor(r.user) });
    servers.push(s);
    const args = ['--data', data, '--out', out, '--base-url', s.baseUrl, '--model', 'teacher', '--concurrency', String(CONCURRENCY), '--max-tokens', '64'];

    const first = extract(args);
    let atKill: FaultServerStats | undefined;
    const kill = () => {
      if (atKill !== undefined) return;
      atKill = s.stats();
      first.kill('SIGKILL');
    };
    s.onRequest = (_r, st) => {
      if ('request' in killAt ? st.received === killAt.request : st.received === 1) {
        if ('request' in killAt) kill();
        else setTimeout(kill, killAt.afterFirstMs);
      }
    };
    const r1 = await first.done;
    assert.equal(r1.signal, 'SIGKILL', 'the first run was killed before it finished');
    assert.ok(atKill !== undefined);
    if ('request' in killAt) assert.ok(atKill.inFlight >= 1, 'requests were in flight at the kill');
    s.onRequest = undefined;

    // The store the killed run left is sound and holds only whole answers; at most CONCURRENCY
    // answers the server had completed were not stored yet.
    const storePath = join(out, 'cache.sqlite');
    const keyOfReport = requestKeyer({ prompt: extractionPrompt('en'), model: 'teacher', params: { max_tokens: 64 } });
    const byStoreKey = new Map(items.map((it) => [keyOfReport(it.report), it]));
    const store = new TeacherStore(storePath);
    assert.equal(store.integrityCheck(), 'ok');
    const storedAtKill = [...store.getMany([...byStoreKey.keys()]).values()].filter((r) => r.status === 'done');
    store.close();
    for (const r of storedAtKill) assert.equal(r.answer, answerFor(byStoreKey.get(r.key)!.report), `${r.id}: the stored answer is whole`);
    assert.ok(storedAtKill.length >= atKill.completed - CONCURRENCY, `${atKill.completed} answered at the server, only ${storedAtKill.length} stored`);

    const r2 = await extract(args).done;
    assert.equal(r2.code, 0, r2.stderr);
    assert.deepEqual(
      keyinfoIds(out),
      items.map((i) => i.id),
    );
    const st = s.stats();
    assert.ok(st.maxInFlight <= CONCURRENCY, `max in flight ${st.maxInFlight}`);
    assert.equal(Object.keys(st.completedByKey).length, 60);
    assert.ok(Object.values(st.completedByKey).every((n) => n <= 2));
    // A report whose answer was stored before the kill is never sent again.
    for (const r of storedAtKill) assert.equal(st.completedByKey[keyOf(byStoreKey.get(r.key)!.report)], 1, `${r.id} was stored at the kill and requested again`);
    assert.ok(repeats(st) <= CONCURRENCY, `${repeats(st)} answers were requested again (at most the ${CONCURRENCY} in flight may be)`);
    t.diagnostic(`at the kill: ${atKill.inFlight} in flight at the server, ${atKill.completed} answered, ${storedAtKill.length} stored; after the rerun: ${repeats(st)} answered twice`);
    const after_ = new TeacherStore(storePath);
    assert.equal(after_.leaseCount(), 0);
    after_.close();
    assertNoLeak(r1.stderr + r2.stderr, 'stderr');
  });
}

test('two processes on one store at once share the reports: no report answered twice, both outputs complete', async () => {
  const items = syntheticItems(80);
  const dir = tempDir();
  const data = writeItemsJsonl(dir, items);
  const s = await startFaultServer({ delayMs: 15 });
  servers.push(s);
  const store = join(dir, 'shared.sqlite');
  const run = (out: string) => extract(['--data', data, '--out', out, '--store', store, '--base-url', s.baseUrl, '--model', 'teacher', '--concurrency', '3']);
  const [a, b] = await Promise.all([run(join(dir, 'a')).done, run(join(dir, 'b')).done]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const st = s.stats();
  assert.equal(st.completed, 80, 'each report was requested once');
  assert.ok(st.maxInFlight <= 6);
  assert.deepEqual(
    keyinfoIds(join(dir, 'a')),
    items.map((i) => i.id),
  );
  assert.equal(readFileSync(join(dir, 'a', 'keyinfo.jsonl'), 'utf8'), readFileSync(join(dir, 'b', 'keyinfo.jsonl'), 'utf8'));
  const runA = JSON.parse(readFileSync(join(dir, 'a', 'summary.json'), 'utf8')) as { this_run: { answered: number } };
  const runB = JSON.parse(readFileSync(join(dir, 'b', 'summary.json'), 'utf8')) as { this_run: { answered: number } };
  assert.equal(runA.this_run.answered + runB.this_run.answered, 80);
  assertNoLeak(a.stderr + b.stderr, 'stderr');
});

test('SIGTERM stops cleanly: exit 130, outputs written, summary.json says interrupted; the rerun completes', async () => {
  const items = syntheticItems(50);
  const dir = tempDir();
  const data = writeItemsJsonl(dir, items);
  const out = join(dir, 'out');
  const s = await startFaultServer({ delayMs: 25 });
  servers.push(s);
  const args = ['--data', data, '--out', out, '--base-url', s.baseUrl, '--model', 'teacher', '--concurrency', String(CONCURRENCY)];
  const first = extract(args);
  s.onRequest = (_r, st) => {
    if (st.received === 12) first.kill('SIGTERM');
  };
  const r1 = await first.done;
  s.onRequest = undefined;
  assert.equal(r1.code, 130, r1.stderr);
  assert.match(r1.stderr, /SIGTERM: stopping/);
  assert.match(r1.stderr, /interrupted; \d+ of 50 requests answered/);
  assert.ok(existsSync(join(out, 'keyinfo.jsonl')));
  const partial = keyinfoIds(out).length;
  assert.ok(partial > 0 && partial < 50, `answered ${partial}`);
  assert.equal((JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { stop: string }).stop, 'interrupted');
  const r2 = await extract(args).done;
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(keyinfoIds(out).length, 50);
  assert.ok(repeats(s.stats()) <= CONCURRENCY);
});
