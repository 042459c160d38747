/**
 * A byte-level BPE tokenizer read from a Hugging Face `tokenizer.json` (+ `tokenizer_config.json`),
 * giving the same ids as the Hugging Face `tokenizers` library for the components it supports:
 * normalizer NFC (or none); pre-tokenizer `Split` (regex, Isolated) + `ByteLevel` (use_regex
 * false), or `ByteLevel` alone; model `BPE`; decoder `ByteLevel`; post-processor `ByteLevel`,
 * `TemplateProcessing` (single sequence) or none. That covers Qwen2/2.5/3, GPT-2 and Llama-3.
 * Anything else is a ConfigError naming the component.
 *
 * Encoding, as the library does it: the text is split at added tokens (leftmost, longest first);
 * each stretch between them is normalized, pre-tokenized into words, and each word's UTF-8 bytes
 * are BPE-encoded; added tokens map to their ids.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, InputError } from '../../util/errors.js';
import { parseWith, z } from '../../util/schema.js';
import { addedContents, addedTokensRegExp, type AddedToken } from './added.js';
import { BytePairEncoder } from './bpe.js';
import { byteLevelToBytes } from './bytelevel.js';
import { ChatTemplate, type ChatMessage, type ChatTemplateOptions } from './chat.js';
import { GPT2_PATTERN, RegexSplitter } from './pretokenize.js';

// ---------------------------------------------------------------------------------------------
// File schemas (only the parts clinsum reads; the rest is kept as unknown)

const addedTokenSchema = z.looseObject({
  id: z.number().int().nonnegative(),
  content: z.string().min(1),
  special: z.boolean().default(false),
  normalized: z.boolean().optional(),
  lstrip: z.boolean().optional(),
  rstrip: z.boolean().optional(),
  single_word: z.boolean().optional(),
});

const componentSchema = z.looseObject({ type: z.string() }).nullable().optional();

const tokenizerJsonSchema = z.looseObject({
  added_tokens: z.array(addedTokenSchema).default([]),
  normalizer: componentSchema,
  pre_tokenizer: componentSchema,
  post_processor: componentSchema,
  decoder: componentSchema,
  model: z.looseObject({
    type: z.string(),
    vocab: z.record(z.string(), z.number().int().nonnegative()),
    merges: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])),
    dropout: z.number().nullable().optional(),
    continuing_subword_prefix: z.string().nullable().optional(),
    end_of_word_suffix: z.string().nullable().optional(),
    byte_fallback: z.boolean().optional(),
    ignore_merges: z.boolean().optional(),
  }),
});
export type TokenizerJson = z.input<typeof tokenizerJsonSchema>;

const tokenSpec = z.union([z.string(), z.looseObject({ content: z.string() })]).nullable().optional();

const tokenizerConfigSchema = z.looseObject({
  chat_template: z.union([z.string(), z.array(z.looseObject({ name: z.string(), template: z.string() }))]).optional(),
  eos_token: tokenSpec,
  pad_token: tokenSpec,
  bos_token: tokenSpec,
  unk_token: tokenSpec,
  model_max_length: z.number().optional(),
  clean_up_tokenization_spaces: z.boolean().optional(),
  add_bos_token: z.boolean().optional(),
  add_eos_token: z.boolean().optional(),
});
export type TokenizerConfig = z.input<typeof tokenizerConfigSchema>;

function tokenContent(t: z.output<typeof tokenSpec>): string | undefined {
  if (t === null || t === undefined) return undefined;
  return typeof t === 'string' ? t : t.content;
}

const componentShape = z.looseObject({ type: z.string() });
type Component = z.output<typeof componentShape>;

function field<T extends z.ZodType>(c: Component, name: string, schema: T, file: string): z.output<T> {
  return parseWith(schema, (c as Record<string, unknown>)[name], { file, field: `${c.type}.${name}` });
}

// ---------------------------------------------------------------------------------------------

export interface EncodeOptions {
  /** Add the post-processor's special tokens (e.g. Llama-3's BOS). Default false; Qwen adds none. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Leave out added tokens marked special (`<|im_end|>`, `<|endoftext|>`). Default false. */
  skipSpecialTokens?: boolean;
}

export class Tokenizer {
  /** Number of ids (model vocabulary and added tokens): the embedding rows a model needs at least. */
  readonly vocabSize: number;
  readonly eosToken: string;
  readonly eosId: number;
  readonly padToken: string | undefined;
  readonly padId: number | undefined;
  readonly bosToken: string | undefined;
  readonly bosId: number | undefined;
  /** `model_max_length` from tokenizer_config.json, when given. */
  readonly modelMaxLength: number | undefined;
  /** The chat template, when the tokenizer has one. */
  readonly chatTemplate: ChatTemplate | undefined;

