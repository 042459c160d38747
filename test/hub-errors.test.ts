// What goes wrong and what the user is told: missing repositories, revisions and files, a Hub
// that fails and recovers or stays down, corrupted bytes, and offline use of the cache.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HubIntegrityError, HubNetworkError, pullModel } from '../src/models/hub/index.js';
import { type HubFixture, createHubFixture, hubFailure } from '../src/models/hub/testing/fixture.js';
import { type FakeHubOptions, writeTinyModelRepo } from '../src/models/hub/testing/hub-server.js';
import { createLogger } from '../src/util/log.js';

let fx: HubFixture;

before(async () => {
  fx = await createHubFixture((dir): FakeHubOptions => {
    writeTinyModelRepo(dir('tiny'));
    writeTinyModelRepo(dir('sharded'), { shards: 2 });
    return {
      repos: [
        { id: 'org/tiny', revisions: { main: dir('tiny') } },
        { id: 'org/sharded', revisions: { main: dir('sharded') } },
      ],
      tokens: ['hf_someone'],
    };
  });
});

after(async () => {
  await fx.close();
});

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', write: (l) => void lines.push(l) }) };
}

test('an unknown revision is named in the error', async () => {
  const e = await hubFailure(pullModel('org/tiny', fx.options(fx.freshCache(), { revision: 'v9.9' })));
  assert.equal(e.status, 404);
  assert.equal(e.errorCode, 'RevisionNotFound');
  assert.match(e.message, /^revision "v9\.9" not found in org\/tiny/);
});

test('an unknown repository is named (404 with a token, 401 without)', async () => {
  const withToken = await hubFailure(pullModel('org/nope', fx.options(fx.freshCache(), { env: { ...fx.env, HF_TOKEN: 'hf_someone' } })));
  assert.equal(withToken.status, 404);
  assert.match(withToken.message, /repository org\/nope not found/);
  const anonymous = await hubFailure(pullModel('org/nope', fx.options(fx.freshCache())));
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.message, /repository org\/nope not found/);
});

test('a file the Hub says it does not have is named, with the commit', async () => {
  fx.hub.faults.push({ kind: 'status', status: 404, method: 'HEAD', file: 'tokenizer.json', headers: { 'x-error-code': 'EntryNotFound' } });
  const e = await hubFailure(pullModel('org/tiny', fx.options(fx.freshCache())));
  assert.equal(e.errorCode, 'EntryNotFound');
  assert.match(e.message, new RegExp(`^file "tokenizer\\.json" not found in org/tiny at revision ${fx.hub.commitOf('org/tiny').slice(0, 12)}`));
});

test('429 and 5xx answers are retried with backoff', async () => {
  fx.hub.faults.push({ kind: 'status', status: 503, api: true, times: 2 });
  fx.hub.faults.push({ kind: 'status', status: 429, method: 'HEAD', file: 'config.json' });
  fx.hub.faults.push({ kind: 'status', status: 500, server: 'cdn', file: 'model.safetensors' });
  const log = capture();
  const r = await pullModel('org/tiny', fx.options(fx.freshCache(), { logger: log.logger }));
  assert.ok(r.files.length > 0);
  const warnings = log.lines.filter((l) => l.startsWith('warning: '));
  assert.equal(warnings.filter((l) => l.includes('HTTP 503') && l.includes('retry')).length, 2);
  assert.ok(warnings.some((l) => l.includes('HTTP 429')));
  assert.ok(warnings.some((l) => l.includes('HTTP 500') && l.includes('model.safetensors')));
});

test('a Hub that stays down fails after the retry limit, naming the status', async () => {
  fx.hub.faults.push({ kind: 'status', status: 502, api: true, times: 10 });
  fx.hub.requests.length = 0;
  const e = await hubFailure(pullModel('org/tiny', fx.options(fx.freshCache(), { retry: { limit: 2, backoffMs: 1 } })));
  assert.equal(e.status, 502);
  assert.match(e.message, /repository info of org\/tiny@main: HTTP 502/);
  assert.equal(fx.hub.requests.length, 3);
  fx.hub.faults.length = 0;
});

test('corrupted LFS bytes: sha256 mismatch names the file, and nothing half-written stays', async () => {
  const cache = fx.freshCache();
  fx.hub.faults.push({ kind: 'corrupt', file: 'model.safetensors' });
  const e = await hubFailure(pullModel('org/tiny', fx.options(cache)));
  assert.ok(e instanceof HubIntegrityError);
  assert.equal(e.file, 'model.safetensors');
  assert.match(e.message, /^model\.safetensors of org\/tiny@[0-9a-f]{12}: sha256 mismatch \(expected [0-9a-f]{64}, got [0-9a-f]{64}\); the download was deleted/);
  const blobs = readdirSync(join(cache, 'models--org--tiny', 'blobs'));
  const sha = fx.hub.fileOf('org/tiny', 'model.safetensors').sha256;
  assert.ok(!blobs.includes(sha) && !blobs.includes(`${sha}.incomplete`));
  assert.equal(existsSync(join(cache, 'models--org--tiny', 'refs', 'main')), false);
  const again = await pullModel('org/tiny', fx.options(cache));
  assert.ok(again.files.some((f) => f.path === 'model.safetensors' && f.status === 'downloaded'));
});

