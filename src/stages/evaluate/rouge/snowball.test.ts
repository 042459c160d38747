import { test } from 'node:test';
import assert from 'node:assert/strict';
import { primaryLanguage, snowballStemmer } from './snowball.js';

// Clinical words with the stems of NLTK 3.8's SnowballStemmer, which agrees with the npm
// package on all of Debian's 86k-word Spanish list and on > 99.98% of its French and
// Portuguese lists (see docs/evaluation.md).
const AGREED: Record<string, Record<string, string>> = {
  en: { running: 'run', generously: 'generous', aged: 'age', hospitalization: 'hospit', patients: 'patient', fever: 'fever', treated: 'treat', diagnosis: 'diagnosi' },
  es: { fiebre: 'fiebr', pacientes: 'pacient', diagnóstico: 'diagnost', neumonía: 'neumon', adquirida: 'adquir', torácico: 'torac', tratamiento: 'tratamient', dolor: 'dolor' },
  fr: { fièvre: 'fievr', élevée: 'élev', thoracique: 'thorac', patiente: 'patient', douleurs: 'douleur', traitement: 'trait', diagnostic: 'diagnostic' },
  pt: { cefaleia: 'cefal', vómitos: 'vómit', ressonância: 'resson', hemorragia: 'hemorrag', subaracnoideia: 'subaracnoid', doente: 'doent', tratamento: 'tratament' },
};

test('Snowball stems of en, es, fr, pt clinical words', () => {
  for (const [lang, words] of Object.entries(AGREED)) {
    const stem = snowballStemmer(lang)!;
    for (const [w, s] of Object.entries(words)) assert.equal(stem(w), s, `${lang} ${w}`);
  }
});

test('where NLTK departs from the Snowball algorithm, the package follows Snowball', () => {
  // Official outputs (snowballstem/snowball-data) or the published rules, not NLTK's.
  assert.equal(snowballStemmer('pt')!('esperança'), 'esperanc'); // NLTK: esper
  assert.equal(snowballStemmer('fr')!('indicatrice'), 'indiqu'); // NLTK: ind ("icatrice" → "iqU" outside R2)
  assert.equal(snowballStemmer('en')!('realization'), 'realiz'); // NLTK: realize (step 5 drops the e in R2)
});

test('language codes: region subtags and case are ignored; unknown languages have no stemmer', () => {
  assert.equal(primaryLanguage('pt-BR'), 'pt');
  assert.equal(primaryLanguage(' ES '), 'es');
  assert.equal(snowballStemmer('pt_BR')!('hemorragia'), 'hemorrag');
  assert.equal(snowballStemmer('de'), undefined);
  assert.equal(snowballStemmer('und'), undefined);
});
