// Forward values of the functional nn ops against direct float64 formulas.
// Runs on CLINSUM_TEST_DEVICE with CLINSUM_TEST_DTYPE (float32 or bfloat16).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  RandomGenerator,
  assertClose,
  autocast,
  autocastState,
  cat,
  crossEntropy,
  dropout,
  embedding,
  layerNorm,
  linear,
  multinomial,
  ones,
  randn,
  rmsNorm,
  engineInfo,
  profile,
  summarizeTrace,
  scaledDotProductAttention,
  tensor,
  testDevice,
  testDtype,
  tidy,
  tolerance,
  zeros,
  type Tensor,
} from './index.js';
import { tempDirs } from '../util/testing.js';

const device = testDevice();
const tempDir = tempDirs('clinsum-rmsnorm-');
const dtype = testDtype();
const tol = tolerance(dtype);

/** softmax(q·kᵀ·scale + mask)·v computed step by step in float64 on the CPU. */
function referenceAttention(q: Tensor, k: Tensor, v: Tensor, allowed: Tensor | undefined, scale: number): Tensor {
  const q64 = q.to({ dtype: 'float64', device: 'cpu' });
  const k64 = k.to({ dtype: 'float64', device: 'cpu' });
  const v64 = v.to({ dtype: 'float64', device: 'cpu' });
  let s = q64.matmul(k64.transpose(-2, -1)).mul(scale);
  if (allowed !== undefined) s = s.maskedFill(allowed.to('cpu').logicalNot(), Number.NEGATIVE_INFINITY);
  return s.softmax(-1).matmul(v64);
}

test('attention equals softmax(QKᵀ/√D)V, causal and not', () => {
  tidy(() => {
    const q = randn([2, 3, 5, 8], { dtype: 'float64' });
    const k = randn([2, 3, 5, 8], { dtype: 'float64' });
    const v = randn([2, 3, 5, 8], { dtype: 'float64' });
    const on = (t: Tensor) => t.to({ dtype, device });
    const scale = 1 / Math.sqrt(8);
    assertClose(scaledDotProductAttention(on(q), on(k), on(v)), referenceAttention(q, k, v, undefined, scale), tol);
    const causal = ones([5, 5], { dtype: 'bool' }).tril();
    assertClose(scaledDotProductAttention(on(q), on(k), on(v), { causal: true }), referenceAttention(q, k, v, causal, scale), tol);
    assertClose(scaledDotProductAttention(on(q), on(k), on(v), { scale: 0.2 }), referenceAttention(q, k, v, undefined, 0.2), tol);
  });
});

test('causal attention with fewer queries than keys aligns bottom-right (KV-cache decoding)', () => {
  tidy(() => {
    const q = randn([1, 2, 6, 4], { dtype, device });
    const k = randn([1, 2, 6, 4], { dtype, device });
    const v = randn([1, 2, 6, 4], { dtype, device });
    const full = scaledDotProductAttention(q, k, v, { causal: true });
    const lastTwo = scaledDotProductAttention(q.narrow(2, 4, 2), k, v, { causal: true });
    assertClose(lastTwo, full.narrow(2, 4, 2), tol);
    const lastOne = scaledDotProductAttention(q.narrow(2, 5, 1), k, v, { causal: true });
    assertClose(lastOne, full.narrow(2, 5, 1), tol);
  });
});

