/**
 * The Qwen2 configuration: one typed object with the derived fields computed once (litgpt
 * `Config.__post_init__`), mapped from and to Hugging Face's `config.json` (transformers'
 * `Qwen2Config`) in exactly one place each (`qwen2ConfigFromHF`, `qwen2ConfigToHF`).
 */
import type { FloatDType } from '../../engine/index.js';
import { InputError } from '../../util/errors.js';
import { parseWith, z } from '../../util/schema.js';

/** The architectures this folder implements, as config.json names them. */
export const QWEN2_ARCHITECTURE = 'Qwen2ForCausalLM';
export const QWEN2_MODEL_TYPE = 'qwen2';
/** Every causal-LM architecture clinsum can load, for error messages. */
export const SUPPORTED_CAUSAL_LMS: readonly string[] = [`${QWEN2_ARCHITECTURE} (model_type ${QWEN2_MODEL_TYPE})`];

export interface Qwen2Config {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly numKeyValueHeads: number;
  /** Per-head size: `head_dim` when config.json sets it, else hidden_size / num_attention_heads. */
  readonly headDim: number;
  readonly ropeTheta: number;
  readonly rmsNormEps: number;
  readonly tieWordEmbeddings: boolean;
  readonly maxPositionEmbeddings: number;
  /** Std of the normal init (HF `initializer_range`). */
  readonly initializerRange: number;
  readonly attentionDropout: number;
  /** The dtype the weights are stored in (`torch_dtype`, or transformers 5's `dtype`). */
  readonly torchDtype: FloatDType;
  readonly bosTokenId: number | undefined;
  /** config.json's `eos_token_id` (generation_config.json's list wins for generation). */
  readonly eosTokenIds: readonly number[];
  // derived
  /** numAttentionHeads · headDim. */
  readonly qSize: number;
  /** numKeyValueHeads · headDim. */
  readonly kvSize: number;
  /** Query heads per key/value head. */
  readonly groups: number;
}

/** What `qwen2Config` needs; everything else takes transformers' Qwen2Config default. */
export interface Qwen2ConfigInput {
  vocabSize?: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads?: number;
  headDim?: number;
  ropeTheta?: number;
  rmsNormEps?: number;
  tieWordEmbeddings?: boolean;
  maxPositionEmbeddings?: number;
  initializerRange?: number;
  attentionDropout?: number;
  torchDtype?: FloatDType;
  bosTokenId?: number;
  eosTokenIds?: readonly number[];
}

/** Builds a config, checking that the sizes fit together. Throws a plain Error naming the field. */
export function qwen2Config(c: Qwen2ConfigInput): Qwen2Config {
  const numKeyValueHeads = c.numKeyValueHeads ?? c.numAttentionHeads;
  const headDim = c.headDim ?? c.hiddenSize / c.numAttentionHeads;
  const sizes = {
    hiddenSize: c.hiddenSize,
    intermediateSize: c.intermediateSize,
    numHiddenLayers: c.numHiddenLayers,
    numAttentionHeads: c.numAttentionHeads,
    numKeyValueHeads,
    headDim,
  };
  const problems = checkSizes({ ...sizes, vocabSize: c.vocabSize });
  if (problems.length > 0) throw new Error(`invalid Qwen2 config: ${problems.join('; ')}`);
  return Object.freeze({
    vocabSize: c.vocabSize ?? 151936,
    ...sizes,
    ropeTheta: c.ropeTheta ?? 10000,
    rmsNormEps: c.rmsNormEps ?? 1e-6,
    tieWordEmbeddings: c.tieWordEmbeddings ?? false,
    maxPositionEmbeddings: c.maxPositionEmbeddings ?? 32768,
    initializerRange: c.initializerRange ?? 0.02,
    attentionDropout: c.attentionDropout ?? 0,
    torchDtype: c.torchDtype ?? 'float32',
    bosTokenId: c.bosTokenId,
    eosTokenIds: Object.freeze([...(c.eosTokenIds ?? [])]),
    qSize: c.numAttentionHeads * headDim,
    kvSize: numKeyValueHeads * headDim,
    groups: c.numAttentionHeads / numKeyValueHeads,
  });
}

