import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codePointLength, referenceTokens, stemToken, tokenize, unicodeTokens } from './tokenize.js';
import { porterStem } from './porter.js';

test('reference tokenizer: lower-case, every non-[a-z0-9] run splits', () => {
  assert.deepEqual(referenceTokens('The quick brown fox.'), ['the', 'quick', 'brown', 'fox']);
  assert.deepEqual(referenceTokens('Hemoglobin 9.8 g/dL, CRP 45mg/L'), ['hemoglobin', '9', '8', 'g', 'dl', 'crp', '45mg', 'l']);
  assert.deepEqual(referenceTokens('non-ST-elevation; anti-HER2/neu'), ['non', 'st', 'elevation', 'anti', 'her2', 'neu']);
  assert.deepEqual(referenceTokens('snake_case  tabs\tand\r\nCRLF'), ['snake', 'case', 'tabs', 'and', 'crlf']);
  assert.deepEqual(referenceTokens(''), []);
  assert.deepEqual(referenceTokens('... !!! ???'), []);
});

test('reference tokenizer drops non-ASCII letters, as rouge-score does', () => {
  assert.deepEqual(referenceTokens('fièvre élevée'), ['fi', 'vre', 'lev', 'e']);
  assert.deepEqual(referenceTokens('Пациент 45 лет'), ['45']);
  assert.deepEqual(referenceTokens('患者男性，45岁'), ['45']);
  assert.deepEqual(referenceTokens('5 µg/kg'), ['5', 'g', 'kg']);
});

test('reference tokenizer lower-cases with Unicode rules first (Python str.lower)', () => {
  // U+212A KELVIN SIGN lower-cases to ASCII "k"; U+0130 to "i" + a combining dot.
  assert.deepEqual(referenceTokens('\u212Aelvin \u0130stanbul'), ['kelvin', 'i', 'stanbul']);
});

test('stemming applies only to tokens longer than 3 characters', () => {
  assert.equal(stemToken('dies', porterStem), 'die');
  assert.equal(stemToken('was', porterStem), 'was');
  assert.equal(stemToken('was', undefined), 'was');
  assert.deepEqual(tokenize('The patients were treated', 'reference', porterStem), ['the', 'patient', 'were', 'treat']);
});

test('unicode tokenizer: letters and digits of any script, NFC, lower-case', () => {
  assert.deepEqual(unicodeTokens('Fièvre élevée (39,5 °C)'), ['fièvre', 'élevée', '39', '5', 'c']);
  // Decomposed input (e + U+0301) becomes the same token as the composed one.
  assert.deepEqual(unicodeTokens('e\u0301le\u0301vation'), ['élévation']);
  assert.deepEqual(unicodeTokens('Пациент 45 лет'), ['пациент', '45', 'лет']);
  assert.deepEqual(unicodeTokens('Übelkeit und Schwindel'), ['übelkeit', 'und', 'schwindel']);
  assert.deepEqual(unicodeTokens('٣ أيام'), ['٣', 'أيام']);
});

test('unicode tokenizer: Han and kana are one token a character; marks stay in their word', () => {
  assert.deepEqual(unicodeTokens('患者男性，45岁。'), ['患', '者', '男', '性', '45', '岁']);
  assert.deepEqual(unicodeTokens('abcカタカナ'), ['abc', 'カ', 'タ', 'カ', 'ナ']);
  // Devanagari: the vowel signs (combining marks) belong to the word.
  assert.deepEqual(unicodeTokens('रोगी को बुखार'), ['रोगी', 'को', 'बुखार']);
});

test('code point length counts astral characters once', () => {
  assert.equal(codePointLength('abc'), 3);
  assert.equal(codePointLength('𝐀𝐁𝐂'), 3);
  assert.equal(codePointLength('élévation'), 9);
});
