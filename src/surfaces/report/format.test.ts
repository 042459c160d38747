import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duration, excerpt, formatDelta, formatP, stars } from './format.js';
import { pickExamples } from './select.js';

test('deltas, p-values and stars', () => {
  assert.equal(formatDelta(0.012345), '+1.23');
  assert.equal(formatDelta(-0.0045), '-0.45');
  assert.equal(formatDelta(-0.00001), '0.00');
  assert.equal(formatDelta(0.00001), '0.00');
  assert.equal(formatP(0, 1000), '<0.001');
  assert.equal(formatP(0.0421, 1000), '0.042');
  assert.deepEqual([0.0005, 0.005, 0.03, 0.2].map(stars), ['***', '**', '*', '']);
});

test('excerpt cuts at a word near the limit, counts code points', () => {
  assert.deepEqual(excerpt('short text', 100), { text: 'short text', cut: false, shown: 10 });
  const e = excerpt('𝔸lpha beta gamma delta epsilon', 20);
  assert.equal(e.text, '𝔸lpha beta gamma …');
  assert.equal(e.shown, 16);
  assert.ok(e.cut);
});

test('duration of a stage', () => {
  assert.equal(duration('2026-01-01T00:00:00Z', '2026-01-01T00:00:42Z'), '42 s');
  assert.equal(duration('2026-01-01T00:00:00Z', '2026-01-01T01:02:05Z'), '1 h 02 min');
  assert.equal(duration('2026-01-01T00:00:00Z', null), undefined);
  assert.equal(duration('x', '2026-01-01T00:00:00Z'), undefined);
});

test('examples are chosen by id hash: independent of input order, per language', () => {
  const items = ['a', 'b', 'c', 'd', 'e', 'f'].flatMap((id) => [{ id, lang: 'en' }, { id, lang: 'fr' }]);
  const one = pickExamples(items, 2);
  const two = pickExamples([...items].reverse(), 2);
  assert.deepEqual(one, two);
  assert.deepEqual(one.map((x) => x.lang), ['en', 'en', 'fr', 'fr']);
  assert.deepEqual(pickExamples(items, 0), []);
});
