import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { TeacherStore, requestKey, type AnswerRow } from './store.js';
import { currentOwner, ownerAlive, processStartTime, type Owner } from './owner.js';
import { openSqlite } from './sqlite.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'clinsum-store-'));
}

function row(key: string, over: Partial<AnswerRow> = {}): AnswerRow {
  return {
    key,
    id: `case-${key}`,
    lang: 'en',
    status: 'done',
    answer: 'age 40; fever',
    finishReason: 'stop',
    usage: { promptTokens: 100, completionTokens: 5, totalTokens: 105 },
    latencyMs: 12.5,
    attempts: 1,
    errorKind: null,
    errorStatus: null,
    error: null,
    teacher: { model: 'm', host: '127.0.0.1:8000', prompt_hash: 'abc', params: { temperature: 0 } },
    responseModel: 'm',
    runId: 'run-1',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:01.000Z',
    ...over,
  };
}

const failed = (key: string, finishedAt = '2025-01-01T00:00:01.000Z') =>
  row(key, { status: 'failed', answer: null, finishReason: null, usage: null, latencyMs: null, attempts: 9, errorKind: 'http', errorStatus: 400, error: 'teacher answered HTTP 400', finishedAt });

test('rows round-trip; a done row is never overwritten; a failed one is', () => {
  const dir = tempDir();
  const s = new TeacherStore(join(dir, 'cache.sqlite'));
  const me = currentOwner();
  assert.equal(s.record(row('k1'), me), true);
  assert.deepEqual(s.get('k1'), row('k1'));
  assert.equal(s.record(row('k1', { answer: 'other' }), me), false);
  assert.equal(s.get('k1')!.answer, 'age 40; fever');
  s.record(failed('k2'), me);
  assert.equal(s.get('k2')!.status, 'failed');
  assert.equal(s.get('k2')!.usage, null);
  s.record(row('k2'), me);
  assert.equal(s.get('k2')!.status, 'done');
  assert.deepEqual([...s.getMany(['k1', 'zz', 'k2']).keys()], ['k1', 'k2']);
  assert.equal(s.integrityCheck(), 'ok');
  s.close();
  rmSync(dir, { recursive: true });
});

test('claims: done and failed keys are not claimed; --retry-failed claims failures older than the run', () => {
  const dir = tempDir();
  const s = new TeacherStore(join(dir, 'c.sqlite'));
  const me = currentOwner();
  s.record(row('done'), me);
  s.record(failed('old', '2025-01-01T00:00:00.000Z'), me);
  assert.equal(s.claim('done', me, 60_000), 'done');
  assert.equal(s.claim('old', me, 60_000), 'failed');
  assert.equal(s.claim('old', me, 60_000, '2025-06-01T00:00:00.000Z'), 'claimed');
  s.record(failed('old', '2025-06-01T00:00:05.000Z'), me);
  assert.equal(s.claim('old', me, 60_000, '2025-06-01T00:00:00.000Z'), 'failed', 'failed again in this run: final');
  assert.equal(s.claim('new', me, 60_000), 'claimed');
  assert.equal(s.claim('new', me, 60_000), 'claimed', 'the owner may re-claim its own key');
  assert.equal(s.leaseCount(), 1);
  s.record(row('new'), me);
  assert.equal(s.leaseCount(), 0, 'recording drops the claim in the same transaction');
  s.close();
  rmSync(dir, { recursive: true });
});

test('a live owner keeps its claim until it expires; renew extends it; release and releaseAll drop it', () => {
  const dir = tempDir();
  let now = 1_000_000;
  const s = new TeacherStore(join(dir, 'c.sqlite'), { now: () => now });
  const a = currentOwner();
  const b = currentOwner(); // same live process, another run
  assert.equal(s.claim('k', a, 10_000), 'claimed');
  assert.equal(s.claim('k', b, 10_000), 'leased');
  now += 9_000;
  s.renew(a, 10_000);
  now += 9_000;
  assert.equal(s.claim('k', b, 10_000), 'leased', 'renewed');
  now += 2_000;
  assert.equal(s.claim('k', b, 10_000), 'claimed', 'expired: taken over');
  s.release('k', a);
  assert.equal(s.leaseCount(), 1, 'release by a non-owner does nothing');
  s.claim('k2', b, 10_000);
  s.releaseAll(b);
  assert.equal(s.leaseCount(), 0);
  s.close();
  rmSync(dir, { recursive: true });
});

