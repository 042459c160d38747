// Autograd: float64 finite-difference checks of every differentiable op, gradient modes,
// and activation checkpointing. Runs on CLINSUM_TEST_DEVICE (default cpu).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClose,
  cat,
  checkpointedBackward,
  crossEntropy,
  dropout,
  einsum,
  embedding,
  enableGrad,
  gradcheck,
  inferenceMode,
  isGradEnabled,
  layerNorm,
  linear,
  manualSeed,
  noGrad,
  randn,
  rmsNorm,
  scaledDotProductAttention,
  stack,
  tensor,
  testDevice,
  tidy,
  where,
  type Tensor,
} from './index.js';

const device = testDevice();
const f64 = (shape: number[], opts: { positive?: boolean } = {}): Tensor => {
  const t = randn(shape, { dtype: 'float64', device });
  return (opts.positive ? t.abs().add(0.5) : t).detach().requiresGrad_();
};

// Each case: a function of one float64 (3, 4) leaf; `true` = the input must be positive.
const unaryCases: [string, (x: Tensor) => Tensor, boolean?][] = [
  ['neg', (x) => x.neg()],
  ['exp', (x) => x.exp()],
  ['log', (x) => x.log(), true],
  ['sqrt', (x) => x.sqrt(), true],
  ['rsqrt', (x) => x.rsqrt(), true],
  ['pow scalar', (x) => x.pow(3)],
  ['tanh', (x) => x.tanh()],
  ['sigmoid', (x) => x.sigmoid()],
  ['silu', (x) => x.silu()],
  ['gelu', (x) => x.gelu()],
  ['gelu tanh', (x) => x.gelu('tanh')],
  ['sin', (x) => x.sin()],
  ['cos', (x) => x.cos()],
  ['abs', (x) => x.abs(), true],
  ['square', (x) => x.square()],
  ['reciprocal', (x) => x.reciprocal(), true],
  ['clamp', (x) => x.clamp(-0.3, 0.4)],
  ['softmax', (x) => x.softmax(-1)],
  ['logSoftmax', (x) => x.logSoftmax(1)],
  ['sum dims', (x) => x.sum(1, true)],
  ['mean', (x) => x.mean(0)],
  ['amax', (x) => x.amax(1)],
  ['max all', (x) => x.max()],
  ['maxDim values', (x) => x.maxDim(1).values],
  ['logsumexp', (x) => x.logsumexp(1)],
  ['var', (x) => x.var(1)],
  ['norm', (x) => x.norm()],
  ['cumsum', (x) => x.cumsum(1)],
  ['topk values', (x) => x.topk(2).values],
  ['reshape/permute/transpose', (x) => x.reshape([4, 3]).transpose(0, 1).permute([1, 0]).contiguous()],
  ['narrow/slice/select', (x) => cat([x.narrow(1, 1, 2), x.slice(1, 0, 4, 2)], 1).select(0, 1)],
  ['expand/unsqueeze/squeeze', (x) => x.unsqueeze(0).expand([2, 3, 4]).squeeze(0)],
  ['flip/roll/repeat', (x) => x.flip([0]).roll([1], [1]).repeat([2, 1])],
  ['repeatInterleave', (x) => x.repeatInterleave(2, 0)],
  ['triu/tril', (x) => x.triu(1).add(x.tril(-1).mul(2))],
  ['pad', (x) => x.pad([1, 2], 0.5)],
  ['split/chunk/unbind', (x) => stack([...x.split(2, 1), ...x.chunk(2, 1)], 0).sum(0).add(x.unbind(0)[1]!.sum())],
  ['maskedFill', (x) => x.maskedFill(x.gt(0.2), 0.1)],
  ['log1p', (x) => x.log1p(), true],
  ['expm1', (x) => x.expm1()],
  ['erf', (x) => x.erf()],
  ['relu', (x) => x.relu()],
  ['prod', (x) => x.prod(1)],
  ['min all', (x) => x.min()],
  ['minDim values', (x) => x.minDim(0).values],
  ['amin', (x) => x.amin([0, 1])],
  ['std', (x) => x.std(0, false)],
  ['cumprod', (x) => x.cumprod(1)],
  ['sort values', (x) => x.sort(1, true).values],
  ['view/flatten/unflatten', (x) => x.view([2, 6]).flatten().unflatten(0, [6, 2])],
  ['maskedSelect', (x) => x.maskedSelect(x.gt(0))],
  ['dropout (fixed seed)', (x) => {
    manualSeed(5);
    return dropout(x, 0.3, true);
  }],
];

