/**
 * Tokenizers of BERT-family encoders read from a Hugging Face `tokenizer.json` (+
 * `tokenizer_config.json`), giving the ids of the `tokenizers` library for the components these
 * models use:
 *
 * | model | normalizer | pre-tokenizer | model | post-processor |
 * | --- | --- | --- | --- | --- |
 * | BERT, DistilBERT | BertNormalizer | BertPreTokenizer | WordPiece | BertProcessing / TemplateProcessing |
 * | RoBERTa | none | ByteLevel | BPE (byte-level, shared with the Qwen tokenizer: ../tokenizer/bpe.ts) | RobertaProcessing |
 * | XLM-RoBERTa | Precompiled (+ Replace, Strip) | Metaspace (+ WhitespaceSplit) | Unigram | TemplateProcessing |
 *
 * Encoding: the text is split at added tokens (leftmost, longest first; `lstrip`/`rstrip`
 * absorb the white space beside them); each stretch between them is normalized,
 * pre-tokenized into words, and each word encoded by the model. Anything else is a ConfigError
 * naming the component.
 */
import { join } from 'node:path';
import { ClinsumError, ConfigError, InputError } from '../../util/errors.js';
import { parseWith, z } from '../../util/schema.js';
import { readJsonFile, readOptionalJson } from '../hf/config.js';
import { addedContents, addedTokensRegExp, type AddedToken } from '../tokenizer/added.js';
import { BytePairEncoder } from '../tokenizer/bpe.js';
import { createNormalizer, UnsupportedComponent, type Component, type Normalizer } from './normalizers.js';
import { createPreTokenizer, type PreTokenizer } from './pretokenizers.js';
import { RUST_WHITESPACE } from './text.js';
import { Unigram } from './unigram.js';
import { WordPiece } from './wordpiece.js';

const component = z.looseObject({ type: z.string() });

const tokenizerJsonSchema = z.looseObject({
  added_tokens: z
    .array(
      z.looseObject({
        id: z.number().int().nonnegative(),
        content: z.string().min(1),
        special: z.boolean().default(false),
        lstrip: z.boolean().default(false),
        rstrip: z.boolean().default(false),
      }),
    )
    .default([]),
  normalizer: component.nullable().optional(),
  pre_tokenizer: component.nullable().optional(),
  post_processor: component.nullable().optional(),
  model: z.looseObject({ type: z.string().optional() }),
});

const tokenSpec = z.union([z.string(), z.looseObject({ content: z.string() })]).nullable().optional();
const tokenizerConfigSchema = z.looseObject({
  model_max_length: z.number().optional(),
  cls_token: tokenSpec,
  sep_token: tokenSpec,
  pad_token: tokenSpec,
  unk_token: tokenSpec,
});

function content(t: z.output<typeof tokenSpec>): string | undefined {
  if (t === null || t === undefined) return undefined;
  return typeof t === 'string' ? t : t.content;
}

export type TokenizerModelKind = 'wordpiece' | 'bpe' | 'unigram';

/** Where `encodeForModel` cut a text, and how long it was. */
export interface EncodedText {
  /** Ids with the special tokens, at most `maxLength` of them. */
  ids: number[];
  /** Token count with special tokens before truncation. */
  fullLength: number;
  truncated: boolean;
}

export class EncoderTokenizer {
  readonly kind: TokenizerModelKind;
  /** Number of ids (vocabulary and added tokens). */
  readonly vocabSize: number;
  /** Ids the post-processor puts before and after a single sequence ([CLS] / [SEP], <s> / </s>). */
  readonly prefixIds: readonly number[];
  readonly suffixIds: readonly number[];
  /** tokenizer.cls_token_id and sep_token_id (bert_score gives them idf weight 0). */
  readonly clsId: number | undefined;
  readonly sepId: number | undefined;
  readonly padId: number | undefined;
  /** `model_max_length` of tokenizer_config.json (absent, or transformers' "no limit" 1e30: undefined). */
  readonly modelMaxLength: number | undefined;