test('a claim of a dead process on this host is taken over at once; another host is trusted until expiry', () => {
  const dir = tempDir();
  const s = new TeacherStore(join(dir, 'c.sqlite'));
  const child = spawnSync(process.execPath, ['-e', '']);
  const dead: Owner = { runId: 'dead-run', host: hostname(), pid: child.pid!, pidStart: '' };
  assert.equal(ownerAlive(dead), false);
  assert.equal(s.claim('k', dead, 600_000), 'claimed');
  assert.equal(s.claim('k', currentOwner(), 600_000), 'claimed');
  const reused: Owner = { runId: 'old-run', host: hostname(), pid: process.pid, pidStart: '1' };
  assert.equal(ownerAlive(reused), processStartTime(process.pid) === '', 'a reused pid with another start time is a dead owner');
  const remote: Owner = { runId: 'remote', host: `${hostname()}-elsewhere`, pid: 1, pidStart: '' };
  assert.equal(s.claim('r', remote, 600_000), 'claimed');
  assert.equal(s.claim('r', currentOwner(), 600_000), 'leased');
  s.close();
  rmSync(dir, { recursive: true });
});

test('requestKey depends on report, prompt, model and params, not on key order', () => {
  const base = { report: 'r', prompt: { text: 'p', hash: 'h' }, model: 'm', params: { temperature: 0, max_tokens: 10 } };
  const k = requestKey(base);
  assert.match(k, /^[0-9a-f]{64}$/);
  assert.equal(requestKey({ ...base, params: { max_tokens: 10, temperature: 0 } }), k);
  for (const other of [
    { ...base, report: 'r2' },
    { ...base, prompt: { text: 'p2', hash: 'h' } },
    { ...base, prompt: { text: 'p', hash: 'h2' } },
    { ...base, model: 'm2' },
    { ...base, params: { temperature: 0.1, max_tokens: 10 } },
    { ...base, params: { temperature: 0, max_tokens: 10, top_k: 5 } },
  ]) {
    assert.notEqual(requestKey(other), k);
  }
});

test('a foreign SQLite file, a newer schema and a non-database are configuration errors', () => {
  const dir = tempDir();
  const foreign = join(dir, 'foreign.sqlite');
  const db = openSqlite(foreign);
  db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
  db.close();
  assert.throws(() => new TeacherStore(foreign), /not a teacher store/);
  const newer = join(dir, 'newer.sqlite');
  const db2 = openSqlite(newer);
  db2.pragma('user_version = 99');
  db2.close();
  assert.throws(() => new TeacherStore(newer), /schema version 99/);
  const junk = join(dir, 'junk.sqlite');
  writeFileSync(junk, 'this is not a database at all, just text, long enough to have a header...........');
  assert.throws(() => new TeacherStore(junk), /not a usable teacher store|cannot open/);
  rmSync(dir, { recursive: true });
});

test('several processes opening one new store at the same instant all succeed', async () => {
  const dir = tempDir();
  const path = join(dir, 'fresh.sqlite');
  const storeModule = new URL('./store.js', import.meta.url).href;
  const startAt = Date.now() + 700;
  const script = `const { TeacherStore } = await import(${JSON.stringify(storeModule)});
    while (Date.now() < ${startAt}) {}
    const s = new TeacherStore(${JSON.stringify(path)}); s.close();`;
  const { spawn } = await import('node:child_process');
  const codes = await Promise.all(
    Array.from({ length: 4 }, () => new Promise<number | null>((resolve) => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }).on('close', resolve))),
  );
  assert.deepEqual(codes, [0, 0, 0, 0]);
  const s = new TeacherStore(path);
  assert.equal(s.integrityCheck(), 'ok');
  s.close();
  rmSync(dir, { recursive: true });
});
