// AdamW against a closed-form computation, exact resume through save/load, and gradient clipping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdamW, assertClose, clipGradNorm, crossEntropy, linear, manualSeed, randn, tensor, testDevice, tidy, type Tensor } from './index.js';

const device = testDevice();

/** torch.optim.AdamW's update, one parameter element at a time, in float64. */
function adamwReference(p0: number[], grads: (p: number[]) => number[], steps: number, h: { lr: number; wd: number; b1: number; b2: number; eps: number }): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  for (let t = 1; t <= steps; t++) {
    const g = grads(p);
    for (let i = 0; i < p.length; i++) {
      p[i]! *= 1 - h.lr * h.wd;
      m[i] = h.b1 * m[i]! + (1 - h.b1) * g[i]!;
      v[i] = h.b2 * v[i]! + (1 - h.b2) * g[i]! * g[i]!;
      const mhat = m[i]! / (1 - h.b1 ** t);
      const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - h.b2 ** t) + h.eps;
      p[i]! -= h.lr * (mhat / denom);
    }
  }
  return p;
}

test('AdamW matches the closed form over several steps, per parameter group', () => {
  tidy(() => {
    const a0 = [0.5, -1.5, 2];
    const b0 = [3, -0.25];
    const a = tensor(a0, { dtype: 'float64', device, requiresGrad: true });
    const b = tensor(b0, { dtype: 'float64', device, requiresGrad: true });
    const opt = new AdamW(
      [
        { params: [a], lr: 0.1, weightDecay: 0.01 },
        { params: [b], lr: 0.05, weightDecay: 0, betas: [0.8, 0.99], eps: 1e-6 },
      ],
      {},
    );
    // loss = Σ a² / 2 + Σ 3·b  →  grad a = a, grad b = 3
    for (let s = 0; s < 4; s++) {
      tidy(() => a.mul(a).sum().div(2).add(b.mul(3).sum()).backward());
      opt.step();
      opt.zeroGrad();
    }
    assertClose(a, adamwReference(a0, (p) => [...p], 4, { lr: 0.1, wd: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8 }), { rtol: 1e-12, atol: 1e-14 });
    assertClose(b, adamwReference(b0, () => [3, 3], 4, { lr: 0.05, wd: 0, b1: 0.8, b2: 0.99, eps: 1e-6 }), { rtol: 1e-12, atol: 1e-14 });
    assert.deepEqual(opt.group(0).steps, [4]);
    opt.dispose();
  });
});

test('float32 AdamW (the fused kernel on CUDA) follows the float64 closed form, with mixed step counts in a group', () => {
  tidy(() => {
    const h = { lr: 0.05, wd: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8 };
    const a0 = [0.5, -1.5, 2, 0.25];
    const b0 = [[3, -0.25], [1, 0.75]].flat();
    const late0 = [-2, 0.5, 1];
    const ga = [0.3, -0.2, 0.1, 0.05];
    const gb = [1, -2, 0.5, 0.25];
    const gl = [-0.4, 0.2, 0.6];
    const a = tensor(a0, { device, requiresGrad: true });
    const b = tensor(Float32Array.from(b0), { shape: [2, 2], device, requiresGrad: true });
    const late = tensor(late0, { device, requiresGrad: true });
    const opt = new AdamW(
      [
        { params: [a, late], lr: h.lr, weightDecay: h.wd },
        { params: [b], lr: h.lr, weightDecay: 0 },
      ],
      {},
    );
    // loss = Σ a·ga + Σ b·gb (+ Σ late·gl from the third step): constant gradients, so `late`
    // reaches its second step while `a` reaches its fourth — two step counts in one group.
    for (let s = 0; s < 4; s++) {
      tidy(() => {
        let loss = a.mul(tensor(ga, { device })).sum().add(b.mul(tensor(Float32Array.from(gb), { shape: [2, 2], device })).sum());
        if (s >= 2) loss = loss.add(late.mul(tensor(gl, { device })).sum());
        loss.backward();
      });
      opt.step();
      opt.zeroGrad();
    }
    assert.deepEqual(opt.group(0).steps, [4, 2]);
    const tol = { rtol: 1e-5, atol: 1e-7 };
    assertClose(a, adamwReference(a0, () => ga, 4, h), tol);
    assertClose(late, adamwReference(late0, () => gl, 2, h), tol);
    assertClose(b, adamwReference(b0, () => gb, 4, { ...h, wd: 0 }), tol);
    opt.dispose();
  });
});

test('AdamW skips parameters without a gradient and setLr changes one or all groups', () => {
  tidy(() => {
    const a = tensor([1, 2], { dtype: 'float64', device, requiresGrad: true });
    const frozen = tensor([5, 5], { dtype: 'float64', device, requiresGrad: true });
    const opt = new AdamW([a, frozen], { lr: 0.1, weightDecay: 0.5 });
    a.sum().backward();
    opt.step();
    assertClose(frozen, [5, 5]);
    assert.deepEqual(opt.group(0).steps, [1, 0]);
    opt.setLr(0.01);
    assert.equal(opt.getLr(), 0.01);
    assert.throws(() => opt.setLr(0.1, 3), /no parameter group 3/);
    assert.throws(() => opt.setLr(Number.NaN), /finite/);
    assert.throws(() => new AdamW([a, a]), /twice/);
    assert.throws(() => new AdamW([a], { betas: [1, 0.9] }), /betas/);
    opt.dispose();
  });
});

