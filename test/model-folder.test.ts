// Hugging Face model folders: init-tiny determinism, load/save round trips (bit-identical, single
// file and sharded, float32 and bfloat16), and clear errors for bad configs and bad weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors, tensor, tidy, zeros, type Tensor } from '../src/engine/index.js';
import { InputError } from '../src/util/errors.js';
import {
  initTinyQwen2,
  loadQwen2,
  qwen2Config,
  qwen2ConfigToHF,
  randomQwen2,
  saveQwen2,
} from '../src/models/qwen2/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'clinsum-model-folder-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(tmp, `m${n++}`);

const filesOf = (dir: string): Map<string, Buffer> => new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));

function assertSameFiles(a: string, b: string): void {
  const fa = filesOf(a);
  const fb = filesOf(b);
  assert.deepEqual([...fb.keys()], [...fa.keys()]);
  for (const [name, bytes] of fa) assert.ok(bytes.equals(fb.get(name)!), `${name} differs`);
}

const TOY = qwen2Config({ vocabSize: 50, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, eosTokenIds: [7] });

/** A toy folder (no tokenizer) written by saveQwen2. */
function toyFolder(config = TOY): string {
  const dir = fresh();
  using m = randomQwen2(config, 5);
  saveQwen2(m, dir, { base: { dir, hfConfig: qwen2ConfigToHF(config), generationConfigJson: { eos_token_id: [7, 8] } } });
  return dir;
}

