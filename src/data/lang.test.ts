import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../util/errors.js';
import { detectLanguage, langFromFileName, parseLang, unknownLangProblem, type Lang } from './lang.js';

test('parseLang accepts the four codes in any case and names the source of a bad one', () => {
  assert.equal(parseLang('EN', 'x'), 'en');
  assert.equal(parseLang(' pt ', 'x'), 'pt');
  assert.throws(() => parseLang('de', 'data/train.jsonl:3'), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.match(e.message, /data\/train\.jsonl:3: unknown language "de"/);
    return true;
  });
});

test('an unknown language is quoted only when it looks like a code: text in the field is never echoed', () => {
  assert.equal(unknownLangProblem('de'), 'unknown language "de"');
  assert.equal(unknownLangProblem(' pt-BR '), 'unknown language "pt-BR"');
  assert.equal(unknownLangProblem('The patient presented with fever'), 'is not a language code (a text of 32 characters)');
  assert.equal(unknownLangProblem('Patient'), 'is not a language code (a text of 7 characters)');
  assert.throws(() => parseLang('Fièvre aiguë', 'x.jsonl:2'), (e: unknown) => e instanceof InputError && e.message === 'x.jsonl:2: is not a language code (a text of 12 characters) (use one of en, es, fr, pt)');
});

test('langFromFileName reads both MultiClinSum naming schemes, folders and plain names', () => {
  assert.equal(langFromFileName('multiclinsum_gs_en_12.txt'), 'en');
  assert.equal(langFromFileName('multiclinsum_gs_es_12_sum.txt'), 'es');
  assert.equal(langFromFileName('multiclinsum_test_12_fr.txt'), 'fr');
  assert.equal(langFromFileName('multiclinsum_test_12_pt_sum.txt'), 'pt');
  assert.equal(langFromFileName('multiclinsum_ls_es_3.txt'), 'es');
  assert.equal(langFromFileName('/x/multiclinsum_gs_train_en/'), 'en');
  assert.equal(langFromFileName('multiclinsum_large-scale_train_pt'), 'pt');
  assert.equal(langFromFileName('train_es.jsonl.gz'), 'es');
  assert.equal(langFromFileName('fr.json'), 'fr');
  assert.equal(langFromFileName('train.jsonl'), undefined);
  assert.throws(() => langFromFileName('multiclinsum_gs_de_4.txt'), /multiclinsum_gs_de_4\.txt: unknown language "de"/);
  assert.throws(() => langFromFileName('en_es.jsonl'), /names two languages/);
});

const SENTENCES: Record<Lang, string[]> = {
  en: [
    'A 54-year-old woman was admitted with fever and severe abdominal pain after surgery.',
    'The chest radiograph showed a right pleural effusion, which resolved with antibiotics.',
    'He underwent resection of the tumour and remained free of recurrence at follow-up.',
  ],
  es: [
    'Mujer de 54 años que ingresó por fiebre y dolor abdominal intenso tras la cirugía.',
    'La radiografía de tórax mostró un derrame pleural derecho que se resolvió con antibióticos.',
    'Se realizó la resección del tumor y el paciente no presentó recidiva durante el seguimiento.',
  ],
  fr: [
    "Une femme de 54 ans a été hospitalisée pour une fièvre et une douleur abdominale sévère après l'opération.",
    "La radiographie thoracique a montré un épanchement pleural droit, résolu sous antibiothérapie.",
    "Il a bénéficié d'une résection de la tumeur et n'avait pas de récidive lors du suivi.",
  ],
  pt: [
    'Mulher de 54 anos internada por febre e dor abdominal intensa após a cirurgia.',
    'A radiografia de tórax mostrou um derrame pleural à direita, que se resolveu com antibióticos.',
    'Foi submetido à ressecção do tumor e não apresentou recidiva durante o seguimento.',
  ],
};

test('detectLanguage recognizes short accented clinical sentences in en/es/fr/pt', () => {
  for (const [lang, list] of Object.entries(SENTENCES) as [Lang, string[]][]) {
    for (const s of list) {
      const g = detectLanguage(s);
      assert.equal(g.lang, lang, `${lang}: ${s} → ${JSON.stringify(g.scores)}`);
      assert.ok(g.confidence > 0.2, `${lang} confidence ${g.confidence} for: ${s}`);
    }
    const all = detectLanguage(list.join(' '));
    assert.equal(all.lang, lang);
    assert.ok(all.confidence > 0.4, `${lang} paragraph confidence ${all.confidence}`);
  }
});

test('detectLanguage is unsure on text with no evidence, and deterministic', () => {
  assert.deepEqual(detectLanguage(''), { lang: undefined, confidence: 0, scores: { en: 0, es: 0, fr: 0, pt: 0 } });
  assert.equal(detectLanguage('CT 12 mm; HbA1c 7.2 %').lang, undefined);
  const one = detectLanguage('the');
  assert.equal(one.lang, 'en');
  assert.ok(one.confidence < 0.2);
  assert.deepEqual(detectLanguage(SENTENCES.fr[0]!), detectLanguage(SENTENCES.fr[0]!));
  // Decomposed accents (NFD input) score like composed ones.
  assert.equal(detectLanguage(SENTENCES.pt[1]!.normalize('NFD')).lang, 'pt');
});
