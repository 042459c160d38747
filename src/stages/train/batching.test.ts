import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../util/prng.js';
import { checkBudget, packBatches, planEpoch, planSorted, unitsByRecord } from './batching.js';

/** Lengths of `n` reports' two examples (similar lengths: the same report, different targets). */
function pairsOf(n: number, seed: number): { lengths: number[]; ids: string[] } {
  const p = new Prng(seed);
  const lengths: number[] = [];
  const ids: string[] = [];
  for (let r = 0; r < n; r++) {
    const base = 20 + p.int(600);
    lengths.push(base + p.int(40), base + p.int(40));
    ids.push(`r${r}`, `r${r}`);
  }
  return { lengths, ids };
}

test('every example lands in exactly one batch per epoch, no batch exceeds the budget, a report\'s examples stay together', () => {
  const { lengths, ids } = pairsOf(250, 7);
  const units = unitsByRecord(ids);
  assert.equal(units.length, 250);
  const prng = new Prng(42);
  for (let epoch = 0; epoch < 3; epoch++) {
    const batches = planEpoch(lengths, units, { maxTokens: 2048, groupSize: 64 }, prng);
    const seen = batches.flat().sort((a, b) => a - b);
    assert.deepEqual(seen, Array.from({ length: 500 }, (_, i) => i), `epoch ${epoch}`);
    for (const b of batches) {
      const longest = Math.max(...b.map((i) => lengths[i]!));
      assert.ok(b.length * longest <= 2048, `batch of ${b.length} × ${longest}`);
      for (const i of b) assert.ok(b.includes(i ^ 1), `example ${i} is with its report's other example`);
    }
  }
});

test('length grouping keeps padding small; the order is seeded and differs between epochs', () => {
  const { lengths, ids } = pairsOf(200, 3);
  const units = unitsByRecord(ids);
  const o = { maxTokens: 4096, groupSize: 64 };
  const a = new Prng(42);
  const e0 = planEpoch(lengths, units, o, a);
  const e1 = planEpoch(lengths, units, o, a);
  assert.deepEqual(planEpoch(lengths, units, o, new Prng(42)), e0, 'same seed, same plan');
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

test('packing is greedy by the padded size; units too big for the budget are split; one oversized example is an error', () => {
  assert.deepEqual(packBatches([[0], [1], [2], [3]], [100, 90, 80, 70], 300), [[0, 1, 2], [3]]);
  assert.deepEqual(packBatches([[3], [0]], [100, 90, 80, 70], 150), [[3], [0]]);
  assert.deepEqual(packBatches([[0, 1], [2, 3]], [100, 90, 80, 70], 300), [[0, 1], [2, 3]]);
  assert.deepEqual(planSorted([5, 9, 9, 1], 18, 'x'), [[1, 2], [0, 3]]);
  const split = planEpoch([100, 100], [[0, 1]], { maxTokens: 150, groupSize: 8 }, new Prng(1));
  assert.deepEqual(split.map((b) => b.length), [1, 1]);
  assert.throws(() => checkBudget([10, 900], 512, 'batch.max_tokens'), /batch\.max_tokens is 512 but the longest example has 900 tokens; raise batch\.max_tokens to at least 900/);
  assert.deepEqual(unitsByRecord(['a', 'b', 'a', undefined, 'b']), [[0, 2], [1, 4], [3]]);
});
