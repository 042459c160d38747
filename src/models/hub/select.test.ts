import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultModelFiles, filterPaths, fnmatch, usesPytorchWeights } from './select.js';

test('fnmatch follows Python fnmatchcase: * crosses /, ? is one character, [seq] and [!seq], case-sensitive', () => {
  assert.equal(fnmatch('model.safetensors', '*.safetensors'), true);
  assert.equal(fnmatch('onnx/model.safetensors', '*.safetensors'), true);
  assert.equal(fnmatch('Model.SAFETENSORS', '*.safetensors'), false);
  assert.equal(fnmatch('model-00001-of-00002.safetensors', 'model-0000?-of-*'), true);
  assert.equal(fnmatch('a1', 'a[0-9]'), true);
  assert.equal(fnmatch('ab', 'a[!0-9]'), true);
  assert.equal(fnmatch('a1', 'a[!0-9]'), false);
  assert.equal(fnmatch('a[', 'a['), true, 'an unclosed [ is literal');
  assert.equal(fnmatch('config.json', 'config.json'), true);
  assert.equal(fnmatch('configXjson', 'config.json'), false, '. is literal');
  assert.equal(fnmatch('a+b(c)', 'a+b(c)'), true);
});

test('filterPaths: allow list, deny list, and a trailing / meaning the whole folder (filter_repo_objects)', () => {
  const paths = ['config.json', 'model.safetensors', 'onnx/model.onnx', 'onnx/config.json', '.gitattributes'];
  assert.deepEqual(filterPaths(paths, ['*.json'], undefined), ['config.json', 'onnx/config.json']);
  assert.deepEqual(filterPaths(paths, undefined, ['onnx/']), ['config.json', 'model.safetensors', '.gitattributes']);
  assert.deepEqual(filterPaths(paths, ['*'], ['.*']), ['config.json', 'model.safetensors', 'onnx/model.onnx', 'onnx/config.json']);
  assert.deepEqual(filterPaths(paths, [], []), paths);
});

const qwenRepo = [
  '.gitattributes',
  'LICENSE',
  'README.md',
  'config.json',
  'generation_config.json',
  'merges.txt',
  'model.safetensors',
  'tokenizer.json',
  'tokenizer_config.json',
  'vocab.json',
];

test('the default selection of a Qwen2.5 repository is everything but .gitattributes', () => {
  assert.deepEqual(defaultModelFiles({ paths: qwenRepo }), qwenRepo.filter((p) => p !== '.gitattributes'));
});

test('the default skips other weight formats, code, images and sub-folders when safetensors exist', () => {
  const paths = [
    ...qwenRepo,
    'pytorch_model.bin',
    'pytorch_model.bin.index.json',
    'model.gguf',
    'flax_model.msgpack',
    'tf_model.h5',
    'model.onnx',
    'original/consolidated.00.pth',
    'original/params.json',
    'modeling_qwen.py',
    'figure.png',
    'chat_template.jinja',
    'special_tokens_map.json',
    'tokenizer.model',
  ];
  const picked = defaultModelFiles({ paths });
  for (const p of ['model.safetensors', 'config.json', 'chat_template.jinja', 'special_tokens_map.json', 'tokenizer.model', 'LICENSE', 'README.md']) {
    assert.ok(picked.includes(p), p);
  }
  for (const p of ['pytorch_model.bin', 'pytorch_model.bin.index.json', 'model.gguf', 'flax_model.msgpack', 'tf_model.h5', 'model.onnx', 'original/params.json', 'modeling_qwen.py', 'figure.png', '.gitattributes']) {
    assert.ok(!picked.includes(p), p);
  }
});

test('with a safetensors index, only its shards are weights (a duplicate consolidated.safetensors is skipped)', () => {
  const paths = ['config.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'consolidated.safetensors'];
  const picked = defaultModelFiles({ paths, safetensorsShards: ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'] });
  assert.deepEqual(picked, paths.slice(0, 4));
});

test('without any safetensors, PyTorch .bin weights stand in', () => {
  const paths = ['config.json', 'pytorch_model-00001-of-00002.bin', 'pytorch_model-00002-of-00002.bin', 'pytorch_model.bin.index.json', 'tf_model.h5.index.json', 'model.ckpt'];
  assert.deepEqual(defaultModelFiles({ paths }), paths.slice(0, 4));
  assert.equal(usesPytorchWeights(paths), true);
  assert.equal(usesPytorchWeights(qwenRepo), false);
});