function checkSizes(c: { hiddenSize: number; numAttentionHeads: number; numKeyValueHeads: number; headDim: number; intermediateSize: number; numHiddenLayers: number; vocabSize?: number }): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(c)) {
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1)) out.push(`${snake(k)} must be a positive integer, got ${String(v)}`);
  }
  if (out.length > 0) return out;
  if (c.numAttentionHeads % c.numKeyValueHeads !== 0) out.push(`num_attention_heads (${c.numAttentionHeads}) must be a multiple of num_key_value_heads (${c.numKeyValueHeads})`);
  if (c.headDim % 2 !== 0) out.push(`the head size (${c.headDim}) must be even for rotary embeddings`);
  return out;
}

function snake(k: string): string {
  return k === 'headDim' ? 'head_dim (or hidden_size / num_attention_heads)' : k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}

const DTYPE_NAMES: Readonly<Record<string, FloatDType>> = {
  float32: 'float32',
  bfloat16: 'bfloat16',
  float16: 'float16',
  float64: 'float64',
  // torch spellings some configs carry
  float: 'float32',
  half: 'float16',
};

const tokenIds = z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]).nullish();
const posInt = z.number().int().positive();

/** config.json of a Qwen2 model; unknown keys pass (they are kept when the model is saved). */
const hfConfigSchema = z
  .object({
    architectures: z.array(z.string()).nullish(),
    model_type: z.string().optional(),
    vocab_size: posInt,
    hidden_size: posInt,
    intermediate_size: posInt,
    num_hidden_layers: posInt,
    num_attention_heads: posInt,
    num_key_value_heads: posInt.nullish(),
    head_dim: posInt.nullish(),
    hidden_act: z.string().optional(),
    max_position_embeddings: posInt.optional(),
    initializer_range: z.number().nonnegative().optional(),
    rms_norm_eps: z.number().positive().optional(),
    rope_theta: z.number().positive().nullish(),
    rope_scaling: z.record(z.string(), z.unknown()).nullish(),
    // transformers 5 writes RoPE settings here instead ({rope_theta, rope_type}); rope_theta moves in
    rope_parameters: z.record(z.string(), z.unknown()).nullish(),
    tie_word_embeddings: z.boolean().optional(),
    use_sliding_window: z.boolean().optional(),
    attention_dropout: z.number().min(0).max(1).optional(),
    torch_dtype: z.string().nullish(),
    dtype: z.string().nullish(),
    bos_token_id: z.number().int().nonnegative().nullish(),
    eos_token_id: tokenIds,
    layer_types: z.array(z.string()).nullish(),
  })
  .passthrough();

export type HFConfigJson = Record<string, unknown>;

/**
 * Maps a parsed config.json to a `Qwen2Config`, validating it: an unsupported architecture or
 * model type, a missing or malformed size, a feature clinsum does not implement (sliding-window
 * attention, RoPE scaling, another activation) are `InputError`s naming `file` and the field.
 */
