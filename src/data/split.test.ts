import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutPoints, splitRecords } from './split.js';
import type { CaseRecord } from './types.js';
import type { Lang } from './lang.js';

function recs(lang: Lang, n: number): CaseRecord[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${lang}_${i + 1}`, lang, report: `r${i}`, summary: `s${i}`, source: { file: 'x' } }));
}

test('integer cut points: floor for train and valid, the rest is test (592 → 473 / 5 / 114)', () => {
  assert.deepEqual(cutPoints(592, [0.8, 0.01, 0.19]), { train: 473, valid: 5, test: 114 });
  assert.deepEqual(cutPoints(100, [0.8, 0.01, 0.19]), { train: 80, valid: 1, test: 19 });
  assert.deepEqual(cutPoints(10, [0.7, 0.1, 0.2]), { train: 7, valid: 1, test: 2 }); // 0.7*10 = 6.999… in floating point
  assert.deepEqual(cutPoints(0, [0.8, 0.01, 0.19]), { train: 0, valid: 0, test: 0 });
  assert.deepEqual(cutPoints(3, [1, 0, 0]), { train: 3, valid: 0, test: 0 });
});

test('split per language, independent of input order, seeded', () => {
  const all = [...recs('es', 200), ...recs('en', 592), ...recs('pt', 7)];
  const a = splitRecords(all, { seed: 42, ratios: [0.8, 0.01, 0.19] });
  assert.deepEqual(a.counts, { en: { train: 473, valid: 5, test: 114 }, es: { train: 160, valid: 2, test: 38 }, pt: { train: 5, valid: 0, test: 2 } });
  const b = splitRecords([...all].reverse(), { seed: 42, ratios: [0.8, 0.01, 0.19] });
  assert.deepEqual(b.train.map((r) => r.id), a.train.map((r) => r.id));
  assert.deepEqual(b.test.map((r) => r.id), a.test.map((r) => r.id));
  const c = splitRecords(all, { seed: 43, ratios: [0.8, 0.01, 0.19] });
  assert.notDeepEqual(c.valid.map((r) => r.id), a.valid.map((r) => r.id));
  // Languages come in the fixed order en, es, pt; every record lands in exactly one split.
  assert.deepEqual([...new Set(a.train.map((r) => r.lang))], ['en', 'es', 'pt']);
  const ids = [...a.train, ...a.valid, ...a.test].map((r) => r.id).sort();
  assert.deepEqual(ids, all.map((r) => r.id).sort());
  // Ids sort as strings (en_10 before en_2): the order of the documented algorithm, golden-checked in test/data-cli.test.ts.
  const en = splitRecords(recs('en', 12), { seed: 7, ratios: [0.5, 0.25, 0.25] });
  assert.deepEqual([en.train.length, en.valid.length, en.test.length], [6, 3, 3]);
});

test('bad split options are config errors', () => {
  assert.throws(() => splitRecords([], { seed: 1, ratios: [0.8, 0.1, 0.2] }), /must sum to 1, got 0\.8 \+ 0\.1 \+ 0\.2 = 1\.1; .*--ratios/);
  assert.throws(() => splitRecords([], { seed: 1, ratios: [0.8, 0.3, 0.1] }), /= 1\.2; /, 'no floating-point noise (1.2000000000000002)');
  assert.throws(() => splitRecords([], { seed: -1, ratios: [0.8, 0.01, 0.19] }), /seed must be an integer/);
  assert.throws(() => splitRecords([], { seed: 1, ratios: [1.1, -0.1, 0] }), /non-negative/);
});
