/**
 * The two ROUGE tokenizers.
 *
 * `reference` is rouge-score 0.1.2's default tokenizer (tokenize.py), the one behind every
 * published ROUGE number: lower-case the text (Unicode lower-casing, as Python's `str.lower`),
 * turn every run of characters outside `[a-z0-9]` into a space, split on white space, stem the
 * tokens longer than 3 characters when a stemmer is given, and keep the non-empty tokens. Every
 * letter outside ASCII is a separator, so "fièvre" becomes "fi" + "vre" and Cyrillic or CJK text
 * has no tokens at all.
 *
 * `unicode` is clinsum's multilingual tokenizer; its numbers are NOT comparable with the
 * official ones. NFC-normalize, lower-case, NFC again (lower-casing can decompose), then a token
 * is a run of letters and digits of any script (`\p{L}`, `\p{N}`) together with the combining
 * marks that follow them (`\p{M}`, so that Devanagari or Thai vowel signs stay in their word);
 * Han, Hiragana and Katakana characters, written without spaces, are one token each. The
 * stemmer, when given, again applies only to tokens longer than 3 characters (code points), as
 * in rouge-score.
 */
import { codePointLength } from '../../../util/text.js';

export { codePointLength };

export type TokenizerName = 'reference' | 'unicode';

export const TOKENIZERS: readonly TokenizerName[] = Object.freeze(['reference', 'unicode']);

/** A stemmer maps a lower-case token to its stem. */
export type Stem = (token: string) => string;

/** The raw tokens of rouge-score's default tokenizer, before stemming. */
export function referenceTokens(text: string): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push(lower.slice(start, i));
      start = -1;
    }
  }
  if (start >= 0) out.push(lower.slice(start));
  return out;
}

const NO_SPACE_SCRIPTS = '\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}';
const UNICODE_TOKEN = new RegExp(
  `[${NO_SPACE_SCRIPTS}]\\p{M}*|(?:(?![${NO_SPACE_SCRIPTS}])[\\p{L}\\p{N}])(?:(?![${NO_SPACE_SCRIPTS}])[\\p{L}\\p{N}\\p{M}])*`,
  'gu',
);

/** The raw tokens of the multilingual tokenizer, before stemming. */
export function unicodeTokens(text: string): string[] {
  const norm = text.normalize('NFC').toLowerCase().normalize('NFC');
  return norm.match(UNICODE_TOKEN) ?? [];
}

/** rouge-score's stemming rule: only tokens longer than 3 characters are stemmed. */
export function stemToken(token: string, stem: Stem | undefined): string {
  return stem !== undefined && codePointLength(token) > 3 ? stem(token) : token;
}

/**
 * Tokenize `text` with the named tokenizer and optional stemmer. With `reference` and
 * `porterStem` this is exactly rouge-score's `tokenize.tokenize(text, PorterStemmer())`.
 */
export function tokenize(text: string, tokenizer: TokenizerName, stem?: Stem): string[] {
  const raw = tokenizer === 'reference' ? referenceTokens(text) : unicodeTokens(text);
  if (stem === undefined) return raw;
  // rouge-score drops tokens that are no longer `^[a-z0-9]+$` after stemming; a stem of a
  // non-empty token is never empty, and stays inside the token's alphabet, so only empties go.
  return raw.map((t) => stemToken(t, stem)).filter((t) => t.length > 0);
}