export function qwen2ConfigFromHF(json: unknown, file: string): Qwen2Config {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InputError({ file }, 'must be a JSON object');
  const raw = json as Record<string, unknown>;
  const archs = raw.architectures;
  if (Array.isArray(archs) && archs.length > 0 && !archs.includes(QWEN2_ARCHITECTURE)) {
    throw new InputError({ file, field: 'architectures' }, `${archs.map(String).join(', ')} is not supported (clinsum supports: ${SUPPORTED_CAUSAL_LMS.join(', ')})`);
  }
  if (raw.model_type !== undefined && raw.model_type !== QWEN2_MODEL_TYPE) {
    throw new InputError({ file, field: 'model_type' }, `${JSON.stringify(raw.model_type)} is not supported (clinsum supports: ${SUPPORTED_CAUSAL_LMS.join(', ')})`);
  }
  if ((archs === undefined || archs === null || (Array.isArray(archs) && archs.length === 0)) && raw.model_type === undefined) {
    throw new InputError({ file }, `names neither architectures nor model_type (clinsum supports: ${SUPPORTED_CAUSAL_LMS.join(', ')})`);
  }
  const c = parseWith(hfConfigSchema, raw, { file }, 'a Qwen2 config.json as transformers writes it');
  const unsupported = (field: string, problem: string): never => {
    throw new InputError({ file, field }, problem);
  };
  if (c.hidden_act !== undefined && c.hidden_act !== 'silu') unsupported('hidden_act', `${JSON.stringify(c.hidden_act)} is not supported (Qwen2 uses silu)`);
  if (c.use_sliding_window === true) unsupported('use_sliding_window', 'sliding-window attention is not supported (Qwen2.5 models set it to false)');
  if (c.rope_scaling !== undefined && c.rope_scaling !== null) {
    const kind = c.rope_scaling.rope_type ?? c.rope_scaling.type;
    if (kind !== 'default') unsupported('rope_scaling', `RoPE scaling ${JSON.stringify(kind)} is not supported (only plain RoPE: rope_scaling null)`);
  }
  const ropeTheta = ropeThetaOf(c, unsupported);
  if (c.layer_types !== undefined && c.layer_types !== null && c.layer_types.some((t) => t !== 'full_attention')) {
    unsupported('layer_types', 'only full_attention layers are supported');
  }
  const dtypeName = c.torch_dtype ?? c.dtype ?? 'float32';
  const torchDtype = DTYPE_NAMES[dtypeName];
  if (torchDtype === undefined) unsupported(c.torch_dtype != null ? 'torch_dtype' : 'dtype', `${JSON.stringify(dtypeName)} is not a floating-point dtype clinsum knows (float32, bfloat16, float16)`);
  const eos = c.eos_token_id;
  try {
    return qwen2Config({
      vocabSize: c.vocab_size,
      hiddenSize: c.hidden_size,
      intermediateSize: c.intermediate_size,
      numHiddenLayers: c.num_hidden_layers,
      numAttentionHeads: c.num_attention_heads,
      numKeyValueHeads: c.num_key_value_heads ?? undefined,
      headDim: c.head_dim ?? undefined,
      ropeTheta,
      rmsNormEps: c.rms_norm_eps,
      tieWordEmbeddings: c.tie_word_embeddings,
      maxPositionEmbeddings: c.max_position_embeddings,
      initializerRange: c.initializer_range,
      attentionDropout: c.attention_dropout,
      torchDtype,
      bosTokenId: c.bos_token_id ?? undefined,
      eosTokenIds: eos === undefined || eos === null ? [] : Array.isArray(eos) ? eos : [eos],
    });
  } catch (e) {
    throw new InputError({ file }, (e as Error).message.replace(/^invalid Qwen2 config: /, ''), 'the sizes in config.json must fit together');
  }
}

/**
 * RoPE's base: transformers 4 writes `rope_theta` at the top; transformers 5 moves it into
 * `rope_parameters` (`{"rope_theta": 1000000.0, "rope_type": "default"}`) and reads it from there
 * first (a config.json saved by transformers 5 has no top-level `rope_theta`: reading only that
 * would silently give the default 10000). Both present and different is an error, and so is a
 * `rope_parameters` that asks for anything but plain RoPE over the whole head.
 */
function ropeThetaOf(
  c: { rope_theta?: number | null; rope_parameters?: Record<string, unknown> | null },
  unsupported: (field: string, problem: string) => never,
): number | undefined {
  const top = c.rope_theta ?? undefined;
  const rp = c.rope_parameters;
  if (rp === undefined || rp === null) return top;
  const kind = rp.rope_type ?? rp.type ?? 'default';
  if (kind !== 'default') unsupported('rope_parameters', `RoPE type ${JSON.stringify(kind)} is not supported (only plain RoPE: rope_type "default")`);
  const partial = rp.partial_rotary_factor;
  if (partial !== undefined && partial !== null && partial !== 1) unsupported('rope_parameters', `partial_rotary_factor ${JSON.stringify(partial)} is not supported (Qwen2 rotates the whole head)`);
  const theta = rp.rope_theta;
  if (theta === undefined || theta === null) return top;
  if (typeof theta !== 'number' || !(theta > 0)) unsupported('rope_parameters', `rope_theta must be a positive number, got ${JSON.stringify(theta)}`);
  if (top !== undefined && top !== theta) unsupported('rope_parameters', `rope_theta ${String(theta)} contradicts the top-level rope_theta ${top}`);
  return theta as number;
}

