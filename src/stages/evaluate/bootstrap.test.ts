import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../util/prng.js';
import { ConfigError } from '../../util/errors.js';
import { bootstrapMeans, groupPrng, intervalOf, mean, percentileSorted, resolveBootstrap } from './bootstrap.js';

const sorted = (xs: number[]) => Float64Array.from(xs).sort();

test('percentiles equal numpy.percentile (linear) to the last bit', () => {
  // Expected values printed by numpy 1.24 (`np.percentile(x, q).tolist()`).
  const x = sorted([0.3, 0.1, 0.7, 0.2, 0.9, 0.5, 0.45, 0.61, 0.05, 0.33, 0.8]);
  const qs = [0, 10, 37.5, 50, 99.9, 100];
  assert.deepEqual(qs.map((q) => percentileSorted(x, q)), [0.05, 0.1, 0.3225, 0.45, 0.8990000000000002, 0.9]);
  assert.deepEqual(intervalOf(x, 0.95), { low: 0.06250000000000001, mid: 0.45, high: 0.875 });
  const y = Float64Array.from({ length: 1000 }, (_, i) => i / 997);
  assert.deepEqual(intervalOf(y, 0.95), { low: 0.025050150451354086, mid: 0.5010030090270812, high: 0.9769558676028084 });
  const z = Float64Array.from({ length: 1000 }, (_, i) => (((i * 7919) % 1000) / 1000) * 0.3 + 0.2);
  assert.deepEqual(intervalOf(z, 0.95), { low: 0.20749250000000002, mid: 0.34985, high: 0.49220749999999996 });
});

test('bootstrap means: shape, shared indices across columns, seeded determinism', () => {
  const a = Array.from({ length: 50 }, (_, i) => i / 50);
  const b = a.map((v) => 2 * v);
  const [ma, mb] = bootstrapMeans([a, b], 200, new Prng(7));
  assert.equal(ma!.length, 200);
  assert.equal(mb!.length, 200);
  // Column b is 2 × column a, so with shared resample indices every mean doubles too.
  for (let s = 0; s < 200; s++) assert.ok(Math.abs(mb![s]! - 2 * ma![s]!) < 1e-12);
  const [again] = bootstrapMeans([a], 200, new Prng(7));
  assert.deepEqual(again, ma);
  const [other] = bootstrapMeans([a], 200, new Prng(8));
  assert.notDeepEqual(other, ma);
});

test('intervals bracket the mean and shrink with more data; constant data gives a point', () => {
  const rng = new Prng(1);
  const small = Array.from({ length: 30 }, () => rng.float());
  const large = Array.from({ length: 3000 }, () => rng.float());
  const iv = (v: number[]) => intervalOf(bootstrapMeans([v], 1000, groupPrng(42, 'en'))[0]!, 0.95);
  const s = iv(small);
  const l = iv(large);
  assert.ok(s.low < mean(small) && mean(small) < s.high);
  assert.ok(l.low < mean(large) && mean(large) < l.high);
  assert.ok(l.high - l.low < (s.high - s.low) / 4);
  assert.deepEqual(iv([0.25, 0.25, 0.25]), { low: 0.25, mid: 0.25, high: 0.25 });
});

test('options: defaults are rouge-score\'s, bad values are refused', () => {
  assert.deepEqual(resolveBootstrap(), { samples: 1000, confidence: 0.95, seed: 42 });
  assert.deepEqual(resolveBootstrap({ seed: 7 }), { samples: 1000, confidence: 0.95, seed: 7 });
  assert.throws(() => resolveBootstrap({ samples: 0 }), ConfigError);
  assert.throws(() => resolveBootstrap({ confidence: 1.5 }), ConfigError);
  assert.throws(() => resolveBootstrap({ seed: -1 }), ConfigError);
  assert.throws(() => bootstrapMeans([[]], 10, new Prng(1)), RangeError);
});