for (const [name, fn, positive] of unaryCases) {
  test(`gradient of ${name} matches finite differences`, () => {
    tidy(() => gradcheck(fn, [f64([3, 4], { positive })]));
  });
}

test('gradients of binary ops (add, sub, mul, div, pow, maximum, minimum, where) match', () => {
  tidy(() => {
    const a = f64([3, 4]);
    const b = f64([4], { positive: true });
    gradcheck((x, y) => x.add(y, 0.7), [a, b]);
    gradcheck((x, y) => x.sub(y), [a, b]);
    gradcheck((x, y) => x.mul(y), [a, b]);
    gradcheck((x, y) => x.div(y), [a, b]);
    gradcheck((x, y) => y.pow(x.tanh()), [a, b]);
    gradcheck((x, y) => x.maximum(y.sub(1)).add(x.minimum(y.sub(1))), [a, b]);
    gradcheck((x, y) => where(x.gt(0), x, y.expand([3, 4])), [a, b]);
  });
});

test('gradients of matmul, mm, bmm, linear, outer match', () => {
  tidy(() => {
    gradcheck((x, y) => x.matmul(y), [f64([2, 3, 4]), f64([4, 2])]);
    gradcheck((x, y) => x.mm(y), [f64([3, 4]), f64([4, 2])]);
    gradcheck((x, y) => x.bmm(y), [f64([2, 3, 4]), f64([2, 4, 2])]);
    gradcheck((x, w, b) => linear(x, w, b), [f64([2, 3]), f64([4, 3]), f64([4])]);
    gradcheck((x, y) => x.outer(y), [f64([3]), f64([2])]);
    gradcheck((x, y) => einsum('bij,bjk->bik', x, y), [f64([2, 3, 4]), f64([2, 4, 2])]);
  });
});

test('gradients of indexSelect, gather, embedding and scatterAdd match', () => {
  tidy(() => {
    const idx = tensor([2, 0, 2], { dtype: 'int64', device });
    gradcheck((w) => w.indexSelect(0, idx), [f64([3, 4])]);
    gradcheck((w) => w.gather(1, tensor([[1, 0], [3, 3], [0, 2]], { dtype: 'int64', device })), [f64([3, 4])]);
    gradcheck((w) => embedding(w, tensor([[1, 2], [2, 0]], { dtype: 'int64', device })), [f64([3, 4])]);
    gradcheck((x, s) => x.scatterAdd(1, tensor([[0, 1]], { dtype: 'int64', device }).expand([3, 2]), s), [f64([3, 4]), f64([3, 2])]);
    gradcheck((x, s) => x.scatter(1, tensor([[2], [0], [1]], { dtype: 'int64', device }), s), [f64([3, 4]), f64([3, 1])]);
    gradcheck((x, s) => x.indexAdd(0, tensor([2, 0], { dtype: 'int64', device }), s), [f64([3, 4]), f64([2, 4])]);
  });
});

test('gradients of to(dtype) and to(device) match (through a float32 round trip and a device copy)', () => {
  tidy(() => {
    // float32 rounds each value to ~6e-8 relative: a larger step keeps finite differences exact enough.
    gradcheck((x) => x.to('float32').mul(x.to('float32')).to('float64'), [f64([3, 4])], { eps: 1e-3, atol: 1e-3, rtol: 1e-2 });
    gradcheck((x) => x.to({ device: 'cpu', copy: true }).exp().to({ device }), [f64([3, 4])]);
    gradcheck((x) => x.to({ dtype: 'float64', device: 'cpu', copy: true }).contiguous().tanh().to({ device }), [f64([3, 4])]);
  });
});

test('gradients of layerNorm and rmsNorm (with weights) match', () => {
  tidy(() => {
    gradcheck((x, w, b) => layerNorm(x, [4], w, b, 1e-5), [f64([3, 4]), f64([4]), f64([4])]);
    gradcheck((x, w) => rmsNorm(x, w, 1e-6), [f64([3, 4]), f64([4])]);
  });
});

test('gradients of crossEntropy (mean, sum, weights, ignoreIndex, smoothing) match', () => {
  tidy(() => {
    const targets = tensor([1, -100, 3, 0], { dtype: 'int64', device });
    const w = tensor([0.5, 2, 1, 0.25], { dtype: 'float64', device });
    gradcheck((x) => crossEntropy(x, targets), [f64([4, 5])]);
    gradcheck((x) => crossEntropy(x, targets, { reduction: 'sum', weights: w }), [f64([4, 5])]);
    gradcheck((x) => crossEntropy(x, targets, { reduction: 'mean', weights: w }), [f64([4, 5])]);
    gradcheck((x) => crossEntropy(x, targets, { reduction: 'none', labelSmoothing: 0.1 }), [f64([4, 5])]);
  });
});

