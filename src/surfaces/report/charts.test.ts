import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downsample, MAX_POINTS } from './charts.js';

test('downsample keeps short series and averages long ones in buckets of consecutive rows', () => {
  const short = Array.from({ length: 10 }, (_, i) => ({ step: i + 1, v: i % 3 === 0 ? null : i }));
  const s = downsample(short, (r) => r.v);
  assert.equal(s.k, 1);
  assert.deepEqual(s.points, short.filter((r) => r.v !== null).map((r) => [r.step, r.v]));

  const long = Array.from({ length: 5000 }, (_, i) => ({ step: i + 1, v: i + 1 }));
  const d = downsample(long, (r) => r.v);
  assert.equal(d.k, Math.ceil(5000 / MAX_POINTS));
  assert.ok(d.points.length <= MAX_POINTS);
  // Bucket 0 holds steps 1..k: mean step = mean value = (k + 1) / 2.
  assert.deepEqual(d.points[0], [(d.k + 1) / 2, (d.k + 1) / 2]);
  assert.equal(d.points[d.points.length - 1]![0], d.points[d.points.length - 1]![1]);
});
