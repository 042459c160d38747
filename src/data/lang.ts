/**
 * Languages of MultiClinSum: English, Spanish, French, Portuguese. A code outside this set is
 * an input error that names where it came from; nothing falls back to a default language.
 *
 * `detectLanguage` is a small deterministic detector for these four languages (function words
 * plus word endings and letters typical of each), used to flag teacher answers written in
 * another language than their report and to pick the prompt language in the web page.
 */
import { InputError } from '../util/errors.js';

export type Lang = 'en' | 'es' | 'fr' | 'pt';

/** The supported languages, in a fixed order (the order of per-language outputs). */
export const LANGS: readonly Lang[] = Object.freeze(['en', 'es', 'fr', 'pt']);

export const LANG_NAMES: Readonly<Record<Lang, string>> = Object.freeze({
  en: 'English',
  es: 'Spanish',
  fr: 'French',
  pt: 'Portuguese',
});

export function isLang(s: string): s is Lang {
  return s === 'en' || s === 'es' || s === 'fr' || s === 'pt';
}

/**
 * Parse a language code (case-insensitive, surrounding white space ignored). `where` names the
 * source (a file, `--lang`, a JSONL line) for the error message.
 */
export function parseLang(s: string, where: string): Lang {
  const v = s.trim().toLowerCase();
  if (isLang(v)) return v;
  throw new InputError({ file: where }, unknownLangProblem(s), `use one of ${LANGS.join(', ')}`);
}

/**
 * Whether `s` is shaped like a BCP 47 language tag (`de`, `pt-BR`, `zh_Hant_TW`): a 2–3 letter
 * primary subtag and at most two more. Evaluation accepts any such code (ROUGE and BERTScore
 * need no language of clinsum's); text in a `lang` field is not.
 */
export function isLanguageCode(s: string): boolean {
  return /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,2}$/.test(s.trim());
}

/**
 * How an error describes a `lang` value that is not one of `LANGS`. A value shaped like a
 * language code (`de`, `pt-BR`) is quoted; anything else may be clinical text put in the wrong
 * field, so only its length is said.
 */
export function unknownLangProblem(s: string): string {
  const v = s.trim();
  if (isLanguageCode(v)) return `unknown language "${v}"`;
  return `is not a language code (a text of ${[...v].length} characters)`;
}

// MultiClinSum's two naming schemes (the language sits in a different place) and its folders:
//   multiclinsum_gs_en_12.txt, multiclinsum_ls_es_7_sum.txt, multiclinsum_test_12_en_sum.txt,
//   multiclinsum_gs_train_en, multiclinsum_large-scale_train_es.
const MCS_SET_LANG_N = /^multiclinsum_[a-z0-9-]+?_([a-z]{2})_\d+(?:_sum)?(?:\.txt)?$/i;
const MCS_SET_N_LANG = /^multiclinsum_[a-z0-9-]+?_\d+_([a-z]{2})(?:_sum)?(?:\.txt)?$/i;
const MCS_FOLDER = /^multiclinsum_[a-z0-9_-]+?_([a-z]{2})$/i;

/**
 * The language a file or folder name states, or undefined when it states none. MultiClinSum
 * names (`multiclinsum_gs_en_1.txt`, `multiclinsum_test_1_en_sum.txt`, `multiclinsum_gs_train_en`)
 * always carry a code, and an unsupported one (`multiclinsum_gs_de_1.txt`) is an InputError.
 * Other names (`train_es.jsonl`, `fr.jsonl.gz`, `data.pt.json`) give a language when one of
 * their `_`/`-`/`.`-separated parts is a supported code, else undefined.
 * Only the last path component is looked at.
 */