  private readonly normalize: Normalizer;
  private readonly preTokenize: PreTokenizer;
  private readonly encodeWord: (word: string, out: number[]) => void;
  private readonly vocab: Map<string, number>;
  private readonly added: AddedToken[];
  private readonly addedRe: RegExp | undefined;
  private readonly idToTokenTable: string[];

  /** Build from parsed `tokenizer.json` and `tokenizer_config.json` (`undefined` if absent); `where` names them in errors. */
  constructor(json: unknown, config: unknown, where: { json: string; config: string } = { json: 'tokenizer.json', config: 'tokenizer_config.json' }) {
    const tj = parseWith(tokenizerJsonSchema, json, { file: where.json });
    const tc = parseWith(tokenizerConfigSchema, config ?? {}, { file: where.config });
    const wrap = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        if (e instanceof UnsupportedComponent) {
          throw new ConfigError(`${where.json}: ${e.message} is not supported (clinsum reads the WordPiece, byte-level BPE and Unigram tokenizers of BERT, DistilBERT, RoBERTa and XLM-RoBERTa)`);
        }
        if (e instanceof Error && !(e instanceof ClinsumError)) throw new ConfigError(`${where.json}: ${e.message}`);
        throw e;
      }
    };

    const m = tj.model as Component & { type?: string };
    const type = m.type ?? (Array.isArray(m.vocab) ? 'Unigram' : typeof m.continuing_subword_prefix === 'string' && !('merges' in m) ? 'WordPiece' : 'BPE');
    const pre = wrap(() => createPreTokenizer(tj.pre_tokenizer as Component | null | undefined));
    this.normalize = wrap(() => createNormalizer(tj.normalizer as Component | null | undefined));
    this.preTokenize = pre.run;

    if (type === 'WordPiece') {
      const wp = parseWith(
        z.looseObject({
          vocab: z.record(z.string(), z.number().int().nonnegative()),
          unk_token: z.string(),
          continuing_subword_prefix: z.string().default('##'),
          max_input_chars_per_word: z.number().int().positive().default(100),
        }),
        m,
        { file: where.json, field: 'model' },
      );
      this.vocab = new Map(Object.entries(wp.vocab));
      const unk = this.vocab.get(wp.unk_token);
      if (unk === undefined) throw new ConfigError(`${where.json}: the WordPiece unk_token "${wp.unk_token}" is not in the vocabulary`);
      const model = new WordPiece(this.vocab, unk, wp.continuing_subword_prefix, wp.max_input_chars_per_word);
      this.encodeWord = (w, out) => model.encodeWord(w, out);
      this.kind = 'wordpiece';
    } else if (type === 'BPE') {
      const bp = parseWith(
        z.looseObject({
          vocab: z.record(z.string(), z.number().int().nonnegative()),
          merges: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])),
          dropout: z.number().nullable().optional(),
          continuing_subword_prefix: z.string().nullable().optional(),
          end_of_word_suffix: z.string().nullable().optional(),
          byte_fallback: z.boolean().optional(),
        }),
        m,
        { file: where.json, field: 'model' },
      );
      if (!pre.byteLevel) throw new ConfigError(`${where.json}: a BPE model without a ByteLevel pre-tokenizer is not supported (clinsum reads byte-level BPE such as RoBERTa's)`);
      if (bp.dropout || bp.byte_fallback || bp.continuing_subword_prefix || bp.end_of_word_suffix) {
        throw new ConfigError(`${where.json}: BPE dropout, byte_fallback or subword prefixes/suffixes are not supported`);
      }
      this.vocab = new Map(Object.entries(bp.vocab));
      const merges = bp.merges.map((x): [string, string] => {
        if (typeof x !== 'string') return x;
        const sp = x.indexOf(' ');
        return [x.slice(0, sp), x.slice(sp + 1)];
      });
      const model = wrap(() => new BytePairEncoder(this.vocab, merges));
      this.encodeWord = (w, out) => model.encodeWord(w, out);
      this.kind = 'bpe';
    } else if (type === 'Unigram') {
      const ug = parseWith(
        z.looseObject({
          vocab: z.array(z.tuple([z.string(), z.number()])),
          unk_id: z.number().int().nonnegative().nullable().optional(),
          byte_fallback: z.boolean().optional(),
        }),
        m,
        { file: where.json, field: 'model' },
      );
      if (ug.byte_fallback) throw new ConfigError(`${where.json}: Unigram byte_fallback is not supported`);
      if (ug.unk_id === null || ug.unk_id === undefined) throw new ConfigError(`${where.json}: the Unigram model has no unk_id`);
      this.vocab = new Map();
      ug.vocab.forEach(([piece], id) => {
        if (!this.vocab.has(piece)) this.vocab.set(piece, id);
      });
      const model = wrap(() => new Unigram(ug.vocab, ug.unk_id!));
      this.encodeWord = (w, out) => model.encodeWord(w, out);
      this.kind = 'unigram';
    } else {
      throw new ConfigError(`${where.json}: model type ${type} is not supported (clinsum reads WordPiece, byte-level BPE and Unigram)`);
    }

    // Added tokens: matched on the raw text, longest first.
    this.added = tj.added_tokens.map((t) => ({ id: t.id, content: t.content, special: t.special, lstrip: t.lstrip, rstrip: t.rstrip }));
    this.addedRe = addedTokensRegExp(addedContents(this.added), 'gu');

    let maxId = -1;
    for (const id of this.vocab.values()) maxId = Math.max(maxId, id);
    for (const t of this.added) maxId = Math.max(maxId, t.id);
    this.vocabSize = maxId + 1;
    this.idToTokenTable = new Array<string>(this.vocabSize);
    for (const [tok, id] of this.vocab) this.idToTokenTable[id] ??= tok;
    for (const t of this.added) this.idToTokenTable[t.id] = t.content;

    // Post-processor: the special tokens of a single sequence.
    const post = tj.post_processor as Component | null | undefined;
    const prefix: number[] = [];
    const suffix: number[] = [];
    const pairId = (v: unknown, name: string): number => {
      const r = parseWith(z.tuple([z.string(), z.number().int().nonnegative()]), v, { file: where.json, field: `post_processor.${name}` });
      return r[1];
    };
    if (post === null || post === undefined) {
      // none: a bare sequence
    } else if (post.type === 'BertProcessing' || post.type === 'RobertaProcessing') {
      prefix.push(pairId(post.cls, 'cls'));
      suffix.push(pairId(post.sep, 'sep'));
    } else if (post.type === 'TemplateProcessing') {
      const single = parseWith(z.array(z.looseObject({})), post.single, { file: where.json, field: 'post_processor.single' });
      const specials = (post.special_tokens ?? {}) as Record<string, { ids?: number[] }>;
      let seenA = false;
      for (const piece of single) {
        if ('Sequence' in piece) seenA = true;
        else if ('SpecialToken' in piece) {
          const name = parseWith(z.looseObject({ id: z.string() }), piece.SpecialToken, { file: where.json, field: 'post_processor.single' }).id;
          const ids = specials[name]?.ids ?? (this.tokenId(name) === undefined ? undefined : [this.tokenId(name)!]);
          if (ids === undefined) throw new ConfigError(`${where.json}: TemplateProcessing names the unknown token ${name}`);
          (seenA ? suffix : prefix).push(...ids);
        } else throw new ConfigError(`${where.json}: this TemplateProcessing piece is not supported`);
      }
    } else throw new ConfigError(`${where.json}: post_processor ${post.type} is not supported (clinsum reads BertProcessing, RobertaProcessing and TemplateProcessing)`);
    this.prefixIds = Object.freeze(prefix);
    this.suffixIds = Object.freeze(suffix);

    const need = (name: string, value: string | undefined): number | undefined => {
      if (value === undefined) return undefined;
      const id = this.tokenId(value);
      if (id === undefined) throw new ConfigError(`${where.config}: ${name} "${value}" is not a token of ${where.json}`);
      return id;
    };
    this.clsId = need('cls_token', content(tc.cls_token)) ?? prefix[0];
    this.sepId = need('sep_token', content(tc.sep_token)) ?? suffix[suffix.length - 1];
    this.padId = need('pad_token', content(tc.pad_token));
    const max = tc.model_max_length;
    this.modelMaxLength = max !== undefined && Number.isInteger(max) && max > 0 && max < 1e18 ? max : undefined;
  }

  /** The id of a token (vocabulary or added token), or undefined. */
  tokenId(token: string): number | undefined {
    return this.added.find((t) => t.content === token)?.id ?? this.vocab.get(token);
  }

  /** The token string of an id, or undefined. */
  idToToken(id: number): string | undefined {
    return this.idToTokenTable[id];
  }

  /** Token ids of `text` without special tokens: `tokenizers`' `encode(text, add_special_tokens=False).ids`. */
  encode(text: string): number[] {
    const out: number[] = [];
    const re = this.addedRe;
    let first = true;
    const ordinary = (s: string): void => {
      if (s.length === 0) return;
      for (const w of this.preTokenize(this.normalize(s), first)) this.encodeWord(w, out);
      first = false;
    };
    if (re === undefined) {
      ordinary(text);
      return out;
    }
    re.lastIndex = 0;
    let last = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const tok = this.added.find((t) => t.content === m![0])!;
      let start = m.index;
      let end = start + m[0].length;
      if (tok.lstrip) while (start > last && RUST_WHITESPACE.test(text[start - 1]!)) start--;
      if (tok.rstrip) while (end < text.length && RUST_WHITESPACE.test(text[end]!)) end++;
      ordinary(text.slice(last, start));
      out.push(tok.id);
      first = false;
      last = end;
      re.lastIndex = end;
    }
    ordinary(text.slice(last));
    return out;
  }

  /** `ids` with the post-processor's special tokens around them. */
  withSpecialTokens(ids: readonly number[]): number[] {
    return [...this.prefixIds, ...ids, ...this.suffixIds];
  }

  /**
   * Ids with special tokens, cut to at most `maxLength` in all (the sequence keeps its first
   * tokens): transformers' `encode(text, add_special_tokens=True, max_length=maxLength,
   * truncation=True)`.
   */
  encodeForModel(text: string, maxLength: number): EncodedText {
    const ids = this.encode(text);
    const specials = this.prefixIds.length + this.suffixIds.length;
    const room = maxLength - specials;
    if (room < 0) throw new RangeError(`maxLength ${maxLength} leaves no room for the ${specials} special tokens`);
    const truncated = ids.length > room;
    return { ids: this.withSpecialTokens(truncated ? ids.slice(0, room) : ids), fullLength: ids.length + specials, truncated };
  }
}

/** Load `dir/tokenizer.json` and, when present, `dir/tokenizer_config.json`. */
export function loadEncoderTokenizer(dir: string): EncoderTokenizer {
  const jsonPath = join(dir, 'tokenizer.json');
  const json = readJsonFile(jsonPath, 'a model folder needs tokenizer.json (save the tokenizer with a fast tokenizer: tokenizer.save_pretrained(dir))');
  const config = readOptionalJson(dir, 'tokenizer_config.json');
  if (config !== undefined && (config === null || typeof config !== 'object')) throw new InputError({ file: join(dir, 'tokenizer_config.json') }, 'is not a JSON object');
  return new EncoderTokenizer(json, config, { json: jsonPath, config: join(dir, 'tokenizer_config.json') });
}
