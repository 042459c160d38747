// Tokens: private and gated repositories, invalid tokens, where the token goes (the Hub's origin
// only, never the CDN), where it comes from (HF_TOKEN, HUGGING_FACE_HUB_TOKEN, the token file),
// and that it never appears in a message.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pullModel } from '../src/models/hub/index.js';
import { type HubFixture, createHubFixture, hubFailure } from '../src/models/hub/testing/fixture.js';
import { type FakeHubOptions, writeTinyModelRepo } from '../src/models/hub/testing/hub-server.js';
import { createLogger } from '../src/util/log.js';

const READER = 'hf_reader_token_1234567890';
const OTHER = 'hf_other_token_0987654321';
let fx: HubFixture;

before(async () => {
  fx = await createHubFixture((dir): FakeHubOptions => {
    writeTinyModelRepo(dir('tiny'));
    return {
      repos: [
        { id: 'org/private', revisions: { main: dir('tiny') }, private: true, allowedTokens: [READER], aliases: ['org/old-private'] },
        { id: 'meta/gated', revisions: { main: dir('tiny') }, gated: true, allowedTokens: [READER] },
      ],
      tokens: [OTHER],
    };
  });
});

after(async () => {
  await fx.close();
});

test('a private repository without a token: 401 and a message that says to set HF_TOKEN', async () => {
  const e = await hubFailure(pullModel('org/private', fx.options(fx.freshCache())));
  assert.equal(e.status, 401);
  assert.match(e.message, /repository org\/private not found/);
  assert.match(e.message, /no token was sent: set HF_TOKEN/);
  assert.match(e.message, /licence/);
});

test('with HF_TOKEN the token goes to the Hub as a Bearer header, never to the CDN, and is never logged', async () => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (l) => void lines.push(l) });
  fx.hub.requests.length = 0;
  const r = await pullModel('org/private', fx.options(fx.freshCache(), { env: { ...fx.env, HF_TOKEN: READER }, logger }));
  assert.ok(r.files.some((f) => f.path === 'model.safetensors'));
  const hub = fx.hub.requestsTo('hub');
  const cdn = fx.hub.requestsTo('cdn');
  assert.ok(hub.length > 0 && hub.every((q) => q.authorization === `Bearer ${READER}`));
  assert.ok(cdn.length > 0 && cdn.every((q) => q.authorization === undefined), 'no Authorization header on the CDN');
  assert.ok(!lines.join('').includes(READER));
});

test('a renamed repository: the Hub redirects (307, relative) and the token follows on the same origin', async () => {
  fx.hub.requests.length = 0;
  const cache = fx.freshCache();
  const r = await pullModel('org/old-private', fx.options(cache, { env: { ...fx.env, HF_TOKEN: READER } }));
  assert.equal(r.snapshotDir.startsWith(join(cache, 'models--org--old-private')), true, 'cached under the name asked for, as huggingface_hub does');
  assert.ok(fx.hub.requests.some((q) => q.status === 307));
  assert.ok(fx.hub.requestsTo('hub').every((q) => q.authorization === `Bearer ${READER}`));
});

test('a gated repository without a token: 401 GatedRepo, a message about the licence and HF_TOKEN', async () => {
  const e = await hubFailure(pullModel('meta/gated', fx.options(fx.freshCache())));
  assert.equal(e.status, 401);
  assert.equal(e.errorCode, 'GatedRepo');
  assert.match(e.message, /meta\/gated is a gated model/);
  assert.match(e.message, /accept its licence on http:\/\/127\.0\.0\.1:\d+\/meta\/gated/);
  assert.match(e.message, /set HF_TOKEN/);
});

test('a gated repository with a token not granted access: 403, and the token is not in the message', async () => {
  const e = await hubFailure(pullModel('meta/gated', fx.options(fx.freshCache(), { env: { ...fx.env, HF_TOKEN: OTHER } })));
  assert.equal(e.status, 403);
  assert.equal(e.errorCode, 'GatedRepo');
  assert.match(e.message, /token \(from HF_TOKEN\) belongs to that account/);
  assert.ok(!e.message.includes(OTHER));
  const ok = await pullModel('meta/gated', fx.options(fx.freshCache(), { env: { ...fx.env, HF_TOKEN: READER } }));
  assert.ok(ok.files.length > 0);
});

test('an unknown token is reported as invalid, without echoing it', async () => {
  const bad = 'hf_not_a_real_token_555';
  const e = await hubFailure(pullModel('meta/gated', fx.options(fx.freshCache(), { env: { ...fx.env, HF_TOKEN: bad } })));
  assert.equal(e.status, 401);
  assert.match(e.message, /refused the token from HF_TOKEN as invalid/);
  assert.ok(!e.message.includes(bad));
});

test('HUGGING_FACE_HUB_TOKEN and the token file of `hf auth login` are used too', async () => {
  const legacy = await pullModel('org/private', fx.options(fx.freshCache(), { env: { ...fx.env, HUGGING_FACE_HUB_TOKEN: READER } }));
  assert.ok(legacy.files.length > 0);
  const home = join(fx.root, 'logged-in-home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'token'), `${READER}\n`);
  fx.hub.requests.length = 0;
  const fromFile = await pullModel('org/private', fx.options(fx.freshCache(), { env: { HF_HOME: home } }));
  assert.ok(fromFile.files.length > 0);
  assert.ok(fx.hub.requestsTo('hub').every((q) => q.authorization === `Bearer ${READER}`));
  // token: null sends none even then.
  const e = await hubFailure(pullModel('org/private', fx.options(fx.freshCache(), { env: { HF_HOME: home }, token: null })));
  assert.equal(e.status, 401);
});
