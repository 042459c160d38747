// Qwen2 forward at toy size: RoPE by hand, the whole model against a plain-JavaScript float64
// transcription of transformers' modeling_qwen2.py, selective logits, padding, the KV-cache
// forward, and activation checkpointing. Runs on CLINSUM_TEST_DEVICE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RandomGenerator,
  arange,
  assertClose,
  crossEntropy,
  tensor,
  testDevice,
  tidy,
  type Tensor,
} from '../../engine/index.js';
import { qwen2Config, type Qwen2Config } from './config.js';
import { Qwen2ForCausalLM } from './model.js';
import { applyRope, ropeCosSin, ropeInvFreq } from './rope.js';

const device = testDevice();

const TOY = qwen2Config({
  vocabSize: 11,
  hiddenSize: 8,
  intermediateSize: 12,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  ropeTheta: 10000,
  rmsNormEps: 1e-6,
  tieWordEmbeddings: false,
  maxPositionEmbeddings: 64,
});

/** A toy model with every parameter random (norm weights and biases too), in `dtype`. */
function toyModel(config: Qwen2Config, dtype: 'float64' | 'float32', seed = 1): Qwen2ForCausalLM {
  const m = new Qwen2ForCausalLM(config);
  const g = new RandomGenerator(seed);
  for (const p of m.params) {
    const std = p.name.includes('norm') ? 0.3 : 0.5;
    p.set(tidy(() => tensor(new Float64Array(p.shape.reduce((a, d) => a * d, 1)), { shape: p.shape }).normal_(p.name.includes('norm') ? 1 : 0, std, { generator: g }).to({ dtype, device })));
  }
  return m;
}

const ids = (rows: number[][]): Tensor => tensor(rows, { dtype: 'int64', device });

// ---- a float64 transcription of modeling_qwen2.py in plain JavaScript

type Vec = number[];
const matvec = (w: Float64Array, rows: number, cols: number, x: Vec, bias?: Float64Array): Vec =>
  Array.from({ length: rows }, (_, r) => {
    let s = bias ? bias[r]! : 0;
    for (let c = 0; c < cols; c++) s += w[r * cols + c]! * x[c]!;
    return s;
  });
const rms = (x: Vec, w: Float64Array, eps: number): Vec => {
  const ms = x.reduce((a, v) => a + v * v, 0) / x.length;
  return x.map((v, i) => (v / Math.sqrt(ms + eps)) * w[i]!);
};
const silu = (v: number): number => v / (1 + Math.exp(-v));

/** Rotate-half RoPE; the angles, cos and sin are float32 numbers, as transformers computes them. */
function rope(x: Vec, pos: number, theta: number): Vec {
  const f = Math.fround;
  const D = x.length;
  const out = new Array<number>(D);
  for (let j = 0; j < D / 2; j++) {
    const a = f(pos * f(1 / f(theta ** f((2 * j) / D))));
    const [c, s] = [f(Math.cos(a)), f(Math.sin(a))];
    out[j] = x[j]! * c - x[j + D / 2]! * s;
    out[j + D / 2] = x[j + D / 2]! * c + x[j]! * s;
  }
  return out;
}

