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
