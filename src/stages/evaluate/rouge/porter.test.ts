import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { porterStem } from './porter.js';
import { goldenPath } from '../testing.js';

test('every stem of nltk-porter.json (NLTK 3.8, NLTK_EXTENSIONS) is reproduced exactly', () => {
  const golden = JSON.parse(readFileSync(goldenPath('porter', 'nltk-porter.json'), 'utf8')) as { stems: Record<string, string> };
  const entries = Object.entries(golden.stems);
  assert.equal(entries.length, 41684);
  const wrong = entries.filter(([w, s]) => porterStem(w) !== s);
  assert.deepEqual(wrong.slice(0, 10).map(([w, s]) => `${w}: want ${s}, got ${porterStem(w)}`), []);
  assert.equal(wrong.length, 0);
});

// Porter's paper examples and NLTK's own extensions, stems from NLTK 3.8's PorterStemmer().
const CASES: Record<string, string> = {
  caresses: 'caress', ponies: 'poni', ties: 'tie', caress: 'caress', cats: 'cat', feed: 'feed', agreed: 'agre',
  plastered: 'plaster', bled: 'bled', motoring: 'motor', sing: 'sing', conflated: 'conflat', troubled: 'troubl',
  sized: 'size', hopping: 'hop', tanned: 'tan', falling: 'fall', hissing: 'hiss', fizzed: 'fizz', failing: 'fail',
  filing: 'file', happy: 'happi', sky: 'sky', relational: 'relat', conditional: 'condit', rational: 'ration',
  valenci: 'valenc', hesitanci: 'hesit', digitizer: 'digit', conformabli: 'conform', radicalli: 'radic',
  differentli: 'differ', vileli: 'vile', analogousli: 'analog', vietnamization: 'vietnam', predication: 'predic',
  operator: 'oper', feudalism: 'feudal', decisiveness: 'decis', hopefulness: 'hope', callousness: 'callous',
  formaliti: 'formal', sensitiviti: 'sensit', sensibiliti: 'sensibl', triplicate: 'triplic', formative: 'form',
  formalize: 'formal', electriciti: 'electr', electrical: 'electr', hopeful: 'hope', goodness: 'good',
  revival: 'reviv', allowance: 'allow', inference: 'infer', airliner: 'airlin', gyroscopic: 'gyroscop',
  adjustable: 'adjust', defensible: 'defens', irritant: 'irrit', replacement: 'replac', adjustment: 'adjust',
  dependent: 'depend', adoption: 'adopt', homologou: 'homolog', communism: 'commun', activate: 'activ',
  angulariti: 'angular', homologous: 'homolog', effective: 'effect', bowdlerize: 'bowdler', probate: 'probat',
  rate: 'rate', cease: 'ceas', controll: 'control', roll: 'roll',
  // NLTK_EXTENSIONS (the npm stemmers, in Martin Porter's mode, differ on several of these)
  dies: 'die', flies: 'fli', died: 'die', spied: 'spi', dying: 'die', lying: 'lie', skies: 'sky', news: 'news',
  aged: 'age', enjoy: 'enjoy', generously: 'gener', geology: 'geolog', innings: 'inning',
  hospitalization: 'hospit', patients: 'patient', was: 'wa', as: 'as', is: 'is', a: 'a', ab: 'ab', abc: 'abc', yyy: 'yyy',
};

test('paper examples and NLTK extensions', () => {
  for (const [word, stem] of Object.entries(CASES)) assert.equal(porterStem(word), stem, word);
});

test('upper-case input is lower-cased first, as NLTK does', () => {
  assert.equal(porterStem('Running'), 'run');
  assert.equal(porterStem('HOSPITALIZATION'), 'hospit');
});
