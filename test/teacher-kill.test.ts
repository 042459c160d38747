// Crash safety of `clinsum extract` as real processes: kill -9 at several instants with requests
// in flight, then rerun; two processes on one store at once; SIGTERM. The fault server (in this
// process) counts requests in flight and completed answers per report.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../src/util/shared-data.js';
import { KeyinfoRowSchema } from '../src/stages/teacher/output.js';
import { TeacherStore } from '../src/stages/teacher/store.js';
import { startFaultServer, type FaultServer, type FaultServerStats } from './support/fault-server.js';
import { assertNoLeak, syntheticItems, writeItemsJsonl } from './support/teacher-fixtures.js';

const BIN = join(repoRoot(), 'bin', 'clinsum');
const CONCURRENCY = 4;

const dirs: string[] = [];
const servers: FaultServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'clinsum-kill-'));
  dirs.push(d);
  return d;
}

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

for (const killAt of [3, 19, 44]) {
  test(`kill -9 when request ${killAt} arrives, then rerun: every id once, repeats only of requests in flight, bound held`, async (t) => {
    const items = syntheticItems(60);
    const dir = tempDir();
    const data = writeItemsJsonl(dir, items);
    const out = join(dir, 'out');
    const s = await startFaultServer({ delayMs: 25 });
    servers.push(s);
    const args = ['--data', data, '--out', out, '--base-url', s.baseUrl, '--model', 'teacher', '--concurrency', String(CONCURRENCY), '--max-tokens', '64'];

    const first = extract(args);
    let atKill: FaultServerStats | undefined;
    s.onRequest = (_r, st) => {
      if (st.received === killAt && atKill === undefined) {
        atKill = structuredClone(st);
        first.kill('SIGKILL');
      }
    };
    const r1 = await first.done;
    assert.equal(r1.signal, 'SIGKILL');
    assert.ok(atKill && atKill.inFlight >= 1, 'requests were in flight at the kill');
    s.onRequest = undefined;

    // The store the killed run left is sound, holds only whole answers, and its claims are stale.
    const store = new TeacherStore(join(out, 'cache.sqlite'));
    assert.equal(store.integrityCheck(), 'ok');
    store.close();

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
    assert.ok(repeats(st) <= CONCURRENCY, `${repeats(st)} answers were requested again (at most the ${CONCURRENCY} in flight may be)`);
    t.diagnostic(`at the kill: ${atKill.inFlight} in flight at the server, ${atKill.completed} answered; after the rerun: ${repeats(st)} answered twice`);
    const after_ = new TeacherStore(join(out, 'cache.sqlite'));
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