  private readonly idToToken: string[];
  private readonly vocab: Map<string, number>;
  private readonly added: AddedToken[];
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedRe: RegExp | undefined;
  /** A second instance of `addedRe` (own lastIndex) for boundary checks. */
  private readonly addedRe2: RegExp | undefined;
  /** Last characters of added tokens' texts, for a quick "ends with an added token?" test. */
  private readonly addedLastChars: Set<string>;
  private readonly addedFirstChars: Set<string>;
  private readonly maxAddedLength: number;
  private readonly nfc: boolean;
  private readonly splitter: RegexSplitter;
  private readonly prefixSpace: boolean;
  private readonly bpe: BytePairEncoder;
  private readonly prefixIds: number[] = [];
  private readonly suffixIds: number[] = [];
  private readonly cleanUpSpaces: boolean;
  private readonly utf8 = new TextDecoder('utf-8');

  /** Build from parsed `tokenizer.json` and `tokenizer_config.json`; `where` names them in errors. */
  constructor(json: unknown, config: unknown, where: { json: string; config: string } = { json: 'tokenizer.json', config: 'tokenizer_config.json' }) {
    const tj = parseWith(tokenizerJsonSchema, json, { file: where.json });
    const tc = parseWith(tokenizerConfigSchema, config, { file: where.config });
    const m = tj.model;
    const unsupported = (what: string): ConfigError =>
      new ConfigError(`${where.json}: ${what} is not supported (clinsum reads byte-level BPE tokenizers such as Qwen2, GPT-2 and Llama-3)`);
    if (m.type !== 'BPE') throw unsupported(`model type ${m.type}`);
    if (m.dropout) throw unsupported('BPE dropout');
    if (m.byte_fallback) throw unsupported('BPE byte_fallback');
    if (m.continuing_subword_prefix || m.end_of_word_suffix) throw unsupported('a BPE subword prefix/suffix');
    if (m.ignore_merges) throw unsupported('BPE ignore_merges');

    this.vocab = new Map(Object.entries(m.vocab));
    const merges = m.merges.map((x): [string, string] => {
      if (typeof x !== 'string') return x;
      const sp = x.indexOf(' ');
      return [x.slice(0, sp), x.slice(sp + 1)];
    });
    try {
      this.bpe = new BytePairEncoder(this.vocab, merges);
    } catch (e) {
      throw new ConfigError(`${where.json}: ${(e as Error).message}`);
    }

    // Normalizer
    const norm = tj.normalizer;
    if (!norm) this.nfc = false;
    else if (norm.type === 'NFC') this.nfc = true;
    else if (norm.type === 'Sequence') {
      const list = field(norm, 'normalizers', z.array(componentShape), where.json);
      if (list.length > 1 || (list.length === 1 && list[0]!.type !== 'NFC')) throw unsupported('this normalizer sequence');
      this.nfc = list.length === 1;
    } else throw unsupported(`normalizer ${norm.type}`);

    // Pre-tokenizer
    const pre = tj.pre_tokenizer;
    if (!pre) throw unsupported('a missing pre_tokenizer');
    let splitPattern: string;
    let byteLevel: Component;
    if (pre.type === 'ByteLevel') {
      byteLevel = pre;
      if (field(pre, 'use_regex', z.boolean().default(true), where.json) === false) throw unsupported('ByteLevel without a regex');
      splitPattern = GPT2_PATTERN;
    } else if (pre.type === 'Sequence') {
      const list = field(pre, 'pretokenizers', z.array(componentShape), where.json);
      const [split, bl] = list;
      if (list.length !== 2 || split?.type !== 'Split' || bl?.type !== 'ByteLevel') throw unsupported('this pre_tokenizer sequence');
      const pattern = field(split, 'pattern', z.looseObject({ Regex: z.string() }), where.json);
      if (field(split, 'behavior', z.string(), where.json) !== 'Isolated') throw unsupported('Split behaviours other than Isolated');
      if (field(split, 'invert', z.boolean().default(false), where.json)) throw unsupported('an inverted Split');
      if (field(bl, 'use_regex', z.boolean().default(true), where.json)) throw unsupported('a ByteLevel regex after Split');
      splitPattern = pattern.Regex;
      byteLevel = bl;
    } else throw unsupported(`pre_tokenizer ${pre.type}`);
    this.prefixSpace = field(byteLevel, 'add_prefix_space', z.boolean().default(false), where.json);
    try {
      this.splitter = new RegexSplitter(splitPattern);
    } catch (e) {
      throw new ConfigError(`${where.json}: the pre-tokenizer pattern does not compile in JavaScript (${(e as Error).message})`);
    }
    if (tj.decoder && tj.decoder.type !== 'ByteLevel') throw unsupported(`decoder ${tj.decoder.type}`);

    // Added tokens
    this.added = tj.added_tokens.map((t) => ({ id: t.id, content: t.content, special: t.special, lstrip: t.lstrip ?? false, rstrip: t.rstrip ?? false }));
    for (const t of this.added) {
      if (t.lstrip || t.rstrip) throw unsupported(`lstrip/rstrip on added token ${t.content}`);
      this.addedById.set(t.id, t);
    }
    const contents = addedContents(this.added);
    this.addedRe = addedTokensRegExp(contents, 'g');
    this.maxAddedLength = contents.length > 0 ? contents[0]!.length : 0;
    this.addedRe2 = this.addedRe === undefined ? undefined : new RegExp(this.addedRe.source, 'g');
    this.addedLastChars = new Set(contents.map((c) => c[c.length - 1]!));
    this.addedFirstChars = new Set(contents.map((c) => c[0]!));

    // id → token table
    let maxId = -1;
    for (const id of this.vocab.values()) maxId = Math.max(maxId, id);
    for (const t of this.added) maxId = Math.max(maxId, t.id);
    this.vocabSize = maxId + 1;
    this.idToToken = new Array<string>(this.vocabSize);
    for (const [tok, id] of this.vocab) this.idToToken[id] = tok;
    for (const t of this.added) this.idToToken[t.id] = t.content;

    // Post-processor
    const post = tj.post_processor;
    if (post && post.type === 'TemplateProcessing') {
      const single = field(post, 'single', z.array(z.looseObject({})), where.json);
      let seenA = false;
      for (const piece of single) {
        const p = piece as Record<string, unknown>;
        if ('Sequence' in p) seenA = true;
        else if ('SpecialToken' in p) {
          const st = parseWith(z.looseObject({ id: z.string() }), p.SpecialToken, { file: where.json, field: 'TemplateProcessing.single' });
          const id = this.tokenId(st.id);
          if (id === undefined) throw new ConfigError(`${where.json}: TemplateProcessing names the unknown token ${st.id}`);
          (seenA ? this.suffixIds : this.prefixIds).push(id);
        } else throw unsupported('this TemplateProcessing piece');
      }
    } else if (post && post.type !== 'ByteLevel') throw unsupported(`post_processor ${post.type}`);

    // Special tokens from tokenizer_config.json
    const need = (name: string, content: string | undefined): number | undefined => {
      if (content === undefined) return undefined;
      const id = this.tokenId(content);
      if (id === undefined) throw new ConfigError(`${where.config}: ${name} "${content}" is not a token of ${where.json}`);
      return id;
    };
    const eos = tokenContent(tc.eos_token);
    if (eos === undefined) throw new ConfigError(`${where.config}: eos_token is missing`);
    this.eosToken = eos;
    this.eosId = need('eos_token', eos)!;
    this.padToken = tokenContent(tc.pad_token);
    this.padId = need('pad_token', this.padToken);
    this.bosToken = tokenContent(tc.bos_token);
    this.bosId = need('bos_token', this.bosToken);
    this.modelMaxLength = tc.model_max_length;
    this.cleanUpSpaces = tc.clean_up_tokenization_spaces ?? false;

    let template = tc.chat_template;
    if (Array.isArray(template)) template = template.find((t) => t.name === 'default')?.template;
    this.chatTemplate =
      template === undefined
        ? undefined
        : new ChatTemplate(template, { bos_token: this.bosToken ?? '', eos_token: this.eosToken, pad_token: this.padToken ?? '' }, where.config);
  }

