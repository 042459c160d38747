// Interrupted downloads: a connection cut mid-file, a pull that failed, a process killed with
// SIGKILL; servers that ignore or refuse ranges; a corrupt leftover; two pulls of one blob at once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HubNetworkError, pullModel } from '../src/models/hub/index.js';
import { type HubFixture, createHubFixture } from '../src/models/hub/testing/fixture.js';
import { type FakeHubOptions, writeTinyModelRepo } from '../src/models/hub/testing/hub-server.js';
import { createLogger } from '../src/util/log.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
let fx: HubFixture;
let weights: { data: Buffer; sha256: string };

before(async () => {
  fx = await createHubFixture((dir): FakeHubOptions => {
    writeTinyModelRepo(dir('tiny'), { weightBytes: 4_000_000 });
    return { repos: [{ id: 'org/tiny', revisions: { main: dir('tiny') } }] };
  });
  weights = fx.hub.fileOf('org/tiny', 'model.safetensors');
});

after(async () => {
  await fx.close();
});

const incompleteOf = (cache: string) => join(cache, 'models--org--tiny', 'blobs', `${weights.sha256}.incomplete`);
const weightGets = () => fx.hub.requestsTo('cdn').filter((q) => q.method === 'GET' && q.file === 'model.safetensors');

function assertWeightsIntact(snapshotDir: string): void {
  const bytes = readFileSync(join(snapshotDir, 'model.safetensors'));
  assert.equal(bytes.length, weights.data.length);
  assert.equal(createHash('sha256').update(bytes).digest('hex'), weights.sha256);
}

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', write: (l) => void lines.push(l) }) };
}

test('a connection cut mid-file is resumed in the same run with a Range request', async () => {
  const cache = fx.freshCache();
  fx.hub.requests.length = 0;
  fx.hub.faults.push({ kind: 'cut', file: 'model.safetensors', afterBytes: 1_000_000 });
  const log = capture();
  const r = await pullModel('org/tiny', fx.options(cache, { logger: log.logger }));
  const gets = weightGets();
  assert.equal(gets.length, 2);
  assert.equal(gets[0]!.range, undefined);
  const m = gets[1]!.range?.match(/^bytes=(\d+)-$/);
  assert.ok(m, `second GET asks for a range, got ${gets[1]!.range}`);
  const from = Number(m[1]);
  assert.ok(from > 0 && from <= 1_000_000, `resumed at ${from}`);
  assert.equal(gets[1]!.status, 206);
  assertWeightsIntact(r.snapshotDir);
  assert.ok(log.lines.some((l) => /connection .*lost|closed after/.test(l) && l.includes('resuming')), log.lines.join(''));
});

test('a rerun after a failed pull continues from the partial file (Range: bytes=N-)', async () => {
  const cache = fx.freshCache();
  fx.hub.faults.push({ kind: 'cut', file: 'model.safetensors', afterBytes: 1_500_000 });
  await assert.rejects(pullModel('org/tiny', fx.options(cache, { retry: { limit: 0 } })), HubNetworkError);
  const partial = statSync(incompleteOf(cache)).size;
  assert.ok(partial > 0 && partial <= 1_500_000, `partial file of ${partial} bytes`);
  assert.equal(existsSync(join(cache, 'models--org--tiny', 'blobs', weights.sha256)), false, 'no blob before it is complete');
  assert.equal(existsSync(join(cache, 'models--org--tiny', 'refs', 'main')), false, 'the ref is written once the snapshot is complete');

  fx.hub.requests.length = 0;
  const r = await pullModel('org/tiny', fx.options(cache));
  const gets = weightGets();
  assert.deepEqual(gets.map((q) => [q.range, q.status]), [[`bytes=${partial}-`, 206]]);
  const file = r.files.find((f) => f.path === 'model.safetensors')!;
  assert.equal(file.status, 'downloaded');
  assert.equal(file.resumedFrom, partial);
  assert.equal(r.downloadedBytes, weights.data.length - partial + r.files.filter((f) => f.path !== 'model.safetensors' && f.status === 'downloaded').reduce((n, f) => n + f.size, 0));
  assertWeightsIntact(r.snapshotDir);
  assert.equal(existsSync(incompleteOf(cache)), false);
});