export function langFromFileName(name: string): Lang | undefined {
  const base = name.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  const m = MCS_SET_LANG_N.exec(base) ?? MCS_SET_N_LANG.exec(base) ?? MCS_FOLDER.exec(base);
  if (m) return parseLang(m[1]!, name);
  const stem = base.replace(/\.gz$/i, '').replace(/\.(jsonl|json|txt)$/i, '');
  let found: Lang | undefined;
  for (const part of stem.toLowerCase().split(/[_.-]+/)) {
    if (isLang(part)) {
      if (found !== undefined && found !== part) {
        throw new InputError({ file: name }, `names two languages (${found} and ${part})`, 'rename the file or pass --lang');
      }
      found = part;
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Detection

/**
 * Function words, each listed under every language it is common in. A word shared by several
 * languages adds to each of them, so only the words that tell the languages apart decide.
 */
const WORDS: Readonly<Record<Lang, readonly string[]>> = {
  en: [
    'the', 'and', 'of', 'to', 'in', 'with', 'was', 'were', 'is', 'are', 'for', 'on', 'at', 'by',
    'from', 'an', 'this', 'that', 'which', 'after', 'he', 'she', 'his', 'her', 'had', 'has', 'have',
    'been', 'be', 'not', 'or', 'no', 'into', 'due', 'also', 'we', 'there', 'their', 'who', 'showed',
    'revealed', 'patient', 'years', 'old', 'year', 'without', 'during', 'than', 'but', 'it', 'its',
    'as', 'a', 'admitted', 'underwent', 'history', 'treatment', 'left', 'right', 'pain', 'day', 'days',
  ],
  es: [
    'el', 'la', 'los', 'las', 'de', 'del', 'y', 'en', 'con', 'que', 'se', 'por', 'para', 'una', 'un',
    'fue', 'es', 'al', 'como', 'sin', 'su', 'sus', 'más', 'pero', 'lo', 'le', 'presentó', 'años',
    'tras', 'durante', 'tiene', 'mediante', 'donde', 'también', 'entre', 'paciente', 'hasta', 'desde',
    'muy', 'este', 'esta', 'estos', 'se', 'mujer', 'varón', 'hombre', 'dolor', 'días', 'izquierdo',
    'derecho', 'izquierda', 'derecha', 'tratamiento', 'ingresó', 'realizó', 'mostró', 'o', 'e', 'u',
    'no', 'ni', 'ha', 'han', 'fueron', 'estaba', 'edad', 'meses', 'cual',
  ],
  fr: [
    'le', 'la', 'les', 'de', 'des', 'du', 'et', 'en', 'avec', 'que', 'qui', 'est', 'une', 'un', 'dans',
    'pour', 'par', 'sur', 'pas', 'au', 'aux', 'ans', 'été', 'il', 'elle', 'a', 'était', 'sans', 'ou',
    'après', 'ont', 'son', 'sa', 'ses', 'ce', 'cette', 'ces', 'ne', 'se', 'lors', 'chez', 'mais',
    'patient', 'patiente', 'femme', 'homme', 'douleur', 'jours', 'gauche', 'droite', 'droit',
    'traitement', 'âgé', 'âgée', 'mois', 'l', 'd', 'qu', 'n', 'y', 'puis', 'avait',
  ],
  pt: [
    'o', 'a', 'os', 'as', 'de', 'do', 'da', 'dos', 'das', 'e', 'em', 'com', 'que', 'para', 'por',
    'uma', 'um', 'no', 'na', 'nos', 'nas', 'foi', 'é', 'ao', 'aos', 'não', 'sem', 'como', 'seu', 'sua',
    'após', 'apresentou', 'anos', 'se', 'mas', 'ou', 'pelo', 'pela', 'foram', 'tinha', 'está', 'estava',
    'durante', 'entre', 'até', 'desde', 'paciente', 'mulher', 'homem', 'dor', 'dias', 'esquerdo',
    'direito', 'esquerda', 'direita', 'tratamento', 'meses', 'idade', 'também', 'muito', 'já', 'num',
    'numa', 'à', 'às', 'lhe', 'este', 'esta', 'isso',
  ],
};

/** Word endings (at least 3 letters before them) typical of each language, with weights. */
const ENDINGS: Readonly<Record<Lang, readonly (readonly [string, number])[]>> = {
  en: [['ing', 1], ['ed', 0.5], ['ly', 0.7], ['tion', 0.3], ['ness', 1], ['ity', 0.5], ['ous', 0.7], ['ful', 1]],
  es: [['ción', 1.5], ['ciones', 1.5], ['mente', 0.5], ['ado', 0.5], ['ada', 0.5], ['idad', 1], ['ando', 0.7], ['iendo', 1], ['ología', 0.5], ['ía', 0.3]],
  fr: [['tion', 0.3], ['ment', 0.5], ['eux', 1], ['euse', 1], ['ée', 1], ['ées', 1], ['és', 0.7], ['ité', 1], ['aire', 0.5], ['ique', 0.7], ['ait', 1], ['aient', 1.5], ['ologie', 0.5]],
  pt: [['ção', 2], ['ções', 2], ['mente', 0.5], ['ado', 0.5], ['ada', 0.5], ['idade', 1], ['ando', 0.7], ['endo', 0.5], ['ão', 1.5], ['ões', 1.5], ['logia', 0.5], ['ia', 0.2]],
};

/** Letters (and punctuation) that only some of the languages use, with weights. */
const LETTERS: Readonly<Record<Lang, readonly (readonly [string, number])[]>> = {
  en: [],
  es: [['ñ', 1.5], ['¿', 2], ['¡', 2], ['ó', 0.3], ['í', 0.3], ['á', 0.2], ['ú', 0.2]],
  fr: [['è', 1], ['ê', 0.5], ['à', 0.3], ['ù', 1.5], ['û', 1.5], ['î', 1.5], ['ï', 1.5], ['œ', 2], ['ç', 0.3], ['ë', 1], ['é', 0.2]],
  pt: [['ã', 1.5], ['õ', 1.5], ['ç', 0.5], ['ê', 0.3], ['ô', 0.5], ['à', 0.2], ['á', 0.2], ['é', 0.2], ['í', 0.1], ['ó', 0.1], ['ú', 0.1]],
};

const wordSets: Readonly<Record<Lang, ReadonlySet<string>>> = {
  en: new Set(WORDS.en),
  es: new Set(WORDS.es),
  fr: new Set(WORDS.fr),
  pt: new Set(WORDS.pt),
};

export interface LanguageGuess {
  /** The most likely language, or undefined when the text gives too little evidence or a tie. */
  lang: Lang | undefined;
  /** In [0, 1]: how far ahead of the runner-up the guess is, scaled down for little evidence. */
  confidence: number;
  /** Raw score per language (for diagnostics). */
  scores: Record<Lang, number>;
}

/** Texts longer than this are judged on their first `DETECT_MAX_CHARS` characters. */
export const DETECT_MAX_CHARS = 4000;

/**
 * Guess whether `text` is English, Spanish, French or Portuguese. Deterministic and
 * dependency-free. Scoring, per language: +1 for each word (lower-cased, NFC, split on anything
 * that is not a letter) found in its function-word list; plus the weight of the ending for each
 * word of at least 3 + ending letters that ends in one of its typical endings (the longest
 * matching ending counts); plus the weight of each of its typical letters. The best score s1 wins
 * if s1 ≥ 1 and it is strictly above the runner-up s2; confidence = (s1 − s2) / s1 × min(1, s1 / 6),
 * so one function word alone never gives a confident answer.
 */
export function detectLanguage(text: string): LanguageGuess {
  const t = text.slice(0, DETECT_MAX_CHARS).normalize('NFC').toLowerCase();
  const scores: Record<Lang, number> = { en: 0, es: 0, fr: 0, pt: 0 };
  for (const word of t.split(/[^\p{L}]+/u)) {
    if (word === '') continue;
    for (const l of LANGS) {
      if (wordSets[l].has(word)) scores[l] += 1;
      let best = 0;
      let bestLen = 0;
      for (const [end, w] of ENDINGS[l]) {
        if (end.length > bestLen && word.length >= end.length + 3 && word.endsWith(end)) {
          best = w;
          bestLen = end.length;
        }
      }
      scores[l] += best;
    }
  }
  for (const ch of t) {
    for (const l of LANGS) {
      for (const [c, w] of LETTERS[l]) if (c === ch) scores[l] += w;
    }
  }
  const ranked = [...LANGS].sort((a, b) => scores[b] - scores[a] || LANGS.indexOf(a) - LANGS.indexOf(b));
  const s1 = scores[ranked[0]!];
  const s2 = scores[ranked[1]!];
  if (s1 < 1 || s1 === s2) return { lang: undefined, confidence: 0, scores };
  const confidence = ((s1 - s2) / s1) * Math.min(1, s1 / 6);
  return { lang: ranked[0], confidence, scores };
}