/** Logits (T × V) of one sequence. */
function referenceForward(m: Qwen2ForCausalLM, tokens: number[]): number[][] {
  const c = m.config;
  const P = new Map(m.namedParameters().map(([n, t]) => [n, t.to({ dtype: 'float64', device: 'cpu' }).toFloat64Array()]));
  const p = (n: string): Float64Array => P.get(n)!;
  const C = c.hiddenSize;
  const D = c.headDim;
  let x: Vec[] = tokens.map((t) => Array.from(p('model.embed_tokens.weight').subarray(t * C, (t + 1) * C)));
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const pre = `model.layers.${l}.`;
    const h = x.map((v) => rms(v, p(`${pre}input_layernorm.weight`), c.rmsNormEps));
    const q = h.map((v) => matvec(p(`${pre}self_attn.q_proj.weight`), c.qSize, C, v, p(`${pre}self_attn.q_proj.bias`)));
    const k = h.map((v) => matvec(p(`${pre}self_attn.k_proj.weight`), c.kvSize, C, v, p(`${pre}self_attn.k_proj.bias`)));
    const v = h.map((u) => matvec(p(`${pre}self_attn.v_proj.weight`), c.kvSize, C, u, p(`${pre}self_attn.v_proj.bias`)));
    const head = (vec: Vec, i: number): Vec => vec.slice(i * D, (i + 1) * D);
    const attnOut = tokens.map((_, t) => {
      const out: number[] = [];
      for (let hq = 0; hq < c.numAttentionHeads; hq++) {
        const hk = Math.floor(hq / c.groups);
        const qt = rope(head(q[t]!, hq), t, c.ropeTheta);
        const scores = Array.from({ length: t + 1 }, (_, s) => {
          const ks = rope(head(k[s]!, hk), s, c.ropeTheta);
          return qt.reduce((a, qv, d) => a + qv * ks[d]!, 0) / Math.sqrt(D);
        });
        const mx = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - mx));
        const z = e.reduce((a, b) => a + b, 0);
        for (let d = 0; d < D; d++) out.push(e.reduce((a, w, s) => a + (w / z) * head(v[s]!, hk)[d]!, 0));
      }
      return out;
    });
    x = x.map((xv, t) => {
      const o = matvec(p(`${pre}self_attn.o_proj.weight`), C, c.qSize, attnOut[t]!);
      const r = xv.map((a, i) => a + o[i]!);
      const h2 = rms(r, p(`${pre}post_attention_layernorm.weight`), c.rmsNormEps);
      const g = matvec(p(`${pre}mlp.gate_proj.weight`), c.intermediateSize, C, h2);
      const u = matvec(p(`${pre}mlp.up_proj.weight`), c.intermediateSize, C, h2);
      const d = matvec(p(`${pre}mlp.down_proj.weight`), C, c.intermediateSize, g.map((gv, i) => silu(gv) * u[i]!));
      return r.map((a, i) => a + d[i]!);
    });
  }
  const head = c.tieWordEmbeddings ? p('model.embed_tokens.weight') : p('lm_head.weight');
  return x.map((v) => matvec(head, c.vocabSize, C, rms(v, p('model.norm.weight'), c.rmsNormEps)));
}

// ---- tests

test('RoPE by hand: inv_freq, cos/sin and rotate-half on a 4-wide head', () => {
  tidy(() => {
    assertClose(ropeInvFreq(4, 10000), [1, 0.01], { rtol: 1e-7 });
    const { cos, sin } = ropeCosSin(ropeInvFreq(4, 10000), tensor([[0, 1]], { dtype: 'int64' }), 'float64');
    assert.deepEqual(cos.shape, [1, 1, 2, 4]);
    const x = tensor([1, 2, 3, 4], { dtype: 'float64' }).reshape([1, 1, 1, 4]).expand([1, 1, 2, 4]);
    const y = applyRope(x, cos, sin).reshape([2, 4]).toArray() as number[][];
    // position 0 leaves x alone; position 1 rotates pairs (x_j, x_{j+2}) by angles (1, 0.01)
    assertClose(y[0]!, [1, 2, 3, 4], { rtol: 1e-12 });
    const [c1, s1, c2, s2] = [Math.cos(1), Math.sin(1), Math.cos(0.01), Math.sin(0.01)];
    // angles are computed in float32, as transformers does
    assertClose(y[1]!, [1 * c1 - 3 * s1, 2 * c2 - 4 * s2, 3 * c1 + 1 * s1, 4 * c2 + 2 * s2], { rtol: 1e-6 });
  });
});

