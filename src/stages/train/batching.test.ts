import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../util/prng.js';
import { checkBudget, packBatches, planEpoch, planSorted } from './batching.js';

function lengthsOf(n: number, seed: number): number[] {
  const p = new Prng(seed);
  return Array.from({ length: n }, () => 20 + p.int(600));
}

test('every example lands in exactly one batch per epoch, and no batch exceeds the budget', () => {
  const lengths = lengthsOf(500, 7);
  const prng = new Prng(42);
  for (let epoch = 0; epoch < 3; epoch++) {
    const batches = planEpoch(lengths, { maxTokens: 2048, groupSize: 64 }, prng);
    const seen = batches.flat().sort((a, b) => a - b);
    assert.deepEqual(seen, Array.from({ length: 500 }, (_, i) => i), `epoch ${epoch}`);
    for (const b of batches) {
      const longest = Math.max(...b.map((i) => lengths[i]!));
      assert.ok(b.length * longest <= 2048, `batch of ${b.length} × ${longest}`);
    }
  }
});

test('length grouping keeps padding small; the order is seeded and differs between epochs', () => {
  const lengths = lengthsOf(400, 3);
  const a = new Prng(42);
  const e0 = planEpoch(lengths, { maxTokens: 4096, groupSize: 128 }, a);
  const e1 = planEpoch(lengths, { maxTokens: 4096, groupSize: 128 }, a);
  const b = new Prng(42);
  assert.deepEqual(planEpoch(lengths, { maxTokens: 4096, groupSize: 128 }, b), e0, 'same seed, same plan');
  assert.notDeepEqual(e1, e0, 'the next epoch is drawn anew');
  let real = 0;
  let padded = 0;
  for (const batch of e0) {
    const longest = Math.max(...batch.map((i) => lengths[i]!));
    padded += batch.length * longest;
    for (const i of batch) real += lengths[i]!;
  }
  assert.ok(real / padded > 0.9, `padding efficiency ${(real / padded).toFixed(3)}`);
});

test('packing is greedy by the padded size; sorted plans are stable; one oversized example is an error', () => {
  assert.deepEqual(packBatches([0, 1, 2, 3], [100, 90, 80, 70], 300), [[0, 1, 2], [3]]);
  assert.deepEqual(packBatches([3, 0], [100, 90, 80, 70], 150), [[3], [0]]);
  assert.deepEqual(planSorted([5, 9, 9, 1], 18, 'x'), [[1, 2], [0, 3]]);
  assert.throws(() => checkBudget([10, 900], 512, 'batch.max_tokens'), /batch\.max_tokens is 512 but the longest example has 900 tokens; raise batch\.max_tokens to at least 900/);
});
