import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codePoints, computeStats, costUsd, formatStatsTable } from './stats.js';

test('code points, not UTF-16 units', () => {
  assert.equal(codePoints('né 🩺'), 4);
});

test('per-language and overall statistics: counts, key-information length, flags, tokens, cost', () => {
  const stats = computeStats(
    [
      { lang: 'es', reportChars: 1000, outcome: 'answered', keyinfoChars: 200, flags: ['truncated'], promptTokens: 300, completionTokens: 60 },
      { lang: 'en', reportChars: 800, outcome: 'answered', keyinfoChars: 100, flags: [], promptTokens: 200, completionTokens: 30 },
      { lang: 'en', reportChars: 1200, outcome: 'answered', keyinfoChars: 151, flags: ['copies_report', 'empty'], promptTokens: 280, completionTokens: 40 },
      { lang: 'en', reportChars: 500, outcome: 'failed' },
      { lang: 'es', reportChars: 700, outcome: 'pending' },
    ],
    { inputPerMillion: 2, outputPerMillion: 10 },
  );
  assert.deepEqual(Object.keys(stats.languages), ['en', 'es']);
  const en = stats.languages.en!;
  assert.deepEqual([en.reports, en.answered, en.failed, en.pending], [3, 2, 1, 0]);
  assert.deepEqual(en.keyinfo_chars, { mean: 125.5, min: 100, max: 151 });
  assert.deepEqual(en.report_chars, { mean: 833.33, min: 500, max: 1200 });
  assert.deepEqual(en.flags, { empty: 1, truncated: 0, wrong_language: 0, copies_report: 1 });
  assert.deepEqual(en.tokens, { prompt: 480, completion: 70 });
  assert.equal(en.cost_usd, costUsd(480, 70, { inputPerMillion: 2, outputPerMillion: 10 }));
  assert.equal(stats.all.reports, 5);
  assert.equal(stats.all.pending, 1);
  assert.deepEqual(stats.all.keyinfo_chars, { mean: 150.33, min: 100, max: 200 });
  const table = formatStatsTable(stats).split('\n');
  assert.equal(table.length, 4);
  assert.match(table[0]!, /^lang\s+reports\s+answered\s+failed\s+pending\s+keyinfo mean\s+min\s+max/);
  assert.match(table[1]!, /^en\s+3\s+2\s+1\s+0\s+125\.5\s+100\s+151\s+1\s+0\s+0\s+1\s+480\s+70\s+0\.00$/);
  assert.match(table[3]!, /^all\s+5\s/);
  assert.equal(computeStats([]).all.keyinfo_chars, null);
});
