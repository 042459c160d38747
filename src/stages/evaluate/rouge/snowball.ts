/**
 * Snowball stemmers for the multilingual tokenizer (`--tokenizer unicode --stemmer`), from the
 * `snowball-stemmers` npm package, for the MultiClinSum languages: en, es, fr, pt. Checked
 * against NLTK 3.8's SnowballStemmer (see rouge/snowball.test.ts and docs/evaluation.md).
 */
import snowball from 'snowball-stemmers';
import type { Stem } from './tokenize.js';

const ALGORITHMS: Readonly<Record<string, string>> = Object.freeze({
  en: 'english',
  es: 'spanish',
  fr: 'french',
  pt: 'portuguese',
});

/** Language codes that have a Snowball stemmer here. */
export const SNOWBALL_LANGUAGES: readonly string[] = Object.freeze(Object.keys(ALGORITHMS));

/** The primary subtag of a language code, lower-cased: `pt-BR` → `pt`. */
export function primaryLanguage(lang: string): string {
  return lang.trim().toLowerCase().split(/[-_]/)[0] ?? '';
}

/**
 * A memoizing Snowball stemmer for `lang` (`en`, `es`, `fr`, `pt`, or a code whose primary
 * subtag is one of them), or undefined when there is none for that language.
 */
export function snowballStemmer(lang: string): Stem | undefined {
  const algorithm = ALGORITHMS[primaryLanguage(lang)];
  if (algorithm === undefined) return undefined;
  const stemmer = snowball.newStemmer(algorithm);
  const cache = new Map<string, string>();
  return (token: string): string => {
    let s = cache.get(token);
    if (s === undefined) {
      s = stemmer.stem(token);
      cache.set(token, s);
    }
    return s;
  };
}