test('a pull killed with SIGKILL mid-download is resumed by the next run', async () => {
  const cache = fx.freshCache();
  const stallAt = 2_000_000;
  fx.hub.faults.push({ kind: 'stall', file: 'model.safetensors', afterBytes: stallAt });
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'clinsum'), 'model', 'pull', 'org/tiny', '--quiet'], {
    env: { ...fx.env, PATH: process.env.PATH, HF_ENDPOINT: fx.hub.endpoint, HF_HUB_CACHE: cache, HF_HUB_DOWNLOAD_TIMEOUT: '60' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
  // Wait until the stalled download has all the bytes the server sent on disk.
  for (let i = 0; ; i++) {
    let size = 0;
    try {
      size = statSync(incompleteOf(cache)).size;
    } catch {
      // not created yet
    }
    if (size === stallAt) break;
    assert.ok(i < 600, `the partial file did not reach ${stallAt} bytes (${size}); stderr: ${stderr}`);
    await sleep(50);
  }
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  const locks = readdirSync(join(cache, '.locks', 'models--org--tiny'));
  // Small files may have been in flight too (their locks stay behind as well); the weights' lock must.
  assert.ok(locks.includes(`${weights.sha256}.clinsum.lock`), `the killed process left its lock behind (${locks.join(', ')})`);

  fx.hub.requests.length = 0;
  const r = await pullModel('org/tiny', fx.options(cache));
  assert.deepEqual(weightGets().map((q) => q.range), [`bytes=${stallAt}-`]);
  assert.equal(r.files.find((f) => f.path === 'model.safetensors')!.resumedFrom, stallAt);
  assertWeightsIntact(r.snapshotDir);
  assert.deepEqual(readdirSync(join(cache, '.locks', 'models--org--tiny')), [], 'the stale lock was taken over and released');
});

/** Leave a partial weights file in `cache` by failing a pull after a cut. */
async function leavePartial(cache: string, afterBytes: number): Promise<number> {
  fx.hub.faults.push({ kind: 'cut', file: 'model.safetensors', afterBytes });
  await assert.rejects(pullModel('org/tiny', fx.options(cache, { retry: { limit: 0 } })));
  return statSync(incompleteOf(cache)).size;
}

test('a server that ignores the Range header (200) gets the file rewritten from the start', async () => {
  const cache = fx.freshCache();
  const partial = await leavePartial(cache, 1_000_000);
  fx.hub.requests.length = 0;
  fx.hub.faults.push({ kind: 'ignore-range', file: 'model.safetensors' });
  const r = await pullModel('org/tiny', fx.options(cache));
  assert.deepEqual(weightGets().map((q) => [q.range, q.status]), [[`bytes=${partial}-`, 200]]);
  assertWeightsIntact(r.snapshotDir);
});

test('a 416 answer drops the partial file and downloads it whole', async () => {
  const cache = fx.freshCache();
  const partial = await leavePartial(cache, 1_000_000);
  fx.hub.requests.length = 0;
  fx.hub.faults.push({ kind: 'refuse-range', file: 'model.safetensors' });
  const r = await pullModel('org/tiny', fx.options(cache));
  assert.deepEqual(weightGets().map((q) => [q.range, q.status]), [[`bytes=${partial}-`, 416], [undefined, 200]]);
  assertWeightsIntact(r.snapshotDir);
});

test('a corrupt leftover of an earlier run is detected by its hash and downloaded again', async () => {
  const cache = fx.freshCache();
  await pullModel('org/tiny', fx.options(cache, { include: ['config.json'] }));
  writeFileSync(incompleteOf(cache), Buffer.alloc(weights.data.length, 7));
  fx.hub.requests.length = 0;
  const log = capture();
  const r = await pullModel('org/tiny', fx.options(cache, { logger: log.logger }));
  assert.deepEqual(weightGets().map((q) => [q.range, q.status]), [[undefined, 200]], 'a full-size leftover is checked without a request, then fetched whole');
  assertWeightsIntact(r.snapshotDir);
  assert.ok(log.lines.some((l) => l.includes('earlier run was corrupt')), log.lines.join(''));
});

test('two pulls at once into one cache download each blob once', async () => {
  const cache = fx.freshCache();
  fx.hub.requests.length = 0;
  const [a, b] = await Promise.all([pullModel('org/tiny', fx.options(cache)), pullModel('org/tiny', fx.options(cache))]);
  assert.equal(weightGets().length, 1);
  assert.equal(a.snapshotDir, b.snapshotDir);
  assertWeightsIntact(a.snapshotDir);
  const statuses = [a, b].map((r) => r.files.find((f) => f.path === 'model.safetensors')!.status).sort();
  assert.deepEqual(statuses, ['downloaded', 'linked']);
});