function expectInputError(fn: () => unknown, ...parts: (string | RegExp)[]): InputError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
  for (const p of parts) {
    if (typeof p === 'string') assert.ok(err.message.includes(p), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(p)}`);
    else assert.match(err.message, p);
  }
  return err;
}

test('init-tiny writes a Hugging Face folder whose bytes depend only on the options', () => {
  const a = fresh();
  const b = fresh();
  const c = fresh();
  initTinyQwen2(a, { seed: 3 });
  initTinyQwen2(b, { seed: 3 });
  initTinyQwen2(c, { seed: 4 });
  assert.deepEqual([...filesOf(a).keys()], ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
  assertSameFiles(a, b);
  assert.ok(!filesOf(a).get('model.safetensors')!.equals(filesOf(c).get('model.safetensors')!));
  const config = JSON.parse(readFileSync(join(a, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(config.architectures, ['Qwen2ForCausalLM']);
  assert.equal(config.model_type, 'qwen2');
  assert.equal(config.tie_word_embeddings, true);
  assert.equal(config.torch_dtype, 'float32');
  const gen = JSON.parse(readFileSync(join(a, 'generation_config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(gen.eos_token_id, [151645, 151643]);
  // tied: the head is not stored (transformers drops it too)
  const st = loadSafetensors(join(a, 'model.safetensors'));
  assert.ok(!st.has('lm_head.weight'));
  assert.equal(st.size, 1 + 2 * 12 + 1);
  for (const t of st.values()) t.dispose();
});

test('load then save reproduces every file byte for byte (tied float32, untied bfloat16, sharded)', () => {
  const a = fresh();
  initTinyQwen2(a, { seed: 1 });
  const b = fresh();
  {
    const loaded = loadQwen2(a);
    using _ = loaded.model;
    assert.equal(loaded.model.dtype, 'float32');
    saveQwen2(loaded.model, b, { base: loaded });
  }
  assertSameFiles(a, b);

  const c = fresh();
  initTinyQwen2(c, { seed: 2, dtype: 'bfloat16', tieWordEmbeddings: false, maxShardBytes: 8_000_000 });
  const shards = readdirSync(c).filter((f) => f.endsWith('.safetensors'));
  assert.ok(shards.length >= 3, `sharded into ${shards.join(', ')}`);
  assert.ok(readdirSync(c).includes('model.safetensors.index.json'));
  const d = fresh();
  {
    const loaded = loadQwen2(c);
    using _ = loaded.model;
    assert.equal(loaded.model.dtype, 'bfloat16');
    assert.ok(loaded.model.namedParameters().some(([name]) => name === 'lm_head.weight'));
    saveQwen2(loaded.model, d, { base: loaded, maxShardBytes: 8_000_000 });
  }
  assertSameFiles(c, d);
  const index = JSON.parse(readFileSync(join(d, 'model.safetensors.index.json'), 'utf8')) as { metadata: { total_size: number } };
  assert.equal(index.metadata.total_size, (151936 * 64 * 2 + 2 * (64 * 64 + 64 + 2 * (32 * 64 + 32) + 64 * 64 + 3 * 64 * 128 + 2 * 64) + 64) * 2);
});

test('a cast on load or on save is what the folder holds (torch_dtype follows the weights)', () => {
  const a = toyFolder();
  const b = fresh();
  const loaded = loadQwen2(a, { dtype: 'bfloat16' });
  using _ = loaded.model;
  saveQwen2(loaded.model, b, { base: loaded });
  assert.equal((JSON.parse(readFileSync(join(b, 'config.json'), 'utf8')) as { torch_dtype: string }).torch_dtype, 'bfloat16');
  const st = loadSafetensors(join(b, 'model.safetensors'));
  for (const t of st.values()) {
    assert.equal(t.dtype, 'bfloat16');
    t.dispose();
  }
  assert.deepEqual(loaded.generation.eosTokenIds, [7, 8]);
  // float32 master weights saved as bfloat16 (the usual Qwen2.5 checkpoint), the model untouched
  const master = loadQwen2(a);
  using __ = master.model;
  const c = fresh();
  saveQwen2(master.model, c, { base: master, dtype: 'bfloat16' });
  assert.equal(master.model.dtype, 'float32');
  assert.equal((JSON.parse(readFileSync(join(c, 'config.json'), 'utf8')) as { torch_dtype: string }).torch_dtype, 'bfloat16');
  const again = loadQwen2(c);
  using ___ = again.model;
  assert.equal(again.model.dtype, 'bfloat16');
  tidy(() => assert.ok(again.model.parameters()[0]!.float().equal(master.model.parameters()[0]!.bfloat16().float())));
});

test('bad config.json: missing, not JSON, another architecture, missing sizes, unsupported features', () => {
  const dir = toyFolder();
  const cfgPath = join(dir, 'config.json');
  const good = readFileSync(cfgPath, 'utf8');
  const write = (v: unknown): void => writeFileSync(cfgPath, typeof v === 'string' ? v : JSON.stringify(v));
  const cfg = JSON.parse(good) as Record<string, unknown>;

  expectInputError(() => loadQwen2(join(tmp, 'nowhere')), 'config.json', 'does not exist');
  write('{"hidden_size": 16,');
  expectInputError(() => loadQwen2(dir), 'config.json', 'not valid JSON');
  write({ ...cfg, architectures: ['LlamaForCausalLM'], model_type: 'llama' });
  expectInputError(() => loadQwen2(dir), 'config.json', 'architectures', 'LlamaForCausalLM is not supported', 'Qwen2ForCausalLM (model_type qwen2)');
  write({ ...cfg, architectures: undefined, model_type: 'qwen3' });
  expectInputError(() => loadQwen2(dir), 'model_type', '"qwen3" is not supported', 'Qwen2ForCausalLM');
  write({ ...cfg, hidden_size: undefined });
  expectInputError(() => loadQwen2(dir), 'config.json', 'hidden_size');
  write({ ...cfg, num_key_value_heads: 3 });
  expectInputError(() => loadQwen2(dir), 'config.json', 'multiple of num_key_value_heads');
  write({ ...cfg, rope_scaling: { rope_type: 'yarn', factor: 4 } });
  expectInputError(() => loadQwen2(dir), 'rope_scaling', 'yarn');
  write({ ...cfg, use_sliding_window: true });
  expectInputError(() => loadQwen2(dir), 'use_sliding_window');
  write({ ...cfg, hidden_act: 'gelu' });
  expectInputError(() => loadQwen2(dir), 'hidden_act', 'gelu');
  write(good);
  loadQwen2(dir).model.dispose();
});

/** Rewrites the toy folder's weights through `edit`, then expects `parts` in the load error. */
function badWeights(edit: (m: Map<string, Tensor>) => void, ...parts: (string | RegExp)[]): InputError {
  const dir = toyFolder();
  const file = join(dir, 'model.safetensors');
  const tensors = loadSafetensors(file);
  tidy(() => edit(tensors));
  saveSafetensors(file, tensors, { metadata: { format: 'pt' } });
  for (const t of tensors.values()) t.dispose();
  return expectInputError(() => loadQwen2(dir), ...parts);
}

test('bad weights: missing, unexpected, misshapen and non-float tensors are named, with the folder or file', () => {
  badWeights((m) => m.delete('model.layers.1.mlp.up_proj.weight'), 'does not fit config.json', 'lacks 1 tensor of the model: model.layers.1.mlp.up_proj.weight');
  badWeights((m) => m.set('model.layers.2.mlp.up_proj.weight', zeros([24, 16]).keep()), 'has 1 tensor this architecture does not have: model.layers.2.mlp.up_proj.weight');
  badWeights((m) => m.set('model.layers.0.self_attn.k_proj.weight', zeros([16, 16]).keep()), 'model.layers.0.self_attn.k_proj.weight is [16, 16], config.json needs [8, 16]');
  const dtype = badWeights((m) => m.set('model.norm.weight', tensor(new BigInt64Array(16), { shape: [16] }).keep()), 'model.safetensors', 'model.norm.weight', 'has dtype int64', 'floating point');
  assert.equal(dtype.location.field, 'model.norm.weight');
  // several problems are reported together, before any weight is read
  const many = badWeights(
    (m) => {
      m.delete('lm_head.weight');
      m.set('extra.bias', zeros([3]).keep());
    },
    'lacks 1 tensor of the model: lm_head.weight',
    'has 1 tensor this architecture does not have: extra.bias',
  );
  assert.match(many.message, /m\d+: the checkpoint/);
});

test('a tied checkpoint that also stores lm_head.weight loads (transformers re-ties it)', () => {
  const config = qwen2Config({ ...TOY, tieWordEmbeddings: true });
  const dir = toyFolder(config);
  const file = join(dir, 'model.safetensors');
  const tensors = loadSafetensors(file);
  tensors.set('lm_head.weight', tensors.get('model.embed_tokens.weight')!.clone().keep());
  saveSafetensors(file, tensors);
  for (const t of tensors.values()) t.dispose();
  const loaded = loadQwen2(dir);
  assert.ok(!loaded.model.namedParameters().some(([name]) => name === 'lm_head.weight'));
  loaded.model.dispose();
});

test('a sharded index naming a missing shard, and a folder without weights, are clear errors', () => {
  const dir = toyFolder();
  rmSync(join(dir, 'model.safetensors'));
  expectInputError(() => loadQwen2(dir), 'model.safetensors');
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 1 }, weight_map: { 'model.norm.weight': 'model-00001-of-00002.safetensors' } }));
  expectInputError(() => loadQwen2(dir), 'model-00001-of-00002.safetensors', 'does not exist');
});
