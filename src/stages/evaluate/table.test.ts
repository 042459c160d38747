import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveBootstrap } from './bootstrap.js';
import { prf } from './prf.js';
import { aggregateTable, formatFixed, formatScore, renderDetailedMarkdown, renderTableMarkdown, type ScoredPair } from './table.js';

const columns = [
  { key: 'rouge1', label: 'R1' },
  { key: 'rougeL', label: 'RL' },
];

function pair(id: string, lang: string, r1: number, rl: number): ScoredPair {
  return { id, lang, scores: { rouge1: prf(r1, r1), rougeL: prf(rl, rl) } };
}

const scored = [
  pair('1', 'es', 0.5, 0.4),
  pair('2', 'es', 0.3, 0.2),
  pair('3', 'en', 0.6, 0.5),
  pair('4', 'en', 0.2, 0.1),
  pair('5', 'en', 0.4, 0.3),
  pair('6', 'fr', 0.9, 0.8),
];

test('rows: languages sorted, then macro (mean of language means) and all pairs', () => {
  const t = aggregateTable(scored, columns, resolveBootstrap({ samples: 200 }));
  assert.deepEqual(t.rows.map((r) => [r.label, r.kind, r.pairs]), [
    ['en', 'language', 3],
    ['es', 'language', 2],
    ['fr', 'language', 1],
    ['macro avg', 'macro', 6],
    ['all pairs', 'all', 6],
  ]);
  const f = (label: string, key: string) => t.rows.find((r) => r.label === label)!.scores[key]!.fmeasure;
  assert.ok(Math.abs(f('en', 'rouge1').mean - 0.4) < 1e-12);
  assert.ok(Math.abs(f('es', 'rouge1').mean - 0.4) < 1e-12);
  assert.ok(Math.abs(f('macro avg', 'rouge1').mean - (0.4 + 0.4 + 0.9) / 3) < 1e-12);
  assert.ok(Math.abs(f('all pairs', 'rouge1').mean - 2.9 / 6) < 1e-12);
  // One pair: every resample is that pair.
  const fr = prf(0.8, 0.8).fmeasure;
  assert.deepEqual(f('fr', 'rougeL'), { mean: fr, low: fr, mid: fr, high: fr });
  for (const row of t.rows) {
    for (const c of columns) {
      for (const m of ['precision', 'recall', 'fmeasure'] as const) {
        const s = row.scores[c.key]![m];
        assert.ok(s.low <= s.mid && s.mid <= s.high, `${row.label} ${c.key} ${m}`);
      }
    }
  }
});

test('one language: no macro or all rows; aggregation is deterministic', () => {
  const only = scored.filter((p) => p.lang === 'en');
  const a = aggregateTable(only, columns, resolveBootstrap());
  const b = aggregateTable(only, columns, resolveBootstrap());
  assert.deepEqual(a.rows.map((r) => r.label), ['en']);
  assert.deepEqual(a, b);
  assert.throws(() => aggregateTable([], columns, resolveBootstrap()), RangeError);
});

test('Markdown: F × 100 with 2 decimals, macro and all rows in italics', () => {
  const t = aggregateTable(scored, columns, resolveBootstrap({ samples: 100 }));
  assert.equal(
    renderTableMarkdown(t),
    [
      '| Language | Pairs | R1 | RL |',
      '| --- | ---: | ---: | ---: |',
      '| en | 3 | 40.00 | 30.00 |',
      '| es | 2 | 40.00 | 30.00 |',
      '| fr | 1 | 90.00 | 80.00 |',
      '| *macro avg* | 6 | 56.67 | 46.67 |',
      '| *all pairs* | 6 | 48.33 | 38.33 |',
      '',
    ].join('\n'),
  );
  assert.match(renderTableMarkdown(t, { intervals: true }), /\| fr \| 1 \| 90\.00 \[90\.00, 90\.00\] \| 80\.00 \[80\.00, 80\.00\] \|/);
  const detailed = renderDetailedMarkdown(t);
  assert.match(detailed, /^\| Language \| Pairs \| Metric \| P \| R \| F \| F 95% CI \|$/m);
  assert.match(detailed, /^\| fr \| 1 \| RL \| 80\.00 \| 80\.00 \| 80\.00 \| 80\.00–80\.00 \|$/m);
});

test('formatFixed rounds like Python format(): exact binary ties to even', () => {
  // Python: ['12.12', '0.12', '12.13', '2.67', '1.00', '100.00', '0.38', '-0.12'], '2', '4'
  assert.deepEqual(
    [12.125, 0.125, 12.135, 2.675, 1.005, 99.995, 0.375, -0.125].map((v) => formatFixed(v, 2)),
    ['12.12', '0.12', '12.13', '2.67', '1.00', '100.00', '0.38', '-0.12'],
  );
  assert.equal(formatFixed(2.5, 0), '2');
  assert.equal(formatFixed(3.5, 0), '4');
  assert.equal(formatScore(0.4567), '45.67');
});
