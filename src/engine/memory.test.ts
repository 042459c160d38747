// Deterministic release: dispose, scopes (tidy/startScope/using), keep, and a leak test over
// 1000 training steps of a small attention model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdamW,
  clipGradNorm,
  crossEntropy,
  embedding,
  keep,
  linear,
  liveTensorCount,
  manualSeed,
  noGrad,
  randint,
  randn,
  rmsNorm,
  scaledDotProductAttention,
  scopeDepth,
  startScope,
  tensor,
  testDevice,
  tidy,
  zeros,
  type Tensor,
} from './index.js';

const device = testDevice();

test('dispose is idempotent and a disposed tensor raises on use', () => {
  const before = liveTensorCount();
  const t = zeros([2], { device });
  assert.equal(liveTensorCount(), before + 1);
  t.dispose();
  t.dispose();
  assert.equal(t.isDisposed, true);
  assert.equal(liveTensorCount(), before);
  assert.throws(() => t.add(1), /disposed tensor/);
  assert.throws(() => t.shape, /disposed tensor/);
  assert.equal(String(t), 'Tensor(disposed)');
});

test('using disposes at the end of the block', () => {
  const before = liveTensorCount();
  {
    using t = zeros([3], { device });
    assert.equal(t.numel, 3);
    assert.equal(liveTensorCount(), before + 1);
  }
  assert.equal(liveTensorCount(), before);
});

test('tidy frees intermediates, returns tensors inside arrays/objects/Maps to the outer scope', () => {
  const before = liveTensorCount();
  const r = tidy(() => {
    const a = randn([4], { device });
    const b = a.mul(2).add(1);
    return { b, list: [b.sum(), 3], m: new Map([['x', a.neg()]]) };
  });
  assert.equal(liveTensorCount(), before + 3);
  assert.equal(r.list[1], 3);
  r.b.dispose();
  (r.list[0] as Tensor).dispose();
  r.m.get('x')!.dispose();
  assert.equal(liveTensorCount(), before);
});

test('tidy finds returned tensors in class instances and Sets, and survives cycles', () => {
  class Cache {
    readonly parts: Tensor[] = [];
    self: Cache | undefined;
  }
  const before = liveTensorCount();
  const { cache, set } = tidy(() => {
    const c = new Cache();
    c.parts.push(randn([2], { device }), randn([2], { device }));
    c.self = c;
    randn([2], { device });
    return { cache: c, set: new Set([randn([1], { device })]) };
  });
  assert.equal(liveTensorCount(), before + 3);
  cache.parts.forEach((t) => t.dispose());
  set.forEach((t) => t.dispose());
  assert.equal(liveTensorCount(), before);
});

test('nested tidy moves results outward; keep() escapes every scope', () => {
  const before = liveTensorCount();
  let kept: Tensor | undefined;
  const outer = tidy(() => {
    const inner = tidy(() => {
      kept = keep(randn([2], { device }));
      return randn([2], { device }).mul(3);
    });
    assert.equal(scopeDepth(), 1);
    inner.add(1);
    return 7;
  });
  assert.equal(outer, 7);
  assert.equal(kept!.isDisposed, false);
  assert.equal(liveTensorCount(), before + 1);
  kept!.dispose();
  assert.equal(scopeDepth(), 0);
});

test('tidy frees everything when its function throws, and rejects async functions', () => {
  const before = liveTensorCount();
  assert.throws(() =>
    tidy(() => {
      randn([3], { device });
      throw new Error('boom');
    }),
  );
  assert.equal(liveTensorCount(), before);
  assert.throws(() => tidy(async () => randn([3], { device })), /synchronous/);
  assert.equal(liveTensorCount(), before);
  assert.equal(scopeDepth(), 0);
});

test('startScope with using, end(result) and out-of-order ends', () => {
  const before = liveTensorCount();
  let out: Tensor;
  {
    using s = startScope();
    out = randn([2], { device }).mul(2);
    randn([2], { device });
    s.end(out);
  }
  assert.equal(out.isDisposed, false);
  assert.equal(liveTensorCount(), before + 1);
  out.dispose();
  const a = startScope();
  const b = startScope();
  assert.throws(() => a.end(), /reverse order/);
  b.end();
  a.end();
  assert.equal(scopeDepth(), 0);
});

test('leak test: 1000 training steps of a small attention model return to the baseline live count', () => {
  manualSeed(0);
  const V = 32;
  const D = 16;
  const H = 2;
  const T = 8;
  const B = 2;
  const params = {
    emb: randn([V, D], { device }).mul(0.1),
    qkv: randn([3 * D, D], { device }).mul(0.1),
    out: randn([D, D], { device }).mul(0.1),
    norm: zeros([D], { device }).add(1),
    head: randn([V, D], { device }).mul(0.1),
  };
  const list = Object.values(params).map((p) => p.requiresGrad_());
  const opt = new AdamW(list, { lr: 1e-2 });
  const baseline = liveTensorCount();
  let first = 0;
  let last = 0;
  for (let step = 0; step < 1000; step++) {
    const loss = tidy(() => {
      const ids = randint(0, V, [B, T + 1], { device });
      const x = ids.narrow(1, 0, T);
      const y = ids.narrow(1, 1, T);
      const h = embedding(params.emb, x); // (B, T, D)
      const qkv = linear(rmsNorm(h, params.norm), params.qkv).reshape([B, T, 3, H, D / H]).permute([2, 0, 3, 1, 4]); // (3, B, H, T, hs)
      const att = scaledDotProductAttention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2), { causal: true });
      const h2 = h.add(linear(att.transpose(1, 2).reshape([B, T, D]), params.out));
      const logits = linear(h2, params.head);
      const l = crossEntropy(logits.reshape([B * T, V]), y.reshape([B * T]));
      l.backward();
      return l.item();
    });
    clipGradNorm(list, 1);
    opt.step();
    opt.zeroGrad();
    if (step === 0) first = loss;
    last = loss;
  }
  assert.ok(Number.isFinite(first) && Number.isFinite(last));
  // AdamW's moments (two per parameter) are the only new live tensors.
  assert.equal(liveTensorCount(), baseline + 2 * list.length);
  opt.dispose();
  assert.equal(liveTensorCount(), baseline);
  noGrad(() => list.forEach((p) => p.dispose()));
});

test('accessors and readback create no tensors', () => {
  tidy(() => {
    const t = tensor([[1, 2]], { device, dtype: 'bfloat16' });
    const before = liveTensorCount();
    void t.shape;
    void t.dtype;
    void t.device;
    t.toFloat32Array();
    t.toNumbers();
    t.toArray();
    assert.equal(liveTensorCount(), before);
  });
});