test('the forward equals a float64 transcription of modeling_qwen2.py (untied and tied heads)', () => {
  for (const tied of [false, true]) {
    const config = qwen2Config({ ...TOY, tieWordEmbeddings: tied });
    using m = toyModel(config, 'float64', tied ? 2 : 1);
    const seq = [3, 1, 4, 1, 5, 9, 2, 6];
    const expected = referenceForward(m, seq);
    tidy(() => {
      const { logits } = m.forward({ inputIds: ids([seq]) });
      assert.deepEqual(logits.shape, [1, seq.length, config.vocabSize]);
      // float32 RoPE tables (as in transformers) leave ~1e-7 differences; an architecture error gives O(1).
      assertClose(logits.reshape([-1]).cpu(), expected.flat(), { rtol: 1e-6, atol: 1e-6, message: `tied=${tied}` });
    });
  }
});

test('selective logits (logitsAt) equal the same rows of the full logits; returnHidden gives the normed states', () => {
  using m = toyModel(TOY, 'float32');
  tidy(() => {
    const input = ids([
      [1, 2, 3, 4, 5, 6],
      [6, 5, 4, 3, 2, 1],
    ]);
    const full = m.forward({ inputIds: input }).logits.reshape([12, TOY.vocabSize]);
    const at = tensor([0, 4, 7, 11], { dtype: 'int64', device });
    const { logits, hidden } = m.forward({ inputIds: input, logitsAt: at }, { returnHidden: true });
    assert.deepEqual(logits.shape, [4, TOY.vocabSize]);
    assert.deepEqual(hidden!.shape, [2, 6, TOY.hiddenSize]);
    assertClose(logits, full.indexSelect(0, at), { rtol: 1e-5, atol: 1e-6 });
    const plain = m.forward({ inputIds: input, logitsAt: at }).logits;
    assertClose(plain, full.indexSelect(0, at), { rtol: 1e-5, atol: 1e-6 });
  });
});

test('left and right padding with an attention mask give each row the logits it has alone', () => {
  using m = toyModel(TOY, 'float32');
  tidy(() => {
    const a = [1, 2, 3, 4, 5, 6, 7];
    const b = [9, 8, 7];
    const alone = (s: number[]): Tensor => m.forward({ inputIds: ids([s]) }).logits.squeeze(0);
    const [la, lb] = [alone(a), alone(b)];
    // left padding (pad id 0), positions derived from the mask
    const left = m.forward({
      inputIds: ids([a, [0, 0, 0, 0, ...b]]),
      attentionMask: tensor([[1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1]], { device }).bool(),
    }).logits;
    assertClose(left.select(0, 0), la, { rtol: 1e-5, atol: 1e-6 });
    assertClose(left.select(0, 1).narrow(0, 4, 3), lb, { rtol: 1e-5, atol: 1e-6 });
    // right padding
    const right = m.forward({
      inputIds: ids([a, [...b, 0, 0, 0, 0]]),
      attentionMask: tensor([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0]], { device }).bool(),
    }).logits;
    assertClose(right.select(0, 1).narrow(0, 0, 3), lb, { rtol: 1e-5, atol: 1e-6 });
    // explicit positions equal the derived ones
    const explicit = m.forward({
      inputIds: ids([[0, 0, 0, 0, ...b]]),
      positions: tensor([[0, 0, 0, 0, 0, 1, 2]], { dtype: 'int64', device }),
      attentionMask: tensor([[0, 0, 0, 0, 1, 1, 1]], { device }).bool(),
    }).logits;
    assertClose(explicit.squeeze(0).narrow(0, 4, 3), lb, { rtol: 1e-5, atol: 1e-6 });
  });
});

