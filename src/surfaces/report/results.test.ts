import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricInfo, ResultTable, TableRow } from '../../stages/evaluate/index.js';
import { buildResults } from './results.js';

const stat = (mean: number) => ({ mean, low: mean - 0.01, mid: mean, high: mean + 0.01 });
const prf = (f: number) => ({ precision: stat(f), recall: stat(f), fmeasure: stat(f) });

function table(rows: [string, TableRow['kind'], Record<string, number>][], columns: [string, string][]): ResultTable {
  return {
    columns: columns.map(([key, label]) => ({ key, label })),
    rows: rows.map(([label, kind, f]) => ({ label, kind, pairs: 10, scores: Object.fromEntries(Object.entries(f).map(([k, v]) => [k, prf(v)])) })),
    bootstrap: { samples: 1000, confidence: 0.95, seed: 42 },
  };
}

const rouge: MetricInfo = { name: 'rouge', columns: [{ key: 'rouge1', label: 'R1' }], settings: { stemmer: 'none' }, comparable: true };
const bert: MetricInfo = { name: 'bertscore', columns: [{ key: 'bertscore', label: 'BERTScore' }], settings: { model: 'distilbert-base-uncased', layer: 5 }, comparable: true };

test('best per language group and column, by the printed value (ties are all best)', () => {
  const cols: [string, string][] = [['rouge1', 'R1'], ['bertscore', 'BERTScore']];
  const a = table([['en', 'language', { rouge1: 0.41234, bertscore: 0.85 }], ['es', 'language', { rouge1: 0.3, bertscore: 0.8 }], ['macro avg', 'macro', { rouge1: 0.35, bertscore: 0.82 }]], cols);
  // en R1 0.41236 prints 41.24 vs 41.23; es R1 0.300001 prints 30.00 as a's 30.00: a tie.
  const b = table([['en', 'language', { rouge1: 0.41236, bertscore: 0.84 }], ['es', 'language', { rouge1: 0.300001, bertscore: 0.81 }], ['macro avg', 'macro', { rouge1: 0.36, bertscore: 0.83 }]], cols);
  const m = buildResults([
    { system: 'standard', table: a, metrics: [rouge, bert] },
    { system: 'distil', table: b, metrics: [rouge, bert] },
  ])!;
  assert.deepEqual(m.columns.map((c) => c.label), ['R1', 'BERTScore']);
  assert.deepEqual(m.groups.map((g) => g.label), ['en', 'es', 'macro avg']);
  const best = (group: string) => m.groups.find((g) => g.label === group)!.rows.map((r) => r.cells.map((c) => c.best));
  assert.deepEqual(best('en'), [[false, true], [true, false]]);
  assert.deepEqual(best('es'), [[true, false], [true, true]]);
  assert.deepEqual(best('macro avg'), [[false, false], [true, true]]);
  assert.deepEqual(m.inconsistent, []);
});

test('one system: nothing is bold; a missing column is an empty cell; differing settings are reported', () => {
  const a = table([['en', 'language', { rouge1: 0.4 }]], [['rouge1', 'R1']]);
  const one = buildResults([{ system: 'distil', table: a, metrics: [rouge] }])!;
  assert.equal(one.groups[0]!.rows[0]!.cells[0]!.best, false);
  const b = table([['en', 'language', { rouge1: 0.4, bertscore: 0.9 }], ['fr', 'language', { rouge1: 0.2, bertscore: 0.8 }]], [['rouge1', 'R1'], ['bertscore', 'BERTScore']]);
  const m = buildResults([
    { system: 'standard', table: a, metrics: [rouge] },
    { system: 'distil', table: b, metrics: [{ ...rouge, settings: { stemmer: 'porter' } }, bert] },
  ])!;
  const en = m.groups.find((g) => g.label === 'en')!;
  assert.equal(en.rows[0]!.cells[1]!.mean, undefined);
  assert.equal(en.rows[1]!.cells[1]!.best, false, 'a single value in a column is not "best"');
  assert.deepEqual(m.groups.find((g) => g.label === 'fr')!.rows.map((r) => r.system), ['distil']);
  assert.deepEqual(m.inconsistent, ['rouge']);
  assert.equal(buildResults([]), undefined);
});
