// End-to-end pulls from the fake Hub over real HTTP: the cache layout huggingface_hub expects,
// cache reuse, blobs shared across revisions, pinned commits, file selection, --out, dry runs.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { pullModel } from '../src/models/hub/index.js';
import { type HubFixture, createHubFixture } from '../src/models/hub/testing/fixture.js';
import { type FakeHubOptions, writeTinyModelRepo } from '../src/models/hub/testing/hub-server.js';

let fx: HubFixture;

before(async () => {
  fx = await createHubFixture((dir): FakeHubOptions => {
    writeTinyModelRepo(dir('tiny'), { pytorchBin: true });
    // v1.0: the same weights with another config.
    writeTinyModelRepo(dir('tiny-v1'), { pytorchBin: true, extra: { 'config.json': '{"model_type": "qwen2", "hidden_size": 64}\n' } });
    writeTinyModelRepo(dir('sharded'), { shards: 3 });
    return {
      repos: [
        { id: 'org/tiny', revisions: { main: dir('tiny'), 'v1.0': dir('tiny-v1') } },
        { id: 'org/sharded', revisions: { main: dir('sharded') } },
      ],
    };
  });
});

after(async () => {
  await fx.close();
});

const TINY_DEFAULT = ['LICENSE', 'README.md', 'config.json', 'generation_config.json', 'merges.txt', 'model.safetensors', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.json'];

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

test('a full pull lays out blobs/, snapshots/, refs/ and trees/ as huggingface_hub does', async () => {
  const cache = fx.freshCache();
  fx.hub.requests.length = 0;
  const r = await pullModel('org/tiny', fx.options(cache));
  const commit = fx.hub.commitOf('org/tiny');
  const repoDir = join(cache, 'models--org--tiny');

  assert.equal(r.commit, commit);
  assert.equal(r.snapshotDir, join(repoDir, 'snapshots', commit));
  assert.equal(r.modelDir, r.snapshotDir);
  assert.equal(readFileSync(join(repoDir, 'refs', 'main'), 'utf8'), commit, 'refs/main holds the bare sha');
  assert.deepEqual(r.files.map((f) => f.path).sort(), TINY_DEFAULT);
  assert.deepEqual(r.skipped.sort(), ['.gitattributes', 'pytorch_model.bin']);
  assert.ok(r.files.every((f) => f.status === 'downloaded'));

  for (const f of r.files) {
    const served = fx.hub.fileOf('org/tiny', f.path);
    const pointer = join(r.snapshotDir, f.path);
    assert.ok(lstatSync(pointer).isSymbolicLink(), `${f.path} is a symlink`);
    const etag = served.lfs ? served.sha256 : served.gitSha1;
    assert.equal(f.etag, etag);
    assert.equal(readlinkSync(pointer), relative(r.snapshotDir, join(repoDir, 'blobs', etag)), `${f.path} links ../../blobs/{etag}`);
    assert.ok(readFileSync(pointer).equals(served.data), `${f.path} bytes`);
    assert.equal(f.size, served.data.length);
  }
  const weights = readFileSync(join(r.snapshotDir, 'model.safetensors'));
  assert.equal(sha256(weights), fx.hub.fileOf('org/tiny', 'model.safetensors').sha256);
  assert.equal(r.downloadedBytes, r.files.reduce((n, f) => n + f.size, 0));

  const tree = JSON.parse(readFileSync(join(repoDir, 'trees', `${commit}.json`), 'utf8')) as { format_version: number; files: Record<string, { size: number; blob_id: string; lfs_sha256?: string }> };
  assert.equal(tree.format_version, 1);
  assert.equal(Object.keys(tree.files).length, 12, 'the tree lists every file of the commit, selected or not');
  assert.equal(tree.files['model.safetensors']!.lfs_sha256, fx.hub.fileOf('org/tiny', 'model.safetensors').sha256);

  assert.deepEqual(readdirSync(join(repoDir, 'blobs')).filter((n) => n.endsWith('.incomplete')), []);
  assert.deepEqual(readdirSync(join(cache, '.locks', 'models--org--tiny')), [], 'no lock left behind');

  // The LFS file came from the CDN, once, without the token; the small ones from the Hub.
  const cdn = fx.hub.requestsTo('cdn');
  assert.deepEqual(cdn.map((q) => `${q.method} ${q.file} ${q.status}`), ['GET model.safetensors 200']);
  const apiCalls = fx.hub.requestsTo('hub').filter((q) => q.url.startsWith('/api/'));
  assert.deepEqual(apiCalls.map((q) => q.url), ['/api/models/org/tiny/revision/main?blobs=true']);
});

test('a second pull asks the Hub once and downloads nothing', async () => {
  const cache = fx.freshCache();
  await pullModel('org/tiny', fx.options(cache));
  fx.hub.requests.length = 0;
  const r = await pullModel('org/tiny', fx.options(cache));
  assert.deepEqual(fx.hub.requests.map((q) => `${q.server} ${q.method} ${q.url}`), ['hub GET /api/models/org/tiny/revision/main?blobs=true']);
  assert.ok(r.files.every((f) => f.status === 'cached'));
  assert.equal(r.downloadedBytes, 0);
});

test('blobs are shared across revisions: a file already in blobs/ is linked, not downloaded', async () => {
  const cache = fx.freshCache();
  const main = await pullModel('org/tiny', fx.options(cache));
  fx.hub.requests.length = 0;
  const v1 = await pullModel('org/tiny', fx.options(cache, { revision: 'v1.0' }));
  const commit = fx.hub.commitOf('org/tiny', 'v1.0');
  assert.notEqual(v1.commit, main.commit);
  assert.equal(v1.commit, commit);
  assert.equal(readFileSync(join(cache, 'models--org--tiny', 'refs', 'v1.0'), 'utf8'), commit);
  assert.equal(readFileSync(join(cache, 'models--org--tiny', 'refs', 'main'), 'utf8'), main.commit);
  const status = Object.fromEntries(v1.files.map((f) => [f.path, f.status]));
  assert.equal(status['model.safetensors'], 'linked');
  assert.equal(status['config.json'], 'downloaded');
  assert.equal(fx.hub.requestsTo('cdn').length, 0, 'the weights were not downloaded again');
  assert.equal(realpathSync(join(v1.snapshotDir, 'model.safetensors')), realpathSync(join(main.snapshotDir, 'model.safetensors')));
});

test('a revision pinned by commit sha writes no ref and resolves to that commit', async () => {
  const cache = fx.freshCache();
  const sha = fx.hub.commitOf('org/tiny', 'v1.0');
  fx.hub.requests.length = 0;
  const r = await pullModel('org/tiny', fx.options(cache, { revision: sha }));
  assert.equal(r.commit, sha);
  assert.equal(r.revision, sha);
  assert.equal(r.snapshotDir, join(cache, 'models--org--tiny', 'snapshots', sha));
  assert.equal(existsSync(join(cache, 'models--org--tiny', 'refs')), false);
  assert.ok(fx.hub.requests.every((q) => !q.url.includes('/main')));
  assert.equal(fx.hub.requests[0]!.url, `/api/models/org/tiny/revision/${sha}?blobs=true`);
  assert.ok(fx.hub.requestsTo('hub').filter((q) => q.url.includes('/resolve/')).every((q) => q.url.includes(`/resolve/${sha}/`)));
});

test('a sharded checkpoint: the index is read first and only its shards are fetched', async () => {
  const cache = fx.freshCache();
  const r = await pullModel('org/sharded', fx.options(cache));
  const paths = r.files.map((f) => f.path).sort();
  for (const k of [1, 2, 3]) assert.ok(paths.includes(`model-0000${k}-of-00003.safetensors`));
  assert.ok(paths.includes('model.safetensors.index.json'));
  assert.ok(!paths.includes('consolidated.safetensors'));
  assert.ok(r.skipped.includes('consolidated.safetensors'));
  assert.ok(!fx.hub.requestsTo('cdn').some((q) => q.file === 'consolidated.safetensors'));
});

test('--include replaces the default selection and --exclude removes files', async () => {
  const onlyJson = await pullModel('org/tiny', fx.options(fx.freshCache(), { include: ['*.json'] }));
  assert.deepEqual(onlyJson.files.map((f) => f.path).sort(), ['config.json', 'generation_config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.json']);
  const everything = await pullModel('org/tiny', fx.options(fx.freshCache(), { include: ['*'], exclude: ['*.bin'] }));
  assert.deepEqual(everything.files.map((f) => f.path).sort(), ['.gitattributes', ...TINY_DEFAULT].sort());
  const noDocs = await pullModel('org/tiny', fx.options(fx.freshCache(), { exclude: ['README.md', 'LICENSE'] }));
  assert.deepEqual(noDocs.files.map((f) => f.path).sort(), TINY_DEFAULT.filter((p) => p !== 'README.md' && p !== 'LICENSE'));
  await assert.rejects(pullModel('org/tiny', fx.options(fx.freshCache(), { include: ['*.gguf'] })), /no file of the repository matches --include \*\.gguf/);
});

test('--out copies a plain folder; symlink mode links into the cache', async () => {
  const cache = fx.freshCache();
  const out = join(fx.root, 'out-copy');
  const r = await pullModel('org/tiny', fx.options(cache, { outDir: out }));
  assert.equal(r.outDir, out);
  assert.equal(r.modelDir, out);
  assert.deepEqual(readdirSync(out).sort(), TINY_DEFAULT);
  for (const f of TINY_DEFAULT) {
    assert.ok(lstatSync(join(out, f)).isFile(), `${f} is a plain file`);
    assert.ok(readFileSync(join(out, f)).equals(fx.hub.fileOf('org/tiny', f).data));
  }
  const linked = join(fx.root, 'out-link');
  await pullModel('org/tiny', fx.options(cache, { outDir: linked, outMode: 'symlink' }));
  const target = readlinkSync(join(linked, 'model.safetensors'));
  assert.equal(target, join(cache, 'models--org--tiny', 'blobs', fx.hub.fileOf('org/tiny', 'model.safetensors').sha256));
  // Pulling again over an existing folder replaces the files.
  await pullModel('org/tiny', fx.options(cache, { outDir: linked }));
  assert.ok(lstatSync(join(linked, 'model.safetensors')).isFile());
});

test('a dry run plans without downloading weights or writing refs', async () => {
  const cache = fx.freshCache();
  fx.hub.requests.length = 0;
  const r = await pullModel('org/tiny', fx.options(cache, { dryRun: true }));
  assert.deepEqual(r.files.map((f) => f.path).sort(), TINY_DEFAULT);
  assert.ok(r.files.every((f) => f.status === 'planned'));
  assert.equal(r.files.find((f) => f.path === 'model.safetensors')!.size, fx.hub.fileOf('org/tiny', 'model.safetensors').data.length);
  assert.equal(fx.hub.requestsTo('cdn').length, 0);
  assert.ok(fx.hub.requests.every((q) => q.method !== 'GET' || q.url.startsWith('/api/')));
  assert.equal(existsSync(join(cache, 'models--org--tiny', 'refs')), false);
});

test('with HF_HUB_DISABLE_SYMLINKS the snapshot holds plain files, and they count as cached', async () => {
  const cache = fx.freshCache();
  const env = { ...fx.env, HF_HUB_DISABLE_SYMLINKS: '1' };
  const r = await pullModel('org/tiny', fx.options(cache, { env }));
  for (const f of r.files) assert.ok(lstatSync(join(r.snapshotDir, f.path)).isFile(), f.path);
  assert.ok(readFileSync(join(r.snapshotDir, 'model.safetensors')).equals(fx.hub.fileOf('org/tiny', 'model.safetensors').data));
  const again = await pullModel('org/tiny', fx.options(cache, { env }));
  assert.ok(again.files.every((f) => f.status === 'cached'));
});