  /** The id of a token (model vocabulary or added token), or undefined. */
  tokenId(token: string): number | undefined {
    return this.vocab.get(token) ?? this.added.find((t) => t.content === token)?.id;
  }

  /** The token string of an id (byte-level spelling for model tokens), or undefined. */
  idToTokenString(id: number): string | undefined {
    return this.idToToken[id];
  }

  /** Whether `id` is an added token marked special. */
  isSpecial(id: number): boolean {
    return this.addedById.get(id)?.special ?? false;
  }

  /** Qwen's `<|im_start|>` id, when the tokenizer has it. */
  get imStartId(): number | undefined {
    return this.tokenId('<|im_start|>');
  }

  /** Qwen's `<|im_end|>` id (the end of every chat turn), when the tokenizer has it. */
  get imEndId(): number | undefined {
    return this.tokenId('<|im_end|>');
  }

  /** Token ids of `text`, identical to Hugging Face tokenizers' `encode(text).ids`. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (options.addSpecialTokens) out.push(...this.prefixIds);
    this.encodeInto(text, out);
    if (options.addSpecialTokens) out.push(...this.suffixIds);
    return out;
  }

  /** Append the ids of `text` (no post-processor tokens) to `out`. */
  encodeInto(text: string, out: number[]): void {
    const re = this.addedRe;
    if (re === undefined) {
      this.encodeOrdinary(text, out);
      return;
    }
    re.lastIndex = 0;
    let last = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m.index > last) this.encodeOrdinary(text.slice(last, m.index), out);
      out.push(this.tokenId(m[0])!);
      last = m.index + m[0].length;
    }
    if (last < text.length) this.encodeOrdinary(text.slice(last), out);
  }

  /** Encode text that holds no added token. */
  private encodeOrdinary(text: string, out: number[]): void {
    let t = this.nfc ? text.normalize('NFC') : text;
    if (this.prefixSpace && !t.startsWith(' ')) t = ` ${t}`;
    this.splitter.split(t, (w) => this.bpe.encodeWord(w, out));
  }

  /**
   * True when encoding `left + right` is guaranteed to give `encode(left)` followed by
   * `encode(right)`: no added token spans the junction, normalization does not join across it,
   * and the pre-tokenizer ends a word exactly there. Cheap: it looks at a few characters around
   * the junction (and at `left`'s last word). Used to encode a chat rendering piece by piece.
   */
  isBoundary(left: string, right: string): boolean {
    if (left === '' || right === '') return true;
    // An added token across the junction?
    const re = this.addedRe2;
    if (re !== undefined) {
      // A match across the junction starts in left's last k characters, with an added token's first character.
      const k = this.maxAddedLength - 1;
      const tail = left.length > k ? left.slice(-k) : left;
      let mayStart = false;
      for (let i = 0; i < tail.length && !mayStart; i++) mayStart = this.addedFirstChars.has(tail[i]!);
      if (mayStart) {
        const w = tail + right.slice(0, k);
        re.lastIndex = 0;
        for (let m = re.exec(w); m !== null; m = re.exec(w)) {
          if (m.index < tail.length && m.index + m[0].length > tail.length) return false;
        }
      }
      if (this.addedLastChars.has(left[left.length - 1]!) && this.added.some((t) => left.endsWith(t.content))) return true;
      if (this.addedFirstChars.has(right[0]!) && this.added.some((t) => right.startsWith(t.content))) return true;
    }
    if (this.prefixSpace) return false;
    // Normalization across the junction (a combining mark at the start of `right`).
    // Only a character from U+0300 up (combining marks, Hangul jamo, …) can compose with the one before it.
    if (this.nfc && right.charCodeAt(0) >= 0x300) {
      const a = left.slice(-8);
      const b = right.slice(0, 8);
      if ((a + b).normalize('NFC') !== a.normalize('NFC') + b.normalize('NFC')) return false;
    }
    // The pre-tokenizer must end a word at the junction. In the whole text the scan reaches the
    // start of `left`'s last word; if that word is a regex match, the match found at the same
    // place in last word + right must end exactly at the junction.
    const lastWord = this.lastWordOf(left);
    if (lastWord === null) return false;
    const rt = right.slice(0, 64);
    return this.splitter.matchAt(lastWord + (this.nfc ? rt.normalize('NFC') : rt), 0) === lastWord.length;
  }

  /** Short left-hand texts (template pieces) seen by `isBoundary`, with their last word. */
  private readonly lastWords = new Map<string, string | null>();

  /** The last pre-token word of `s` (normalized), or null when it is text between regex matches. */
  private lastWordOf(s: string): string | null {
    const known = this.lastWords.get(s);
    if (known !== undefined) return known;
    const seg = s.slice(this.lastAddedEnd(s));
    const lt = this.nfc ? seg.normalize('NFC') : seg;
    const last = this.splitter.lastWord(lt);
    const word = last.isMatch ? lt.slice(last.start) : null;
    if (s.length <= 512) {
      if (this.lastWords.size > 1024) this.lastWords.clear();
      this.lastWords.set(s, word);
    }
    return word;
  }

  private lastAddedEnd(s: string): number {
    const re = this.addedRe2;
    if (re === undefined) return 0;
    re.lastIndex = 0;
    let end = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) end = m.index + m[0].length;
    return end;
  }

  /**
   * Bytes of one token (UTF-8 of an added token's text, byte-level bytes of a model token); none
   * for an id the tokenizer has no token for (see `decode`).
   */
  tokenBytes(id: number): number[] {
    const added = this.addedById.get(id);
    if (added !== undefined) return [...new TextEncoder().encode(added.content)];
    const out: number[] = [];
    this.modelTokenBytes(id, out);
    return out;
  }

  /**
   * Append the byte-level bytes of model token `id` to `out`; nothing for an id without a token
   * (a model's embedding padded past the tokenizer). A negative or fractional id is a bug of the
   * caller: RangeError.
   */
  private modelTokenBytes(id: number, out: number[]): void {
    const tok = this.idToToken[id];
    if (tok === undefined) {
      if (!Number.isInteger(id) || id < 0) throw new RangeError(`token id ${id} is not a non-negative integer`);
      return;
    }
    if (!byteLevelToBytes(tok, out)) throw new RangeError(`token ${id} is not a byte-level token`);
  }

  /** Whether the bytes of ids[0..end) stop inside a UTF-8 character (a cut there splits it). */
  endsInsideCharacter(ids: ArrayLike<number>, end: number = ids.length): boolean {
    const tail: number[] = [];
    for (let i = end - 1; i >= 0 && tail.length < 4; i--) tail.unshift(...this.tokenBytes(ids[i]!));
    // Walk back over continuation bytes (10xxxxxx) to the lead byte of the last character.
    let cont = 0;
    for (let i = tail.length - 1; i >= 0; i--) {
      const b = tail[i]!;
      if ((b & 0xc0) !== 0x80) {
        const need = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : 0;
        return cont < need;
      }
      if (++cont > 3) return false;
    }
    return false;
  }

  /**
   * Text of `ids`, as Hugging Face's `decode` gives it (invalid UTF-8 becomes U+FFFD). Ids the
   * tokenizer has no token for add no text, as Hugging Face's decode skips them: a model's
   * embedding is often padded past its tokenizer (Qwen2.5: 151,936 rows, 151,665 ids), so a
   * sampled id can have no token. A negative or fractional id is a RangeError.
   */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const bytes: number[] = [];
    let text = '';
    const flush = (): void => {
      if (bytes.length > 0) {
        text += this.utf8.decode(Uint8Array.from(bytes));
        bytes.length = 0;
      }
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const added = this.addedById.get(id);
      if (added !== undefined) {
        if (options.skipSpecialTokens && added.special) continue;
        flush();
        text += added.content;
        continue;
      }
      this.modelTokenBytes(id, bytes);
    }
    flush();
    return this.cleanUpSpaces ? cleanUpTokenization(text) : text;
  }

  /** Render a conversation with the tokenizer's chat template (see `ChatTemplate.render`). */
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    if (this.chatTemplate === undefined) {
      throw new ConfigError('this tokenizer has no chat template (tokenizer_config.json chat_template, or chat_template.jinja)');
    }
    return this.chatTemplate.render(messages, options);
  }
}

/** transformers' `clean_up_tokenization`. */
function cleanUpTokenization(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/**
 * Load a tokenizer folder: `tokenizer.json`, `tokenizer_config.json`, and the chat template from
 * `chat_template.jinja` when that file exists (it wins over the config's `chat_template`, as in
 * transformers).
 */
export function loadTokenizer(dir: string): Tokenizer {
  const jsonPath = join(dir, 'tokenizer.json');
  const configPath = join(dir, 'tokenizer_config.json');
  const json = readJson(jsonPath);
  const config = readJson(configPath);
  let template: string | undefined;
  try {
    template = readFileSync(join(dir, 'chat_template.jinja'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError({ file: join(dir, 'chat_template.jinja') }, `cannot be read (${(e as NodeJS.ErrnoException).code})`);
  }
  if (template !== undefined && config !== null && typeof config === 'object') {
    (config as Record<string, unknown>).chat_template = template;
  }
  return new Tokenizer(json, config, { json: jsonPath, config: template !== undefined ? join(dir, 'chat_template.jinja') : configPath });
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError({ file }, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`, 'pass a tokenizer folder with tokenizer.json and tokenizer_config.json');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError({ file }, `is not valid JSON (${(e as Error).message.slice(0, 80)})`);
  }
}