/** A tiny classifier trained for `steps` steps; returns the per-step losses. */
function train(params: Tensor[], opt: AdamW, steps: number, from: number): number[] {
  const losses: number[] = [];
  for (let s = from; s < from + steps; s++) {
    losses.push(
      tidy(() => {
        manualSeed(1000 + s);
        const x = randn([8, 6], { device });
        const y = x.sum(1).gt(0).long();
        const loss = crossEntropy(linear(linear(x, params[0]!, params[1]!).tanh(), params[2]!), y);
        loss.backward();
        return loss.item();
      }),
    );
    clipGradNorm(params, 1.0);
    opt.setLr(0.05 * (1 - s / 20));
    opt.step();
    opt.zeroGrad();
  }
  return losses;
}

test('resuming from AdamW.save/load reproduces an uninterrupted run exactly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clinsum-adamw-'));
  try {
    tidy(() => {
      const init = () => {
        manualSeed(3);
        return [randn([5, 6], { device }), randn([5], { device }), randn([2, 5], { device })].map((t) => t.requiresGrad_());
      };
      const p1 = init();
      const o1 = new AdamW(p1, { lr: 0.05 });
      const straight = train(p1, o1, 6, 0);

      const p2 = init();
      const o2 = new AdamW(p2, { lr: 0.05 });
      const first = train(p2, o2, 3, 0);
      o2.save(join(dir, 'optimizer.safetensors'));
      const p3 = p2.map((p) => p.detach().clone().requiresGrad_());
      const o3 = new AdamW(p3, { lr: 123 });
      o3.load(join(dir, 'optimizer.safetensors'));
      assert.equal(o3.getLr(), o2.getLr());
      const rest = train(p3, o3, 3, 3);
      assertClose([...first, ...rest], straight, { rtol: 0, atol: 1e-6 });
      assert.deepEqual([...first, ...rest], straight, 'bit-exact on the same device');
      [o1, o2, o3].forEach((o) => o.dispose());
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadStateDict rejects a state of another layout', () => {
  tidy(() => {
    const a = tensor([1, 2], { device, requiresGrad: true });
    const opt = new AdamW([a]);
    a.sum().backward();
    opt.step();
    const sd = opt.stateDict();
    const other = new AdamW([tensor([1, 2, 3], { device, requiresGrad: true })]);
    assert.throws(() => other.loadStateDict(sd), /do not match the parameter/);
    const two = new AdamW([a, tensor([1], { device, requiresGrad: true })]);
    assert.throws(() => two.loadStateDict(sd), /has 2 parameters, the state 1/);
    [opt, other, two].forEach((o) => o.dispose());
  });
});

test('clipGradNorm over many float32 gradients (one foreach norm) equals the norm of their concatenation', () => {
  tidy(() => {
    manualSeed(7);
    const ps = [randn([64, 33], { device }), randn([7], { device }), randn([3, 5, 2], { device })].map((t) => t.requiresGrad_());
    tidy(() => ps.reduce((acc, p, i) => acc.add(p.mul(p).sum().mul(i + 1)), tensor(0, { device })).backward());
    const grads = ps.map((p) => [...p.grad!.toFloat64Array()]);
    const norm = Math.sqrt(grads.flat().reduce((acc, x) => acc + x * x, 0));
    const total = clipGradNorm(ps, 1);
    assert.ok(Math.abs(total - norm) / norm < 1e-5, `${total} vs ${norm}`);
    ps.forEach((p, i) => assertClose(p.grad!, grads[i]!.map((x) => x / (norm + 1e-6)), { rtol: 1e-5, atol: 1e-8 }));
  });
});

test('clipGradNorm returns the global norm and scales gradients to maxNorm', () => {
  tidy(() => {
    const a = tensor([3, 0], { dtype: 'float64', device, requiresGrad: true });
    const b = tensor([4], { dtype: 'float64', device, requiresGrad: true });
    const none = tensor([1], { dtype: 'float64', device, requiresGrad: true });
    a.mul(tensor([1, 0], { dtype: 'float64', device })).sum().mul(3).backward(); // grad a = [3, 0]
    b.mul(4).sum().backward(); // grad b = [4]
    const total = clipGradNorm([a, b, none], 1);
    assert.ok(Math.abs(total - 5) < 1e-12);
    assertClose(a.grad!, [0.6, 0], { rtol: 1e-6 });
    assertClose(b.grad!, [0.8], { rtol: 1e-6 });
    assert.equal(clipGradNorm([a, b], 10) < 1.0000001, true);
    assertClose(a.grad!, [0.6, 0], { rtol: 1e-6 });
    assert.equal(clipGradNorm([none], 1), 0);
    assert.throws(() => clipGradNorm([a], 0), /maxNorm/);
  });
});
