import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRate, warmupSteps, type LrSchedule } from './schedule.js';

test('warm-up steps: ceil(ratio · total), as Hugging Face', () => {
  assert.equal(warmupSteps(0.03, 285), 9);
  assert.equal(warmupSteps(0.03, 100), 3);
  assert.equal(warmupSteps(0.03, 8), 1);
  assert.equal(warmupSteps(0, 100), 0);
});

test('cosine with linear warm-up: rises, peaks, decays to the floor; a pure function of the step', () => {
  const s: LrSchedule = { lr: 1e-5, kind: 'cosine', warmup: 3, total: 103, minLrRatio: 0 };
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-18, `${a} ≈ ${b}`);
  near(learningRate(0, s), 0.25e-5);
  near(learningRate(1, s), 0.5e-5);
  near(learningRate(2, s), 0.75e-5);
  assert.equal(learningRate(3, s), 1e-5);
  assert.ok(Math.abs(learningRate(53, s) - 0.5e-5) < 1e-18, 'half-way through the decay is half the peak');
  assert.ok(learningRate(102, s) > 0 && learningRate(102, s) < 1e-8, 'the last step is just above 0');
  assert.equal(learningRate(103, s), 0);
  for (let i = 4; i < 103; i++) assert.ok(learningRate(i, s) <= learningRate(i - 1, s), `non-increasing after the warm-up (step ${i})`);
  assert.equal(learningRate(40, s), learningRate(40, { ...s }), 'no hidden state');
});

test('floor, linear and constant schedules', () => {
  const base: LrSchedule = { lr: 2e-5, kind: 'cosine', warmup: 0, total: 10, minLrRatio: 0.1 };
  assert.equal(learningRate(0, base), 2e-5);
  assert.ok(Math.abs(learningRate(10, base) - 2e-6) < 1e-20, 'ends at the floor');
  const lin = { ...base, kind: 'linear' as const, minLrRatio: 0 };
  assert.ok(Math.abs(learningRate(5, lin) - 1e-5) < 1e-20);
  const c = { ...base, kind: 'constant' as const, warmup: 2 };
  const got = [0, 1, 2, 9].map((i) => learningRate(i, c));
  [2e-5 / 3, (2 * 2e-5) / 3, 2e-5, 2e-5].forEach((v, i) => assert.ok(Math.abs(got[i]! - v) < 1e-18, `${got[i]} ≈ ${v}`));
});
