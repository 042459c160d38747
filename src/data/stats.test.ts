import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qwen25Tokenizer } from '../models/tokenizer/index.js';
import { codePointLength, computeStats, formatStatsTable } from './stats.js';
import type { CaseRecord } from './types.js';

test('lengths are Unicode code points, not UTF-16 units', () => {
  assert.equal(codePointLength('año'), 3);
  assert.equal(codePointLength('𝔸b'), 2);
  assert.equal(codePointLength('\ud800x'), 2); // a lone surrogate counts once
  assert.equal(codePointLength(''), 0);
});

test('per-language stats with optional keyinfo and tokens; text table rounds means', () => {
  const src = { file: 'x' };
  const records: CaseRecord[] = [
    { id: '1', lang: 'es', report: 'Fiebre alta.', summary: 'Fiebre.', source: src },
    { id: '2', lang: 'es', report: 'Dolor torácico intenso.', summary: 'Dolor.', keyinfo: 'Dolor torácico.', source: src },
    { id: '3', lang: 'en', report: 'Fever.', source: src },
  ];
  const s = computeStats(records, { tokenizer: qwen25Tokenizer() });
  assert.deepEqual(Object.keys(s.languages), ['en', 'es']);
  assert.deepEqual(s.languages.es!.report, { count: 2, mean: 17.5, min: 12, max: 23 });
  assert.deepEqual(s.languages.es!.keyinfo, { count: 1, mean: 15, min: 15, max: 15 });
  assert.equal(s.languages.en!.summary, undefined);
  assert.equal(s.languages.es!.tokens!.report.count, 2);
  const table = formatStatsTable(s);
  assert.match(table, /^es\s+2\s+17\.5 \/ 12 \/ 23\s+6\.5 \/ 6 \/ 7\s+15\.0 \/ 15 \/ 15 \(n=1\)/m);
  assert.match(table, /^en\s+1\s+6\.0 \/ 6 \/ 6\s+-/m);
});
