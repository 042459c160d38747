/**
 * The pre-tokenizers of a `tokenizer.json` that BERT-family tokenizers use, as Hugging Face
 * tokenizers applies them: BertPreTokenizer, ByteLevel (RoBERTa; words are left as text, the BPE
 * model maps their bytes), Metaspace (SentencePiece), WhitespaceSplit, Whitespace, and Sequence.
 */
import { GPT2_PATTERN, RegexSplitter } from '../tokenizer/pretokenize.js';
import { UnsupportedComponent, type Component } from './normalizers.js';
import { RUST_WHITESPACE, isBertPunctuation } from './text.js';

/** Words of one stretch of text between added tokens; `first`: the stretch starts the input. */
export type PreTokenizer = (text: string, first: boolean) => string[];

/** Split on white space (dropped) and isolate every punctuation character. */
export function bertPreTokenize(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  for (const c of text) {
    if (RUST_WHITESPACE.test(c)) {
      if (cur) words.push(cur);
      cur = '';
    } else if (isBertPunctuation(c)) {
      if (cur) words.push(cur);
      words.push(c);
      cur = '';
    } else cur += c;
  }
  if (cur) words.push(cur);
  return words;
}

function whitespaceSplit(text: string): string[] {
  return text.split(/\p{White_Space}+/u).filter((w) => w.length > 0);
}

/** `\w+|[^\w\s]+` with Rust regex's Unicode classes. */
const WHITESPACE_WORDS = /[\p{L}\p{N}\p{M}\p{Pc}]+|[^\p{L}\p{N}\p{M}\p{Pc}\p{White_Space}]+/gu;

/** Split so that each piece starts at a `delim` (MergedWithNext); text before the first is a piece too. */
function splitMergedWithNext(text: string, delim: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = text.indexOf(delim, 1); i >= 0; i = text.indexOf(delim, i + delim.length)) {
    if (i > start) out.push(text.slice(start, i));
    start = i;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

function bool(c: Component, name: string, fallback: boolean): boolean {
  const v = c[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new UnsupportedComponent(`${c.type}.${name} must be true or false`);
  return v;
}

export interface PreTokenizerInfo {
  run: PreTokenizer;
  /** The pipeline ends in ByteLevel: its words are raw text for a byte-level BPE model. */
  byteLevel: boolean;
}

export function createPreTokenizer(c: Component | null | undefined): PreTokenizerInfo {
  if (c === null || c === undefined) return { run: (t) => (t.length > 0 ? [t] : []), byteLevel: false };
  switch (c.type) {
    case 'BertPreTokenizer':
      return { run: bertPreTokenize, byteLevel: false };
    case 'WhitespaceSplit':
      return { run: whitespaceSplit, byteLevel: false };
    case 'Whitespace':
      return { run: (t) => t.match(WHITESPACE_WORDS) ?? [], byteLevel: false };
    case 'ByteLevel': {
      const prefixSpace = bool(c, 'add_prefix_space', true);
      const splitter = bool(c, 'use_regex', true) ? new RegexSplitter(GPT2_PATTERN) : undefined;
      return {
        byteLevel: true,
        run: (text) => {
          const t = prefixSpace && !text.startsWith(' ') ? ` ${text}` : text;
          if (splitter === undefined) return t.length > 0 ? [t] : [];
          const words: string[] = [];
          splitter.split(t, (w) => words.push(w));
          return words;
        },
      };
    }
    case 'Metaspace': {
      const replacement = typeof c.replacement === 'string' ? c.replacement : '▁';
      if (Array.from(replacement).length !== 1) throw new UnsupportedComponent('Metaspace.replacement must be one character');
      let scheme: string;
      if (typeof c.prepend_scheme === 'string') scheme = c.prepend_scheme;
      else scheme = bool(c, 'add_prefix_space', true) ? 'always' : 'never';
      if (scheme !== 'always' && scheme !== 'first' && scheme !== 'never') throw new UnsupportedComponent(`Metaspace.prepend_scheme ${scheme}`);
      const split = bool(c, 'split', true);
      return {
        byteLevel: false,
        run: (text, first) => {
          let t = text.replaceAll(' ', replacement);
          if ((scheme === 'always' || (scheme === 'first' && first)) && !t.startsWith(replacement)) t = replacement + t;
          if (t.length === 0) return [];
          return split ? splitMergedWithNext(t, replacement) : [t];
        },
      };
    }
    case 'Sequence': {
      const list = c.pretokenizers;
      if (!Array.isArray(list)) throw new UnsupportedComponent('Sequence.pretokenizers must be a list');
      const steps = list.map((x) => createPreTokenizer(x as Component));
      if (steps.slice(0, -1).some((s) => s.byteLevel)) throw new UnsupportedComponent('ByteLevel before other pre-tokenizers');
      return {
        byteLevel: steps.length > 0 && steps[steps.length - 1]!.byteLevel,
        run: (text, first) => {
          let words = [text];
          for (const s of steps) words = words.flatMap((w, i) => s.run(w, first && i === 0));
          return words;
        },
      };
    }
    default:
      throw new UnsupportedComponent(`pre_tokenizer ${c.type}`);
  }
}