test('the KV-cache forward (padded prefill, then one token at a time) equals the full forward', () => {
  using m = toyModel(TOY, 'float32');
  const a = [1, 2, 3, 4, 5, 6, 7, 8];
  const b = [9, 8, 7, 6, 5];
  const full = (s: number[]): Tensor => m.forward({ inputIds: ids([s]) }).logits.squeeze(0);
  tidy(() => {
    const fa = full(a);
    const fb = full(b);
    using cache = m.newCache(2);
    // prefill the first 5 tokens of a and the first 2 of b (b left-padded by 3)
    const pre = m.forwardCached(ids([a.slice(0, 5), [0, 0, 0, ...b.slice(0, 2)]]), cache, {
      pads: [0, 3],
      logitsAt: arange(10, { device }),
    });
    assertClose(pre.narrow(0, 0, 5), fa.narrow(0, 0, 5), { rtol: 1e-5, atol: 1e-6 });
    assertClose(pre.narrow(0, 8, 2), fb.narrow(0, 0, 2), { rtol: 1e-5, atol: 1e-6 });
    assert.deepEqual(cache.rowLengths(), [5, 2]);
    for (let s = 0; s < 3; s++) {
      const step = m.forwardCached(ids([[a[5 + s]!], [b[2 + s]!]]), cache);
      assertClose(step.select(0, 0), fa.select(0, 5 + s), { rtol: 1e-5, atol: 1e-6, message: `a step ${s}` });
      assertClose(step.select(0, 1), fb.select(0, 2 + s), { rtol: 1e-5, atol: 1e-6, message: `b step ${s}` });
    }
    // b is done: drop it; a goes on alone
    cache.keepRows([0]);
    assert.deepEqual(cache.rowLengths(), [8]);
    const more = m.forwardCached(ids([[10]]), cache);
    const fa2 = full([...a, 10]);
    assertClose(more.squeeze(0), fa2.select(0, 8), { rtol: 1e-5, atol: 1e-6 });
  });
});

test('activation checkpointing gives the same loss and gradients as the plain backward', () => {
  const runOnce = (checkpoint: boolean): { loss: number; grads: Map<string, Float64Array> } => {
    using m = toyModel(TOY, 'float64', 3);
    m.train();
    const params = m.namedParameters();
    for (const [, p] of params) p.requiresGrad_(true);
    const input = {
      inputIds: ids([
        [1, 2, 3, 4, 5, 6],
        [0, 0, 7, 8, 9, 10],
      ]),
      attentionMask: tensor([[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1]], { device }).bool(),
      logitsAt: tensor([0, 1, 2, 3, 4, 8, 9, 10], { dtype: 'int64', device }),
    };
    const targets = tensor([2, 3, 4, 5, 6, 8, 9, 10], { dtype: 'int64', device });
    const loss = tidy(() => m.lossAndBackward(input, (logits) => crossEntropy(logits, targets), { checkpoint }).item());
    const grads = new Map(params.map(([n, p]) => [n, tidy(() => p.grad!.cpu().toFloat64Array())]));
    return { loss, grads };
  };
  const plain = runOnce(false);
  const ckpt = runOnce(true);
  assertClose(ckpt.loss, plain.loss, { rtol: 1e-12 });
  for (const [name, g] of plain.grads) {
    assert.ok(g.some((v) => v !== 0), `${name} has a gradient`);
    assertClose(Array.from(ckpt.grads.get(name)!), Array.from(g), { rtol: 1e-10, atol: 1e-12, message: name });
  }
});

test('parameters carry the Hugging Face names; tied heads are one tensor, counted once', () => {
  using untied = toyModel(TOY, 'float32');
  const names = untied.namedParameters().map(([n]) => n);
  assert.equal(names[0], 'model.embed_tokens.weight');
  assert.ok(names.includes('model.layers.1.self_attn.q_proj.bias'));
  assert.ok(!names.includes('model.layers.0.self_attn.o_proj.bias'));
  assert.equal(names.at(-1), 'lm_head.weight');
  using tied = toyModel(qwen2Config({ ...TOY, tieWordEmbeddings: true }), 'float32');
  assert.ok(!tied.namedParameters().some(([n]) => n === 'lm_head.weight'));
  assert.equal(untied.numParameters() - tied.numParameters(), TOY.vocabSize * TOY.hiddenSize);
  assert.equal(tied.lmHead, tied.model.embedTokens);
});
