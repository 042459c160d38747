/**
 * Character classes as Hugging Face tokenizers (Rust) and Python define them, for the
 * normalizers and pre-tokenizers of encoder tokenizers.
 */

/** Rust `char::is_whitespace`: the Unicode White_Space property. */
export const RUST_WHITESPACE = /\p{White_Space}/u;

/** BertNormalizer's "control" characters: Rust `is_other()` (Cc, Cf, Co), except \t \n \r. */
const BERT_CONTROL = /[\p{Cc}\p{Cf}\p{Co}]/u;

export function isBertWhitespace(c: string): boolean {
  return c === '\t' || c === '\n' || c === '\r' || RUST_WHITESPACE.test(c);
}

export function isBertControl(c: string): boolean {
  if (c === '\t' || c === '\n' || c === '\r') return false;
  return BERT_CONTROL.test(c);
}

/** BertNormalizer's "Chinese character": the CJK ideograph blocks it surrounds with spaces. */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

const UNICODE_PUNCTUATION = /\p{P}/u;

/** BertPreTokenizer's punctuation: ASCII punctuation or a Unicode P* character. */
export function isBertPunctuation(c: string): boolean {
  const cp = c.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return UNICODE_PUNCTUATION.test(c);
}

/** Lower-case one character at a time, as Rust's `char::to_lowercase` (no final-sigma rule). */
export function lowercaseChars(s: string): string {
  let out = '';
  for (const c of s) out += c.toLowerCase();
  return out;
}

/**
 * Python's `str.strip()`: removes the characters for which `str.isspace()` is true (White_Space
 * plus the separators U+001C..U+001F), which is what bert_score strips texts with.
 */
export function pythonStrip(s: string): string {
  return s.replace(/^[\p{White_Space}\u001c-\u001f]+|[\p{White_Space}\u001c-\u001f]+$/gu, '');
}