test('key padding masks keys; a query that sees no key yields zeros, not NaN', () => {
  tidy(() => {
    const q = randn([2, 1, 4, 4], { dtype: 'float64' });
    const k = randn([2, 1, 4, 4], { dtype: 'float64' });
    const v = randn([2, 1, 4, 4], { dtype: 'float64' });
    // Left padding: the second sequence has two pad positions.
    const pad = tensor([[true, true, true, true], [false, false, true, true]], { device });
    const on = (t: Tensor) => t.to({ dtype, device });
    const out = scaledDotProductAttention(on(q), on(k), on(v), { causal: true, keyPadding: pad });
    assert.equal(out.isfinite().all().item(), 1);
    const allowed = ones([4, 4], { dtype: 'bool' }).tril().unsqueeze(0).logicalAnd(pad.to('cpu').unsqueeze(1)).unsqueeze(1);
    const ref = referenceAttention(q, k, v, allowed, 0.5);
    assertClose(out.select(0, 0), ref.select(0, 0), tol);
    assertClose(out.select(0, 1).narrow(1, 2, 2), ref.select(0, 1).narrow(1, 2, 2), tol);
    assertClose(out.select(0, 1).narrow(1, 0, 2), zeros([1, 2, 4]), tol);
  });
});

test('grouped-query attention repeats each key/value head over its query heads', () => {
  tidy(() => {
    const q = randn([1, 4, 3, 4], { dtype, device });
    const k = randn([1, 2, 3, 4], { dtype, device });
    const v = randn([1, 2, 3, 4], { dtype, device });
    const out = scaledDotProductAttention(q, k, v, { causal: true });
    const kk = k.repeatInterleave(2, 1);
    const vv = v.repeatInterleave(2, 1);
    assertClose(out, scaledDotProductAttention(q, kk, vv, { causal: true }), tol);
    assert.throws(() => scaledDotProductAttention(randn([1, 3, 3, 4]), randn([1, 2, 3, 4]), randn([1, 2, 3, 4])), /multiple of key\/value heads/);
  });
});

test('a general boolean or additive mask combines with causal', () => {
  tidy(() => {
    const q = randn([1, 1, 3, 4], { dtype: 'float64' });
    const k = randn([1, 1, 3, 4], { dtype: 'float64' });
    const v = randn([1, 1, 3, 4], { dtype: 'float64' });
    const on = (t: Tensor) => t.to({ dtype, device });
    const m = tensor([[true, false, true], [true, true, true], [false, true, true]], { device });
    const allowed = m.to('cpu').logicalAnd(ones([3, 3], { dtype: 'bool' }).tril());
    assertClose(scaledDotProductAttention(on(q), on(k), on(v), { causal: true, mask: m }), referenceAttention(q, k, v, allowed, 0.5), tol);
    const additive = zeros([3, 3], { dtype, device }).maskedFill(m.logicalNot(), -1e4);
    const out = scaledDotProductAttention(on(q), on(k), on(v), { mask: additive });
    assertClose(out, referenceAttention(q, k, v, m, 0.5), tol);
  });
});

