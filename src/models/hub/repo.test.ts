import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../util/errors.js';
import { isSafeRepoPath, quoteComponent, quotePath, repoFolderName, repoInfoUrl, resolveUrl, validateRepoId, validateRevision } from './repo.js';

test('repository ids are checked as huggingface_hub validate_repo_id does', () => {
  for (const ok of ['Qwen/Qwen2.5-0.5B-Instruct', 'gpt2', 'distilbert-base-uncased', 'a_b/c.d-e']) validateRepoId(ok);
  for (const bad of ['', 'a/b/c', '-abc/def', 'abc/def-', 'a--b/c', 'a/b..c', 'org/model.git', 'org/mödel', 'org/ name', `org/${'x'.repeat(97)}`]) {
    assert.throws(() => validateRepoId(bad), InputError, bad);
  }
});

test('cache folder names: models--{namespace}--{name}', () => {
  assert.equal(repoFolderName('Qwen/Qwen2.5-0.5B-Instruct'), 'models--Qwen--Qwen2.5-0.5B-Instruct');
  assert.equal(repoFolderName('gpt2'), 'models--gpt2');
});

test('revisions and file paths that would leave the cache are refused', () => {
  validateRevision('main');
  validateRevision('refs/pr/1');
  for (const bad of ['', '..', 'a/../b', '/abs', 'a//b', 'a\\b']) assert.throws(() => validateRevision(bad), InputError, bad);
  assert.equal(isSafeRepoPath('onnx/model.onnx'), true);
  for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', 'a/./b', 'a\\b', 'a//b']) assert.equal(isSafeRepoPath(bad), false, bad);
});

test('URLs are encoded as hf_hub_url and HfApi encode them (quote, safe="" for revisions)', () => {
  assert.equal(quoteComponent('refs/pr/1'), 'refs%2Fpr%2F1');
  assert.equal(quoteComponent("a!b'c(d)*"), 'a%21b%27c%28d%29%2A');
  assert.equal(quotePath('sub dir/file #1.json'), 'sub%20dir/file%20%231.json');
  assert.equal(repoInfoUrl('https://huggingface.co', 'Qwen/Qwen2.5-0.5B-Instruct', 'refs/pr/1').href, 'https://huggingface.co/api/models/Qwen/Qwen2.5-0.5B-Instruct/revision/refs%2Fpr%2F1?blobs=true');
  assert.equal(resolveUrl('https://hf-mirror.example/base', 'gpt2', 'main', 'onnx/model.onnx').href, 'https://hf-mirror.example/base/gpt2/resolve/main/onnx/model.onnx');
});
