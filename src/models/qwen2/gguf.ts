/**
 * A Qwen2 model as a GGUF file that llama.cpp runs (architecture `qwen2`), written the way
 * llama.cpp's convert_hf_to_gguf.py writes one: its metadata keys and tensor names, the
 * tokenizer as a `gpt2`-type byte-level BPE (`tokenizer.ggml.pre = "qwen2"`) with every
 * vocabulary row's token string and type (normal, control for special added tokens, user-defined
 * for the others, unused `[PAD{i}]` rows up to vocab_size) and the merges. Used by the parity test
 * against llama.cpp and by `clinsum model gguf`.
 */
import { join } from 'node:path';
import { tidy, type Tensor } from '../../engine/index.js';
import { InputError } from '../../util/errors.js';
import { writeGguf, type GgmlType, type GgufTensor, type GgufValue } from '../gguf.js';
import { readJsonObject } from '../hf/folder.js';
import type { Qwen2ForCausalLM } from './model.js';

/** llama.cpp's token types (gguf.TokenType). */
const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

/** The llama.cpp tensor name of a Hugging Face Qwen2 parameter. */
export function ggufTensorName(hf: string): string {
  const fixed: Record<string, string> = {
    'model.embed_tokens.weight': 'token_embd.weight',
    'model.norm.weight': 'output_norm.weight',
    'lm_head.weight': 'output.weight',
  };
  if (fixed[hf] !== undefined) return fixed[hf];
  const m = /^model\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(hf);
  const part: Record<string, string> = {
    input_layernorm: 'attn_norm',
    'self_attn.q_proj': 'attn_q',
    'self_attn.k_proj': 'attn_k',
    'self_attn.v_proj': 'attn_v',
    'self_attn.o_proj': 'attn_output',
    post_attention_layernorm: 'ffn_norm',
    'mlp.gate_proj': 'ffn_gate',
    'mlp.up_proj': 'ffn_up',
    'mlp.down_proj': 'ffn_down',
  };
  const p = m === null ? undefined : part[m[2]!];
  if (m === null || p === undefined) throw new Error(`no GGUF name for parameter ${hf}`);
  return `blk.${m[1]}.${p}.${m[3]}`;
}

interface TokenizerFileJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
  added_tokens?: { id: number; content: string; special: boolean }[];
}

/** Looks special to llama.cpp's converter (`does_token_look_special`). */
function looksSpecial(t: string): boolean {
  return ['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(t) || (t.startsWith('<|') && t.endsWith('|>')) || (t.startsWith('<｜') && t.endsWith('｜>'));
}

/** The tokenizer metadata of a Hugging Face folder's tokenizer.json for `vocabSize` rows. */
export function ggufTokenizerMetadata(dir: string, vocabSize: number): [string, GgufValue][] {
  const file = join(dir, 'tokenizer.json');
  const tj = readJsonObject(file) as TokenizerFileJson;
  const vocab = tj.model?.vocab;
  const merges = tj.model?.merges;
  if (tj.model?.type !== 'BPE' || vocab === undefined || merges === undefined) throw new InputError({ file, field: 'model' }, 'is not a byte-level BPE tokenizer (GGUF export supports Qwen2 tokenizers)');
  const tokens: (string | undefined)[] = new Array(vocabSize);
  const types = new Array<number>(vocabSize).fill(TOKEN_TYPE.unused);
  for (const [tok, id] of Object.entries(vocab)) {
    if (id >= vocabSize) throw new InputError({ file, field: 'model.vocab' }, `token id ${id} does not fit the model's ${vocabSize} rows`);
    tokens[id] = tok;
    types[id] = TOKEN_TYPE.normal;
  }
  for (const a of tj.added_tokens ?? []) {
    if (a.id >= vocabSize) throw new InputError({ file, field: 'added_tokens' }, `token id ${a.id} does not fit the model's ${vocabSize} rows`);
    tokens[a.id] = a.content;
    types[a.id] = a.special || looksSpecial(a.content) ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined;
  }
  const list = Array.from({ length: vocabSize }, (_, i) => tokens[i] ?? `[PAD${i}]`);
  const cfg = readJsonObject(join(dir, 'tokenizer_config.json'));
  const idOf = (name: unknown): number | undefined => {
    const content = typeof name === 'string' ? name : typeof name === 'object' && name !== null ? (name as { content?: unknown }).content : undefined;
    if (typeof content !== 'string') return undefined;
    const i = list.indexOf(content);
    return i < 0 ? undefined : i;
  };
  const meta: [string, GgufValue][] = [
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'qwen2' }],
    ['tokenizer.ggml.tokens', { type: 'array', of: 'string', values: list }],
    ['tokenizer.ggml.token_type', { type: 'array', of: 'i32', values: types }],
    ['tokenizer.ggml.merges', { type: 'array', of: 'string', values: merges.map((m) => (typeof m === 'string' ? m : `${m[0]} ${m[1]}`)) }],
  ];
  const eos = idOf(cfg.eos_token);
  const pad = idOf(cfg.pad_token);
  if (eos !== undefined) meta.push(['tokenizer.ggml.eos_token_id', { type: 'u32', value: eos }]);
  if (pad !== undefined) meta.push(['tokenizer.ggml.padding_token_id', { type: 'u32', value: pad }]);
  const bos = idOf(cfg.bos_token);
  if (bos !== undefined) meta.push(['tokenizer.ggml.bos_token_id', { type: 'u32', value: bos }]);
  meta.push(['tokenizer.ggml.add_bos_token', { type: 'bool', value: cfg.add_bos_token === true }]);
  if (typeof cfg.chat_template === 'string') meta.push(['tokenizer.chat_template', { type: 'string', value: cfg.chat_template }]);
  return meta;
}

