/**
 * The encoders against an independent computation: hidden states after every layer count of
 * three tiny random models (BERT with a `bert.` prefix and a head, bare DistilBERT, RoBERTa with
 * `roberta.`) equal those of a PyTorch transcription of transformers' modeling code, stored by
 * testdata/make-reference.py (run with Debian's /usr/bin/python3 and python3-torch 1.13).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertClose, inferenceMode, liveTensorCount, loadSafetensors, saveSafetensors, tensor, tidy } from '../../engine/index.js';
import { repoRoot } from '../../stages/evaluate/testing.js';
import { InputError } from '../../util/errors.js';
import { fromHF } from './config.js';
import { loadEncoder } from './load.js';
import { sinusoidalPositions } from './model.js';

const TESTDATA = join(repoRoot(), 'src', 'models', 'bert', 'testdata');

interface Reference {
  models: Record<string, { ids: number[][]; mask: number[][]; hidden: Record<string, number[][][]> }>;
}
const reference = JSON.parse(readFileSync(join(TESTDATA, 'reference.json'), 'utf8')) as Reference;

for (const name of ['bert', 'distilbert', 'roberta']) {
  test(`${name}: hidden states after layers 0, 1, 2 equal the PyTorch reference`, () => {
    const ref = reference.models[name]!;
    for (const layers of [0, 1, 2]) {
      const { encoder, report } = loadEncoder(join(TESTDATA, name), { layers });
      try {
        inferenceMode(() =>
          tidy(() => {
            const ids = tensor(ref.ids, { dtype: 'int64' });
            const mask = tensor(ref.mask, { dtype: 'int64' }).bool();
            const h = encoder.forward(ids, mask);
            assertClose(h, ref.hidden[String(layers)]!.flat(2), { atol: 2e-5, rtol: 1e-5, message: `${name} L${layers}` });
          }),
        );
        assert.equal(report.prefix, name === 'distilbert' ? undefined : name);
        assert.deepEqual(report.ignored, name === 'bert' ? ['cls.predictions.bias'] : name === 'roberta' ? ['lm_head.bias'] : []);
        // Layers above the one kept, and BERT's pooler, are in the checkpoint but not read.
        const skippedLayers = report.skipped.filter((k) => /layer\.1\./.test(k)).length;
        assert.equal(skippedLayers > 0, layers < 2);
        if (name !== 'distilbert') assert.ok(report.skipped.some((k) => k.endsWith('pooler.dense.weight')));
      } finally {
        encoder.dispose();
      }
    }
  });
}

test('loading frees nothing it keeps and leaks nothing', () => {
  const before = liveTensorCount();
  const { encoder } = loadEncoder(join(TESTDATA, 'bert'), { layers: 1 });
  assert.equal(liveTensorCount(), before + encoder.params.length);
  encoder.dispose();
  assert.equal(liveTensorCount(), before);
});

function copyModel(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'clinsum-bert-'));
  copyFileSync(join(TESTDATA, name, 'config.json'), join(dir, 'config.json'));
  copyFileSync(join(TESTDATA, name, 'model.safetensors'), join(dir, 'model.safetensors'));
  return dir;
}

function rewriteWeights(dir: string, edit: (m: Map<string, import('../../engine/index.js').Tensor>) => void): void {
  const file = join(dir, 'model.safetensors');
  const m = loadSafetensors(file);
  edit(m);
  saveSafetensors(file, m);
  for (const t of m.values()) t.dispose();
}

test('a missing tensor, a wrong shape and an unexpected tensor are named together', () => {
  const dir = copyModel('distilbert');
  try {
    rewriteWeights(dir, (m) => {
      m.get('transformer.layer.0.ffn.lin1.bias')!.dispose();
      m.delete('transformer.layer.0.ffn.lin1.bias');
      const w = m.get('embeddings.LayerNorm.weight')!;
      m.set('embeddings.LayerNorm.weight', w.narrow(0, 0, 8).clone());
      w.dispose();
      m.set('transformer.layer.0.attention.extra.weight', tensor([1, 2]));
    });
    assert.throws(
      () => loadEncoder(dir),
      (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.match(e.message, /lacks 1 tensor of the model: transformer\.layer\.0\.ffn\.lin1\.bias/);
        assert.match(e.message, /embeddings\.LayerNorm\.weight is \[8\], config\.json needs \[16\]/);
        assert.match(e.message, /does not have: transformer\.layer\.0\.attention\.extra\.weight/);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('legacy gamma/beta LayerNorm names load; buffers are skipped', () => {
  const dir = copyModel('bert');
  try {
    rewriteWeights(dir, (m) => {
      const w = m.get('bert.embeddings.LayerNorm.weight')!;
      m.delete('bert.embeddings.LayerNorm.weight');
      m.set('bert.embeddings.LayerNorm.gamma', w);
      m.set('bert.embeddings.position_ids', tensor([[0, 1, 2]], { dtype: 'int64' }));
    });
    const { encoder, report } = loadEncoder(dir, { layers: 0 });
    assert.ok(report.skipped.includes('bert.embeddings.position_ids'));
    encoder.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad model folders give clear errors', () => {
  const dir = copyModel('bert');
  try {
    assert.throws(() => loadEncoder(join(dir, 'nope')), /nope: does not exist \(pass a Hugging Face model folder/);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, model_type: 'gpt2' }));
    assert.throws(() => loadEncoder(dir), /field `model_type`: must be one of bert, distilbert, roberta, xlm-roberta, the BERT-family encoders clinsum runs \(use a BERT, DistilBERT, RoBERTa or XLM-RoBERTa folder\)/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 'big' }));
    assert.throws(() => loadEncoder(dir), /config\.json: field `hidden_size`/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, num_attention_heads: 5 }));
    assert.throws(() => loadEncoder(dir), /not a multiple of the 5 attention heads/);
    writeFileSync(join(dir, 'config.json'), '{"model_type": "bert",');
    assert.throws(() => loadEncoder(dir), /config\.json: is not valid JSON/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    rmSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'pytorch_model.bin'), 'pickle');
    assert.throws(() => loadEncoder(dir), /holds pytorch_model\.bin but no model\.safetensors/);
    rmSync(join(dir, 'pytorch_model.bin'));
    assert.throws(() => loadEncoder(dir), /has neither model\.safetensors nor model\.safetensors\.index\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config: derived fields and the RoBERTa input limit', () => {
  const c = fromHF({ model_type: 'xlm-roberta', vocab_size: 250002, hidden_size: 1024, num_hidden_layers: 24, num_attention_heads: 16, intermediate_size: 4096, max_position_embeddings: 514, type_vocab_size: 1, pad_token_id: 1, layer_norm_eps: 1e-5 });
  assert.equal(c.family, 'roberta');
  assert.equal(c.headSize, 64);
  assert.equal(c.maxInputTokens, 512);
  const d = fromHF({ model_type: 'distilbert', vocab_size: 30522, dim: 768, n_layers: 6, n_heads: 12, hidden_dim: 3072, max_position_embeddings: 512 });
  assert.equal(d.maxInputTokens, 512);
  assert.equal(d.activation, 'gelu');
  assert.equal(d.typeVocabSize, 0);
});

test('sinusoidal positions are transformers\' create_sinusoidal_embeddings', () => {
  const t = sinusoidalPositions(3, 4);
  const v = t.toNumbers();
  t.dispose();
  // pos 2: angles 2, 2, 2/100, 2/100
  assertClose(v.slice(8), [Math.sin(2), Math.cos(2), Math.sin(0.02), Math.cos(0.02)], { atol: 1e-7 });
});
