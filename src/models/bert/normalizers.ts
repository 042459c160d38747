/**
 * The normalizers of a `tokenizer.json` that BERT-family tokenizers use, as Hugging Face
 * tokenizers applies them: BertNormalizer, the Unicode forms, Lowercase, Strip, StripAccents,
 * Replace, Prepend, Precompiled (SentencePiece), and Sequence of these.
 */
import { toJsPattern } from '../tokenizer/pretokenize.js';
import { PrecompiledCharsmap } from './precompiled.js';
import { RUST_WHITESPACE, isBertControl, isBertWhitespace, isChineseChar, lowercaseChars } from './text.js';

export type Normalizer = (text: string) => string;

/** A component of tokenizer.json: `type` plus its fields. */
export type Component = { type: string } & Record<string, unknown>;

/** Thrown for a component clinsum does not implement; the loader turns it into a ConfigError. */
export class UnsupportedComponent extends Error {}

function stripMarks(s: string): string {
  return s.normalize('NFD').replace(/\p{Mn}/gu, '');
}

/** BertNormalizer: clean text, space out CJK ideographs, strip accents (default: when lower-casing), lower-case. */
export function bertNormalizer(opts: { cleanText: boolean; handleChineseChars: boolean; stripAccents: boolean | null; lowercase: boolean }): Normalizer {
  const stripAccents = opts.stripAccents ?? opts.lowercase;
  return (text) => {
    let s = text;
    if (opts.cleanText || opts.handleChineseChars) {
      let out = '';
      for (const c of s) {
        const cp = c.codePointAt(0)!;
        if (opts.cleanText) {
          if (cp === 0 || cp === 0xfffd || isBertControl(c)) continue;
          if (isBertWhitespace(c)) {
            out += ' ';
            continue;
          }
        }
        out += opts.handleChineseChars && isChineseChar(cp) ? ` ${c} ` : c;
      }
      s = out;
    }
    if (stripAccents) s = stripMarks(s);
    if (opts.lowercase) s = lowercaseChars(s);
    return s;
  };
}

function bool(c: Component, name: string, fallback: boolean): boolean {
  const v = c[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new UnsupportedComponent(`${c.type}.${name} must be true or false`);
  return v;
}

function str(c: Component, name: string): string {
  const v = c[name];
  if (typeof v !== 'string') throw new UnsupportedComponent(`${c.type}.${name} must be a string`);
  return v;
}

/** `{String: "x"}` or `{Regex: "..."}` as a global JavaScript RegExp. */
export function patternOf(c: Component, name = 'pattern'): RegExp {
  const p = c[name] as { String?: unknown; Regex?: unknown } | undefined;
  if (p && typeof p.String === 'string') return new RegExp(p.String.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu');
  if (p && typeof p.Regex === 'string') return new RegExp(toJsPattern(p.Regex), 'gu');
  throw new UnsupportedComponent(`${c.type}.${name} must be {"String": ...} or {"Regex": ...}`);
}

function stripWhitespace(s: string, left: boolean, right: boolean): string {
  const chars = Array.from(s);
  let a = 0;
  let b = chars.length;
  if (left) while (a < b && RUST_WHITESPACE.test(chars[a]!)) a++;
  if (right) while (b > a && RUST_WHITESPACE.test(chars[b - 1]!)) b--;
  return chars.slice(a, b).join('');
}

/** The normalizer of a tokenizer.json component (null: none). */
export function createNormalizer(c: Component | null | undefined): Normalizer {
  if (c === null || c === undefined) return (s) => s;
  switch (c.type) {
    case 'BertNormalizer': {
      const sa = c.strip_accents;
      if (sa !== undefined && sa !== null && typeof sa !== 'boolean') throw new UnsupportedComponent('BertNormalizer.strip_accents must be true, false or null');
      return bertNormalizer({
        cleanText: bool(c, 'clean_text', true),
        handleChineseChars: bool(c, 'handle_chinese_chars', true),
        stripAccents: (sa as boolean | null | undefined) ?? null,
        lowercase: bool(c, 'lowercase', true),
      });
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = c.type;
      return (s) => s.normalize(form);
    }
    case 'Lowercase':
      return lowercaseChars;
    case 'StripAccents':
      return (s) => s.replace(/\p{Mn}/gu, '');
    case 'Strip': {
      const left = bool(c, 'strip_left', true);
      const right = bool(c, 'strip_right', true);
      return (s) => stripWhitespace(s, left, right);
    }
    case 'Replace': {
      const re = patternOf(c);
      const content = str(c, 'content');
      return (s) => s.replace(re, () => content);
    }
    case 'Prepend': {
      const prepend = str(c, 'prepend');
      return (s) => (s.length > 0 ? prepend + s : s);
    }
    case 'Precompiled': {
      const b64 = c.precompiled_charsmap;
      if (b64 === null || b64 === undefined || b64 === '') return (s) => s;
      if (typeof b64 !== 'string') throw new UnsupportedComponent('Precompiled.precompiled_charsmap must be a base64 string');
      let map: PrecompiledCharsmap;
      try {
        map = new PrecompiledCharsmap(Buffer.from(b64, 'base64'));
      } catch (e) {
        throw new UnsupportedComponent(`Precompiled: ${(e as Error).message}`);
      }
      return (s) => map.normalize(s);
    }
    case 'Sequence': {
      const list = c.normalizers;
      if (!Array.isArray(list)) throw new UnsupportedComponent('Sequence.normalizers must be a list');
      const steps = list.map((x) => createNormalizer(x as Component));
      return (s) => steps.reduce((acc, f) => f(acc), s);
    }
    default:
      throw new UnsupportedComponent(`normalizer ${c.type}`);
  }
}
