import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerFlags, copyRatio, words, type LanguageDetector } from './flags.js';

const report =
  'A 45-year-old woman presented with fever, weight loss and night sweats for three months. ' +
  'Computed tomography showed mediastinal lymphadenopathy, and a biopsy confirmed classical Hodgkin lymphoma. ' +
  'She received six cycles of chemotherapy and remains in remission two years later.';

const never: LanguageDetector = () => ({ lang: undefined, confidence: 0 });

test('words: NFC, lower case, letters and digits only', () => {
  assert.deepEqual(words('Hodgkin\u0301 lymphoma, 45-year-old; ÉTÉ'), ['hodgkiń', 'lymphoma', '45', 'year', 'old', 'été']);
});

test('copyRatio counts the report words inside shared runs of 8+ words', () => {
  assert.equal(copyRatio(report, report), 1);
  assert.equal(copyRatio('fever; weight loss; Hodgkin lymphoma; remission', report), 0);
  // One 10-word run copied, case and punctuation ignored: 10 of the report's words.
  const run = 'COMPUTED TOMOGRAPHY showed mediastinal lymphadenopathy and a biopsy confirmed classical';
  const n = words(report).length;
  assert.equal(copyRatio(`Key facts: ${run}.`, report), 10 / n);
  // Seven words in a row are not a copy at runWords 8.
  assert.equal(copyRatio('computed tomography showed mediastinal lymphadenopathy and a', report), 0);
  assert.equal(copyRatio('computed tomography showed mediastinal lymphadenopathy and a', report, 7), 7 / n);
  assert.equal(copyRatio('short', 'also short'), 0);
});

test('answerFlags: empty, truncated, copies_report, wrong_language with thresholds', () => {
  const f = (answer: string, finishReason: string | null = 'stop', detect: LanguageDetector = never, lang = 'en') => answerFlags({ answer, finishReason, report, lang }, detect).flags;
  assert.deepEqual(f(' \n '), ['empty']);
  assert.deepEqual(f('', 'length'), ['empty', 'truncated']);
  assert.deepEqual(f(`Summary: ${report}`), ['copies_report']);
  assert.deepEqual(f('fever; weight loss; Hodgkin lymphoma; chemotherapy; remission'), []);
  const spanish: LanguageDetector = () => ({ lang: 'es', confidence: 0.9 });
  const unsure: LanguageDetector = () => ({ lang: 'es', confidence: 0.3 });
  const long = 'Mujer de 45 años con fiebre, pérdida de peso y sudores nocturnos; linfoma de Hodgkin.';
  assert.deepEqual(f(long, 'stop', spanish), ['wrong_language']);
  assert.deepEqual(f(long, 'stop', spanish, 'es'), []);
  assert.deepEqual(f(long, 'stop', unsure), []);
  assert.deepEqual(f('Mujer, 45 años.', 'stop', spanish), [], 'too short to judge');
});