test('corrupted bytes of a regular file: its git blob sha1 does not match', async () => {
  fx.hub.faults.push({ kind: 'corrupt', file: 'tokenizer.json' });
  const e = await hubFailure(pullModel('org/tiny', fx.options(fx.freshCache())));
  assert.ok(e instanceof HubIntegrityError);
  assert.equal(e.file, 'tokenizer.json');
  assert.match(e.message, /git blob sha1 mismatch/);
});

test('a cached file of the wrong size is fetched again', async () => {
  const cache = fx.freshCache();
  const first = await pullModel('org/tiny', fx.options(cache));
  truncateSync(join(first.snapshotDir, 'tokenizer.json'), 10);
  const log = capture();
  const r = await pullModel('org/tiny', fx.options(cache, { logger: log.logger }));
  assert.equal(r.files.find((f) => f.path === 'tokenizer.json')!.status, 'downloaded');
  assert.ok(log.lines.some((l) => l.includes('tokenizer.json: the cached copy has 10 bytes')));
});

test('HF_HUB_OFFLINE=1 uses a complete cached snapshot without a single request', async () => {
  const cache = fx.freshCache();
  const online = await pullModel('org/sharded', fx.options(cache));
  fx.hub.requests.length = 0;
  const r = await pullModel('org/sharded', fx.options(cache, { env: { ...fx.env, HF_HUB_OFFLINE: '1' } }));
  assert.equal(fx.hub.requests.length, 0);
  assert.equal(r.commit, online.commit);
  assert.equal(r.snapshotDir, online.snapshotDir);
  assert.match(r.offlineReason ?? '', /offline mode/);
  assert.deepEqual(r.files.map((f) => f.path).sort(), online.files.map((f) => f.path).sort());
  assert.ok(r.files.every((f) => f.status === 'cached'));
});

test('offline with nothing cached, or with an incomplete snapshot, is a clear error', async () => {
  const empty = await hubFailure(pullModel('org/tiny', fx.options(fx.freshCache(), { offline: true })));
  assert.match(empty.message, /org\/tiny@main is not in the cache .* offline mode is on \(HF_HUB_OFFLINE\)/);
  const cache = fx.freshCache();
  const online = await pullModel('org/sharded', fx.options(cache));
  rmSync(join(online.snapshotDir, 'model-00002-of-00002.safetensors'));
  const partial = await hubFailure(pullModel('org/sharded', fx.options(cache, { offline: true })));
  assert.match(partial.message, /is incomplete: missing model-00002-of-00002\.safetensors/);
});

test('an unreachable Hub falls back to a complete cached snapshot, and says so', async () => {
  const cache = fx.freshCache();
  const online = await pullModel('org/tiny', fx.options(cache));
  const log = capture();
  const r = await pullModel('org/tiny', fx.options(cache, { endpoint: 'http://127.0.0.1:1', logger: log.logger }));
  assert.equal(r.snapshotDir, online.snapshotDir);
  assert.match(r.offlineReason ?? '', /cannot reach http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  assert.ok(log.lines.some((l) => l.includes('using the cached snapshot')));
  const e = await hubFailure(pullModel('org/tiny', fx.options(fx.freshCache(), { endpoint: 'http://127.0.0.1:1', retry: { limit: 1, backoffMs: 1 } })));
  assert.ok(e instanceof HubNetworkError);
  assert.match(e.message, /cannot reach http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\).*HF_HUB_OFFLINE=1/);
});

test('a Hub answering 5xx with a complete snapshot cached: one try, then the cache', async () => {
  const cache = fx.freshCache();
  await pullModel('org/tiny', fx.options(cache));
  fx.hub.requests.length = 0;
  fx.hub.faults.push({ kind: 'status', status: 503, api: true, times: 5 });
  const r = await pullModel('org/tiny', fx.options(cache));
  assert.equal(fx.hub.requests.length, 1);
  assert.match(r.offlineReason ?? '', /HTTP 503/);
  fx.hub.faults.length = 0;
  // Not found is not a reason to use the cache.
  await hubFailure(pullModel('org/tiny', fx.options(cache, { revision: 'nope' })));
});

test('an expired CDN link is replaced by a fresh one from the Hub', async () => {
  fx.hub.requests.length = 0;
  fx.hub.faults.push({ kind: 'expire-link', file: 'model.safetensors' });
  const log = capture();
  const r = await pullModel('org/tiny', fx.options(fx.freshCache(), { logger: log.logger }));
  assert.ok(r.files.some((f) => f.path === 'model.safetensors' && f.status === 'downloaded'));
  const cdn = fx.hub.requestsTo('cdn').filter((q) => q.file === 'model.safetensors');
  assert.deepEqual(cdn.map((q) => q.status), [403, 200]);
  const heads = fx.hub.requestsTo('hub').filter((q) => q.method === 'HEAD' && q.file === 'model.safetensors');
  assert.equal(heads.length, 2, 'one HEAD to plan, one for a fresh link');
  assert.ok(log.lines.some((l) => l.includes('signed link may have expired')));
});
