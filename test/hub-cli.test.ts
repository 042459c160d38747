// `clinsum model pull` through the CLI dispatcher: the last stdout line is the model folder,
// progress and messages go to stderr, usage errors exit 2, Hub errors print one line.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type HubFixture, createHubFixture } from '../src/models/hub/testing/fixture.js';
import { type FakeHubOptions, writeTinyModelRepo } from '../src/models/hub/testing/hub-server.js';
import { runCliCaptured, type CliRun } from '../src/surfaces/cli/testing.js';

let fx: HubFixture;

before(async () => {
  fx = await createHubFixture((dir): FakeHubOptions => {
    writeTinyModelRepo(dir('tiny'));
    return { repos: [{ id: 'Qwen/Tiny-Instruct', revisions: { main: dir('tiny') } }, { id: 'org/private', revisions: { main: dir('tiny') }, private: true }] };
  });
});

after(async () => {
  await fx.close();
});

const cli = (argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> => runCliCaptured(argv, { ...fx.env, HF_ENDPOINT: fx.hub.endpoint, ...env });

test('model pull prints the snapshot folder last on stdout, progress and a summary on stderr', async () => {
  const cache = fx.freshCache();
  const r = await cli(['model', 'pull', 'Qwen/Tiny-Instruct', '--cache-dir', cache]);
  assert.equal(r.code, 0, r.stderr);
  const commit = fx.hub.commitOf('Qwen/Tiny-Instruct');
  const snapshot = join(cache, 'models--Qwen--Tiny-Instruct', 'snapshots', commit);
  assert.equal(r.stdout.trimEnd().split('\n').pop(), snapshot);
  assert.ok(existsSync(join(snapshot, 'model.safetensors')));
  assert.match(r.stderr, /^model pull: Qwen\/Tiny-Instruct@main: commit [0-9a-f]{40}/m);
  assert.match(r.stderr, /10 files selected/);
  assert.match(r.stderr, /^download: [0-9.]+\/[0-9.]+ kB \(100\.0%\) .*files 10\/10$/m);
});

test('with --out the last stdout line is that folder; HF_HUB_CACHE picks the cache', async () => {
  const cache = fx.freshCache();
  const out = join(fx.root, 'cli-out');
  const r = await cli(['model', 'pull', 'Qwen/Tiny-Instruct', '--out', out, '--quiet'], { HF_HUB_CACHE: cache });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${out}\n`);
  assert.equal(r.stderr, '', '--quiet prints nothing when all goes well');
  assert.ok(existsSync(join(out, 'config.json')));
  assert.ok(existsSync(join(cache, 'models--Qwen--Tiny-Instruct', 'refs', 'main')));
});

test('--dry-run lists the plan', async () => {
  const r = await cli(['model', 'pull', 'Qwen/Tiny-Instruct', '--cache-dir', fx.freshCache(), '--dry-run', '--include', '*.json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^ {2}planned +config\.json \(\d+ bytes\)$/m);
  assert.doesNotMatch(r.stderr, /safetensors \(/);
});

test('usage errors exit 2; a bad repository id and Hub errors print one line and exit 1', async () => {
  assert.equal((await cli(['model', 'pull'])).code, 2);
  assert.equal((await cli(['model', 'pull', 'a/b', 'c/d'])).code, 2);
  const mode = await cli(['model', 'pull', 'Qwen/Tiny-Instruct', '--out-mode', 'hardlink']);
  assert.equal(mode.code, 2);
  assert.match(mode.stderr, /--out-mode must be copy or symlink/);
  const badId = await cli(['model', 'pull', 'not/a/repo']);
  assert.equal(badId.code, 1);
  assert.match(badId.stderr, /^clinsum: error: field `repo_id`: "not\/a\/repo" is not a Hub repository id/);
  const denied = await cli(['model', 'pull', 'org/private', '--cache-dir', fx.freshCache()]);
  assert.equal(denied.code, 1);
  const lines = denied.stderr.trimEnd().split('\n');
  assert.match(lines.pop()!, /^clinsum: error: repository org\/private not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 401\).*set HF_TOKEN/);
  assert.equal(denied.stdout, '');
});

test('--help prints the usage', async () => {
  const r = await cli(['model', 'pull', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^usage: clinsum model pull REPO_ID/);
  assert.match(r.stdout, /HF_TOKEN/);
});