/**
 * The config.json transformers writes for `config` (its Qwen2Config fields, sorted keys as
 * `to_json_string` writes them). `base` — the config.json the model was loaded from — keeps keys
 * clinsum does not model (e.g. `use_cache`, `max_window_layers`).
 */
export function qwen2ConfigToHF(config: Qwen2Config, base: HFConfigJson = {}): HFConfigJson {
  const out: HFConfigJson = {
    ...base,
    architectures: [QWEN2_ARCHITECTURE],
    attention_dropout: config.attentionDropout,
    bos_token_id: config.bosTokenId ?? null,
    eos_token_id: config.eosTokenIds.length === 0 ? null : config.eosTokenIds.length === 1 ? config.eosTokenIds[0] : [...config.eosTokenIds],
    hidden_act: 'silu',
    hidden_size: config.hiddenSize,
    initializer_range: config.initializerRange,
    intermediate_size: config.intermediateSize,
    max_position_embeddings: config.maxPositionEmbeddings,
    max_window_layers: base.max_window_layers ?? config.numHiddenLayers,
    model_type: QWEN2_MODEL_TYPE,
    num_attention_heads: config.numAttentionHeads,
    num_hidden_layers: config.numHiddenLayers,
    num_key_value_heads: config.numKeyValueHeads,
    rms_norm_eps: config.rmsNormEps,
    rope_scaling: null,
    rope_theta: config.ropeTheta,
    sliding_window: base.sliding_window ?? config.maxPositionEmbeddings,
    tie_word_embeddings: config.tieWordEmbeddings,
    torch_dtype: config.torchDtype,
    transformers_version: base.transformers_version ?? TRANSFORMERS_LAYOUT_VERSION,
    use_cache: base.use_cache ?? true,
    use_sliding_window: false,
    vocab_size: config.vocabSize,
  };
  // A transformers 5 config.json keeps its rope_parameters, agreeing with rope_theta (transformers 5 reads it first).
  const rp = base.rope_parameters;
  if (rp !== null && typeof rp === 'object' && !Array.isArray(rp)) out.rope_parameters = { ...(rp as Record<string, unknown>), rope_theta: config.ropeTheta };
  if (config.headDim !== config.hiddenSize / config.numAttentionHeads) out.head_dim = config.headDim;
  else delete out.head_dim;
  delete out.dtype;
  return sortKeys(out);
}

/** The transformers release whose Qwen2 config.json layout clinsum writes (Qwen2.5's own files say this one). */
export const TRANSFORMERS_LAYOUT_VERSION = '4.43.1';

export function sortKeys(o: HFConfigJson): HFConfigJson {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The same config with some fields changed (derived fields recomputed). */
export function withConfig(config: Qwen2Config, change: Partial<Qwen2ConfigInput>): Qwen2Config {
  return qwen2Config({ ...config, ...change });
}

/** Qwen2.5-0.5B-Instruct's shape (random weights for benchmarks; real ones come from the Hub). */
export const QWEN25_05B_SHAPE: Qwen2ConfigInput = Object.freeze({
  vocabSize: 151936,
  hiddenSize: 896,
  intermediateSize: 4864,
  numHiddenLayers: 24,
  numAttentionHeads: 14,
  numKeyValueHeads: 2,
  ropeTheta: 1_000_000,
  rmsNormEps: 1e-6,
  tieWordEmbeddings: true,
  maxPositionEmbeddings: 32768,
  torchDtype: 'bfloat16',
  bosTokenId: 151643,
  eosTokenIds: [151645],
});