test('crossEntropy equals -log softmax at the target, with ignoreIndex, reductions and per-token weights', () => {
  tidy(() => {
    const logits64 = randn([5, 7], { dtype: 'float64' });
    const targets = [3, 0, -100, 6, 2];
    const t = tensor(targets, { dtype: 'int64', device });
    const lsm = logits64.logSoftmax(1).toArray() as number[][];
    const per = targets.map((c, i) => (c === -100 ? 0 : -lsm[i]![c]!));
    const logits = logits64.to({ dtype, device });
    assertClose(crossEntropy(logits, t, { reduction: 'none' }), per, tol);
    const valid = per.filter((_, i) => targets[i] !== -100);
    assertClose(crossEntropy(logits, t), valid.reduce((a, b) => a + b) / valid.length, tol);
    assertClose(crossEntropy(logits, t, { reduction: 'sum' }), valid.reduce((a, b) => a + b), tol);
    // γ·L_sum + (1−γ)·L_ext in one pass: tokens 0–1 are "summary", 3–4 "extraction".
    const gamma = 0.8;
    const w = [gamma / 2, gamma / 2, 0, (1 - gamma) / 2, (1 - gamma) / 2];
    const expected = gamma * ((per[0]! + per[1]!) / 2) + (1 - gamma) * ((per[3]! + per[4]!) / 2);
    assertClose(crossEntropy(logits, t, { reduction: 'sum', weights: tensor(w, { dtype, device }) }), expected, tol);
    const wMean = per.reduce((a, p, i) => a + p * w[i]!, 0) / (w[0]! + w[1]! + w[3]! + w[4]!);
    assertClose(crossEntropy(logits, t, { weights: tensor(w, { dtype, device }) }), wMean, tol);
    assertClose(crossEntropy(logits, t, { reduction: 'none', weights: tensor(w, { dtype, device }) }), per.map((p, i) => p * w[i]!), tol);
    assert.throws(() => crossEntropy(logits, t, { weights: ones([4], { device }) }), /targets' shape/);
    // Label smoothing ε: (1−ε)·nll + ε·mean over classes of −log p.
    const eps = 0.1;
    const smooth = targets.map((c, i) => (c === -100 ? 0 : (1 - eps) * -lsm[i]![c]! + (eps / 7) * -lsm[i]!.reduce((a, b) => a + b, 0)));
    assertClose(crossEntropy(logits, t, { reduction: 'none', labelSmoothing: eps }), smooth, tol);
  });
});

test('rmsNorm follows Qwen2RMSNorm and layerNorm the textbook formula', () => {
  tidy(() => {
    const x64 = randn([3, 8], { dtype: 'float64' });
    const w64 = randn([8], { dtype: 'float64' });
    const rms = x64.div(x64.pow(2).mean(-1, true).add(1e-6).sqrt()).mul(w64);
    assertClose(rmsNorm(x64.to({ dtype, device }), w64.to({ dtype, device }), 1e-6), rms, { rtol: tol.rtol * 2, atol: tol.atol * 4 });
    assert.equal(rmsNorm(x64.to({ dtype, device })).dtype, dtype);
    const b64 = randn([8], { dtype: 'float64' });
    const mu = x64.mean(-1, true);
    const ln = x64.sub(mu).div(x64.var(-1, false, true).add(1e-5).sqrt()).mul(w64).add(b64);
    assertClose(layerNorm(x64.to({ dtype, device }), [8], w64.to({ dtype, device }), b64.to({ dtype, device })), ln, { rtol: tol.rtol * 2, atol: tol.atol * 4 });
  });
});

test('rmsNorm gradients (input and weight) equal the float64 formula\'s, with the float32 residual stream of mixed precision', () => {
  // On CUDA with libtorch ≥ 2.8, float32 input and weight take the fused kernel (engineInfo().addon.fused.rmsNorm).
  tidy(() => {
    const x64 = randn([5, 96], { dtype: 'float64' }).mul(3);
    const w64 = randn([96], { dtype: 'float64' });
    const dy64 = randn([5, 96], { dtype: 'float64' });
    const grads = (x: Tensor, w: Tensor, dy: Tensor): [Tensor, Tensor, Tensor] => {
      const xr = x.detach().requiresGrad_();
      const wr = w.detach().requiresGrad_();
      const y = rmsNorm(xr, wr, 1e-6);
      y.mul(dy).sum().backward();
      return [y.detach(), xr.grad!, wr.grad!];
    };
    const [y, gx, gw] = grads(x64, w64, dy64);
    for (const dt of ['float32', dtype] as const) {
      const [yd, gxd, gwd] = grads(x64.to({ dtype: dt, device }), w64.to({ dtype: dt, device }), dy64.to({ dtype: dt, device }));
      if (dt === 'float32' && device !== 'cpu' && engineInfo().addon.fused.rmsNorm) {
        // The build says it fuses: the profiler must see libtorch's fused operator run.
        const dir = tempDir();
        profile(() => grads(x64.to({ dtype: dt, device }), w64.to({ dtype: dt, device }), dy64.to({ dtype: dt, device })), { path: join(dir, 't.json') });
        const ops = summarizeTrace(join(dir, 't.json')).cpuOps.map((o) => o.name);
        assert.ok(ops.includes('aten::_fused_rms_norm'), `fused RMSNorm not among ${ops.join(', ')}`);
      }
      const t = tolerance(dt);
      assert.equal(yd.dtype, dt);
      assertClose(yd, y, { rtol: t.rtol * 2, atol: t.atol * 4 });
      assertClose(gxd, gx, { rtol: t.rtol * 4, atol: t.atol * 8 });
      assertClose(gwd, gw, { rtol: t.rtol * 4, atol: t.atol * 8 });
    }
  });
});

test('linear, embedding with a padding row', () => {
  tidy(() => {
    const x = tensor([[1, 2]], { dtype, device });
    const w = tensor([[1, 0], [0, 1], [1, 1]], { dtype, device });
    assertClose(linear(x, w, tensor([0.5, 0.5, 0.5], { dtype, device })), [1.5, 2.5, 3.5], tol);
    assertClose(linear(x, w), [1, 2, 3], tol);
    const table = randn([4, 3], { dtype: 'float64', device }).requiresGrad_();
    const e = embedding(table, tensor([[0, 3], [3, 1]], { dtype: 'int64', device }), { paddingIdx: 3 });
    assert.deepEqual(e.shape, [2, 2, 3]);
    e.sum().backward();
    assertClose(table.grad!.select(0, 3), [0, 0, 0]);
    assertClose(table.grad!.select(0, 0), [1, 1, 1]);
  });
});

test('dropout: identity in eval and at p=0, inverted scaling in training', () => {
  tidy(() => {
    const x = ones([2000], { dtype, device });
    assert.equal(dropout(x, 0.5, false).equal(x), true);
    assert.equal(dropout(x, 0, true).equal(x), true);
    const y = dropout(x, 0.25, true);
    const kept = y.ne(0).sum().item();
    assert.ok(kept > 1350 && kept < 1650, `kept ${kept}`);
    assertClose(y.maskedSelect(y.ne(0)).mean(), 1 / 0.75, tol);
    assert.throws(() => dropout(x, 1.5, true), /\[0, 1\]/);
  });
});

test('multinomial: a seed fixes the draws on every device; zero-probability classes never come out', () => {
  tidy(() => {
    const probs = tensor([[0.1, 0, 0.6, 0.3], [0, 0, 0, 1]], { dtype, device });
    const a = multinomial(probs, { numSamples: 200, generator: new RandomGenerator(5) });
    const b = multinomial(probs.to('cpu'), { numSamples: 200, generator: new RandomGenerator(5) });
    assert.deepEqual(a.toNumbers(), b.toNumbers());
    assert.deepEqual(a.shape, [2, 200]);
    const row0 = a.select(0, 0).toNumbers();
    assert.ok(!row0.includes(1));
    const share2 = row0.filter((c) => c === 2).length / 200;
    assert.ok(share2 > 0.45 && share2 < 0.75, `share ${share2}`);
    assert.ok(a.select(0, 1).eq(3).all().item() === 1);
    const c = multinomial(probs.to('cpu'), { numSamples: 2, replacement: false, generator: new RandomGenerator(1) });
    assert.deepEqual(c.select(0, 1).toNumbers().slice(0, 1), [3]);
    assert.throws(() => multinomial(tensor([[-1, 2]])), /non-negative/);
  });
});

test('autocast runs matmuls in bfloat16 and restores the previous state', () => {
  tidy(() => {
    const deviceType = device === 'cpu' ? 'cpu' : 'cuda';
    const before = autocastState(deviceType);
    const a = randn([4, 4], { device });
    const w = randn([3, 4], { device, requiresGrad: true });
    const out = autocast(() => linear(a, w), { deviceType, dtype: 'bfloat16' });
    assert.equal(out.dtype, 'bfloat16');
    assert.deepEqual(autocastState(deviceType), before);
    out.float().sum().backward();
    assert.equal(w.grad!.dtype, 'float32');
    assertClose(out.float(), linear(a, w).detach(), tolerance('bfloat16'));
    assert.equal(cat([a, a]).dtype, 'float32');
  });
});
