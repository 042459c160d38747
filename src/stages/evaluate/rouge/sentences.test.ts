import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitLines, splitSentences, splitSummary } from './sentences.js';
import { referenceTokens, unicodeTokens } from './tokenize.js';

test('newline split is rouge-score\'s: split on "\\n", drop empty strings only', () => {
  assert.deepEqual(splitLines('a\n\n\nb'), ['a', 'b']);
  assert.deepEqual(splitLines('a\r\nb'), ['a\r', 'b']);
  assert.deepEqual(splitLines(' \nb'), [' ', 'b']);
  assert.deepEqual(splitLines(''), []);
});

test('sentence split: after . ! ? before a capital, digit or opening quote', () => {
  assert.deepEqual(splitSentences('He had fever. ECG was normal! Why? "Yes."'), ['He had fever.', 'ECG was normal!', 'Why?', '"Yes."']);
  assert.deepEqual(splitSentences('Day one. 3 days later he improved.'), ['Day one.', '3 days later he improved.']);
  assert.deepEqual(splitSentences('Tuvo fiebre. ¿Por qué? Nadie sabe.'), ['Tuvo fiebre.', '¿Por qué?', 'Nadie sabe.']);
  assert.deepEqual(splitSentences('First line\nSecond. Third.'), ['First line', 'Second.', 'Third.']);
});

test('sentence split: no cut before lower case, after titles, Latin abbreviations, or No./Fig. before numbers', () => {
  assert.deepEqual(splitSentences('Growth of E. coli was seen. Dr. Smith and Sra. Pérez agreed.'), [
    'Growth of E. coli was seen.',
    'Dr. Smith and Sra. Pérez agreed.',
  ]);
  assert.deepEqual(splitSentences('See Fig. 2 and No. 5 of Smith et al. The end.'), ['See Fig. 2 and No. 5 of Smith et al. The end.']);
  assert.deepEqual(splitSentences('He said no. 5 days later he came back.'), ['He said no. 5 days later he came back.']);
  // Dotted letters before a capital end a sentence (as in `... given p.o. Improved.`).
  assert.deepEqual(splitSentences('Given i.v. then p.o. Improved. Hepatitis C. He recovered.'), [
    'Given i.v. then p.o.',
    'Improved.',
    'Hepatitis C.',
    'He recovered.',
  ]);
});

test('cuts fall in white space only: the sentences hold exactly the tokens of the text', () => {
  const texts = [
    'A 54-year-old man (BMI 31.2) presented. ECG showed ST elevation! Troponin 2.3 ng/mL. "He was treated."',
    'Fièvre à 39,5 °C. Diagnostic: pneumonie. Évolution favorable… Sortie à J5.',
  ];
  for (const t of texts) {
    const parts = splitSummary(t, 'sentence');
    assert.ok(parts.length >= 3);
    assert.deepEqual(parts.flatMap(referenceTokens), referenceTokens(t));
    assert.deepEqual(parts.flatMap(unicodeTokens), unicodeTokens(t));
  }
});
