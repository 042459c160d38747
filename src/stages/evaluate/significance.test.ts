import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../util/prng.js';
import { groupPrng, resolveBootstrap } from './bootstrap.js';
import { pairedBootstrap, pairedBootstrapStrata } from './significance.js';

const bs = resolveBootstrap();

test('identical systems: delta 0, p = 1', () => {
  const a = [0.1, 0.5, 0.3, 0.9];
  const r = pairedBootstrap({ a, b: a }, bs, 'en');
  assert.equal(r.delta, 0);
  assert.equal(r.p, 1);
  assert.equal(r.low, 0);
  assert.equal(r.high, 0);
  assert.equal(r.pairs, 4);
});

test('a system better on every pair: p = 0 and the interval excludes 0, both directions', () => {
  const rng = new Prng(3);
  const b = Array.from({ length: 100 }, () => rng.float() * 0.5);
  const a = b.map((x) => x + 0.05 + rng.float() * 0.01);
  const r = pairedBootstrap({ a, b }, bs, 'en');
  assert.ok(r.delta > 0.05);
  assert.equal(r.p, 0);
  assert.ok(r.low > 0 && r.high > r.low);
  const rev = pairedBootstrap({ a: b, b: a }, bs, 'en');
  assert.equal(rev.delta, -r.delta);
  assert.equal(rev.p, 0);
  assert.ok(rev.high < 0);
});

test('noise gives a large p; the result is seeded', () => {
  const rng = new Prng(5);
  const a = Array.from({ length: 200 }, () => rng.float());
  const b = Array.from({ length: 200 }, () => rng.float());
  const r1 = pairedBootstrap({ a, b }, bs, 'en');
  const r2 = pairedBootstrap({ a, b }, bs, 'en');
  assert.deepEqual(r1, r2);
  assert.ok(r1.p > 0.05, `p = ${r1.p}`);
  assert.ok(r1.low < r1.delta && r1.delta < r1.high);
});

test('strata: the macro difference is the mean of per-stratum differences', () => {
  const s1 = { a: [0.5, 0.6, 0.7], b: [0.4, 0.5, 0.6] };
  const s2 = { a: [0.2, 0.2], b: [0.3, 0.3] };
  const r = pairedBootstrapStrata([s1, s2], [groupPrng(1, 'x'), groupPrng(1, 'y')], 500, 0.95);
  assert.ok(Math.abs(r.delta - (0.1 + -0.1) / 2) < 1e-12);
  assert.ok(Math.abs(r.meanA - (0.6 + 0.2) / 2) < 1e-12);
  assert.equal(r.pairs, 5);
  assert.throws(() => pairedBootstrapStrata([{ a: [1], b: [1, 2] }], [new Prng(1)], 10, 0.95), RangeError);
});