test('gradients of attention (causal, key padding, grouped-query, scale) match', () => {
  tidy(() => {
    const pad = tensor([[true, true, true], [false, true, true]], { device });
    gradcheck((q, k, v) => scaledDotProductAttention(q, k, v, { causal: true }), [f64([1, 2, 3, 4]), f64([1, 2, 3, 4]), f64([1, 2, 3, 4])]);
    gradcheck((q, k, v) => scaledDotProductAttention(q, k, v, { causal: true, keyPadding: pad }), [f64([2, 2, 3, 4]), f64([2, 1, 3, 4]), f64([2, 1, 3, 4])]);
    gradcheck((q, k, v) => scaledDotProductAttention(q, k, v, { scale: 0.3 }), [f64([1, 1, 2, 4]), f64([1, 1, 3, 4]), f64([1, 1, 3, 4])]);
  });
});

test('backward accumulates, takes an explicit gradient, and zeroGrad/grad=undefined drop it', () => {
  tidy(() => {
    const x = tensor([1, 2, 3], { dtype: 'float64', device, requiresGrad: true });
    x.mul(x).sum().backward();
    x.mul(x).sum().backward();
    assertClose(x.grad!, [4, 8, 12]);
    x.zeroGrad();
    assert.equal(x.grad, undefined);
    x.mul(3).backward(tensor([1, 0, 2], { dtype: 'float64', device }));
    assertClose(x.grad!, [3, 0, 6]);
    x.grad = undefined;
    assert.equal(x.hasGrad, false);
    x.grad = tensor([9, 9, 9], { dtype: 'float64', device });
    assertClose(x.grad!, [9, 9, 9]);
    assert.throws(() => (x.grad = tensor([1, 2], { dtype: 'float64', device })), /assigned grad has shape \[2\]/);
    assert.throws(() => (x.grad = tensor([1, 2, 3], { device })), /assigned grad has dtype Float/);
    const y = x.mul(2);
    assert.match(y.gradFn ?? '', /^MulBackward/);
    assert.equal(y.isLeaf, false);
    y.retainGrad();
    y.sum().backward();
    assertClose(y.grad!, [1, 1, 1]);
    assert.equal(x.detach().requiresGrad, false);
  });
});

test('noGrad, enableGrad and inferenceMode nest and restore the mode, also on throw', () => {
  tidy(() => {
    assert.equal(isGradEnabled(), true);
    const x = tensor([1, 2], { requiresGrad: true, device });
    noGrad(() => {
      assert.equal(isGradEnabled(), false);
      assert.equal(x.mul(2).requiresGrad, false);
      enableGrad(() => assert.equal(x.mul(2).requiresGrad, true));
      assert.equal(isGradEnabled(), false);
    });
    assert.throws(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    );
    assert.equal(isGradEnabled(), true);
    assert.throws(() => noGrad(async () => 1), /synchronous/);
    assert.equal(isGradEnabled(), true);
    const y = inferenceMode(() => x.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(isGradEnabled(), true);
  });
});

test('checkpointedBackward gives the same loss and gradients as a plain backward (with dropout)', () => {
  tidy(() => {
    manualSeed(7);
    const mk = (shape: number[]) => randn(shape, { dtype: 'float64', device }).mul(0.5).requiresGrad_();
    const emb = mk([10, 6]);
    const w1 = mk([6, 6]);
    const w2 = mk([6, 6]);
    const head = mk([10, 6]);
    const ids = tensor([1, 4, 2, 9, 0], { dtype: 'int64', device });
    const targets = tensor([4, 2, 9, 0, 3], { dtype: 'int64', device });
    const params = [emb, w1, w2, head];
    const segments = [w1, w2].map((w) => (h: Tensor) => dropout(h.add(linear(h, w).tanh()), 0.2, true));
    const lossFn = (h: Tensor) => crossEntropy(linear(h, head), targets);

    manualSeed(123);
    let h = embedding(emb, ids);
    for (const s of segments) h = s(h);
    const plainLoss = lossFn(h);
    plainLoss.backward();
    const plainGrads = params.map((p) => p.grad!);
    params.forEach((p) => p.zeroGrad());

    manualSeed(123);
    const ckLoss = checkpointedBackward(segments, embedding(emb, ids), lossFn);
    assertClose(ckLoss, plainLoss.detach(), { rtol: 1e-12, atol: 1e-12 });
    params.forEach((p, i) => assertClose(p.grad!, plainGrads[i]!, { rtol: 1e-10, atol: 1e-12, message: `param ${i}` }));
  });
});
