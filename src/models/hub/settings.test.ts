import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../util/errors.js';
import { defaultCacheDir, hubSettings, isTrue } from './settings.js';

test('the cache folder follows huggingface_hub: HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME, ~/.cache', () => {
  assert.equal(defaultCacheDir({ HF_HUB_CACHE: '/c', HUGGINGFACE_HUB_CACHE: '/legacy', HF_HOME: '/h' }), '/c');
  assert.equal(defaultCacheDir({ HUGGINGFACE_HUB_CACHE: '/legacy', HF_HOME: '/h' }), '/legacy');
  assert.equal(defaultCacheDir({ HF_HOME: '/h' }), '/h/hub');
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/huggingface/hub');
  assert.equal(defaultCacheDir({}), join(homedir(), '.cache', 'huggingface', 'hub'));
  assert.equal(defaultCacheDir({ HF_HUB_CACHE: '~/hf', }), join(homedir(), 'hf'));
  assert.equal(defaultCacheDir({ HF_HUB_CACHE: '$SCRATCH/hf', SCRATCH: '/scratch/me' }), '/scratch/me/hf');
});

test('the token: HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then the token file; blanks mean none', () => {
  const home = mkdtempSync(join(tmpdir(), 'clinsum-hfhome-'));
  try {
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'token'), 'hf_file\n');
    assert.equal(hubSettings({ HF_HOME: home, HF_TOKEN: ' hf_a\n', HUGGING_FACE_HUB_TOKEN: 'hf_b' }).token, 'hf_a');
    assert.equal(hubSettings({ HF_HOME: home, HUGGING_FACE_HUB_TOKEN: 'hf_b' }).tokenSource, 'HUGGING_FACE_HUB_TOKEN');
    const fromFile = hubSettings({ HF_HOME: home, HF_TOKEN: '  ' });
    assert.equal(fromFile.token, 'hf_file');
    assert.equal(fromFile.tokenSource, 'token file');
    assert.equal(hubSettings({ HF_HOME: join(home, 'none') }).token, undefined);
    assert.equal(hubSettings({ HF_HOME: home }, { token: null }).token, undefined);
    writeFileSync(join(home, 'other-token'), 'hf_other');
    assert.equal(hubSettings({ HF_HOME: home, HF_TOKEN_PATH: join(home, 'other-token') }).token, 'hf_other');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('endpoint, offline switch and timeouts', () => {
  const s = hubSettings({ HF_ENDPOINT: 'https://hf-mirror.example/', HF_HUB_OFFLINE: 'yes', HF_HUB_DOWNLOAD_TIMEOUT: '30', HF_HOME: '/nonexistent' });
  assert.equal(s.endpoint, 'https://hf-mirror.example');
  assert.equal(s.offline, true);
  assert.equal(s.downloadTimeoutMs, 30_000);
  assert.equal(s.etagTimeoutMs, 10_000);
  assert.equal(hubSettings({ HF_HOME: '/nonexistent' }).endpoint, 'https://huggingface.co');
  assert.equal(hubSettings({ TRANSFORMERS_OFFLINE: '1', HF_HOME: '/nonexistent' }).offline, true);
  assert.equal(hubSettings({ HF_HUB_OFFLINE: '0', HF_HOME: '/nonexistent' }).offline, false);
  assert.equal(isTrue('On'), true);
  assert.throws(() => hubSettings({ HF_ENDPOINT: 'ftp://x' }), ConfigError);
  assert.throws(() => hubSettings({ HF_ENDPOINT: 'not a url' }), ConfigError);
  assert.throws(() => hubSettings({ HF_HUB_ETAG_TIMEOUT: 'soon' }), ConfigError);
});