export interface Qwen2GgufOptions {
  /** Tensor type of the matrices (`F32` default; vectors are always F32, as llama.cpp's converter writes them). */
  type?: GgmlType;
  /** `general.name`. */
  name?: string;
}

/** Writes `model` with the tokenizer of `tokenizerDir` as a GGUF file llama.cpp loads. */
export function writeQwen2Gguf(model: Qwen2ForCausalLM, tokenizerDir: string, path: string, options: Qwen2GgufOptions = {}): void {
  const c = model.config;
  if (c.headDim * c.numAttentionHeads !== c.hiddenSize) throw new Error('GGUF export needs head_dim = hidden_size / num_attention_heads (llama.cpp qwen2)');
  const type = options.type ?? 'F32';
  const arch = 'qwen2';
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const f32 = (value: number): GgufValue => ({ type: 'f32', value });
  const metadata: [string, GgufValue][] = [
    ['general.architecture', { type: 'string', value: arch }],
    ['general.name', { type: 'string', value: options.name ?? 'clinsum qwen2' }],
    ['general.file_type', u32(type === 'F32' ? 0 : 1)],
    [`${arch}.block_count`, u32(c.numHiddenLayers)],
    [`${arch}.context_length`, u32(c.maxPositionEmbeddings)],
    [`${arch}.embedding_length`, u32(c.hiddenSize)],
    [`${arch}.feed_forward_length`, u32(c.intermediateSize)],
    [`${arch}.attention.head_count`, u32(c.numAttentionHeads)],
    [`${arch}.attention.head_count_kv`, u32(c.numKeyValueHeads)],
    [`${arch}.rope.freq_base`, f32(c.ropeTheta)],
    [`${arch}.attention.layer_norm_rms_epsilon`, f32(c.rmsNormEps)],
    ...ggufTokenizerMetadata(tokenizerDir, c.vocabSize),
  ];
  const tensors: GgufTensor[] = model.namedParameters().map(([name, t]) => {
    const tt: GgmlType = t.ndim === 1 ? 'F32' : type;
    return { name: ggufTensorName(name), shape: t.shape, type: tt, bytes: () => bytesOf(t, tt) };
  });
  writeGguf(path, metadata, tensors);
}

function bytesOf(t: Tensor, type: GgmlType): Uint8Array {
  return tidy(() => t.to({ dtype: type === 'F32' ? 'float32' : 'float16', device: 'cpu' }).contiguous().toBytes());
}
