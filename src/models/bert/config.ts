/**
 * The typed configuration of a BERT-family encoder, read from a Hugging Face `config.json` in
 * one place (`fromHF`), with the derived fields computed once (litgpt `Config.__post_init__`).
 * Defaults are transformers' own for fields it also defaults (`hidden_act`, `layer_norm_eps`,
 * `type_vocab_size`, `pad_token_id`); the sizes must be given.
 */
import { ConfigError } from '../../util/errors.js';
import { parseWith, z } from '../../util/schema.js';

/** The `model_type` values clinsum reads, and the architecture class each one uses. */
export const SUPPORTED_MODEL_TYPES = Object.freeze({
  bert: 'bert',
  distilbert: 'distilbert',
  roberta: 'roberta',
  'xlm-roberta': 'roberta',
} as const);
export type ModelType = keyof typeof SUPPORTED_MODEL_TYPES;
export type Family = (typeof SUPPORTED_MODEL_TYPES)[ModelType];

/** transformers' ACT2FN names clinsum computes, and what each one is. */
export const ACTIVATIONS = Object.freeze(['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu', 'silu', 'swish'] as const);
export type Activation = (typeof ACTIVATIONS)[number];

/** transformers' `base_model_prefix` per family: the prefix task-head checkpoints store the encoder under. */
export const BASE_PREFIX: Readonly<Record<Family, string>> = Object.freeze({ bert: 'bert', distilbert: 'distilbert', roberta: 'roberta' });

export interface BertConfig {
  /** `model_type` of config.json. */
  readonly modelType: ModelType;
  /** Architecture class: BERT, DistilBERT, or RoBERTa (also XLM-RoBERTa). */
  readonly family: Family;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  /** hiddenSize / numHeads. */
  readonly headSize: number;
  readonly intermediateSize: number;
  readonly activation: Activation;
  readonly maxPositionEmbeddings: number;
  /** Token-type (segment) vocabulary; 0 for DistilBERT, which has none. */
  readonly typeVocabSize: number;
  readonly layerNormEps: number;
  readonly padTokenId: number;
  /** DistilBERT's `sinusoidal_pos_embds`: positions from sin/cos when the checkpoint has none. */
  readonly sinusoidalPositions: boolean;
  /**
   * Longest input in tokens, special tokens included, that has position embeddings:
   * max_position_embeddings for BERT and DistilBERT; RoBERTa's positions start at
   * pad_token_id + 1, so max_position_embeddings − pad_token_id − 1 (514 − 2 = 512).
   */
  readonly maxInputTokens: number;
  /** The `_name_or_path` config.json records, when present (used to recognise the model). */
  readonly nameOrPath: string | undefined;
}

const modelType = z.string().refine((t) => t in SUPPORTED_MODEL_TYPES, {
  message: `must be one of ${Object.keys(SUPPORTED_MODEL_TYPES).join(', ')}, the BERT-family encoders clinsum runs`,
});
const size = z.number().int().positive();
const activation = z.enum(ACTIVATIONS, { message: `must be one of ${ACTIVATIONS.join(', ')}` });

const bertSchema = z.looseObject({
  model_type: z.string(),
  vocab_size: size,
  hidden_size: size,
  num_hidden_layers: z.number().int().nonnegative(),
  num_attention_heads: size,
  intermediate_size: size,
  hidden_act: activation.default('gelu'),
  max_position_embeddings: size,
  type_vocab_size: z.number().int().nonnegative().default(2),
  layer_norm_eps: z.number().positive().default(1e-12),
  pad_token_id: z.number().int().nonnegative().nullable().optional(),
  position_embedding_type: z.literal('absolute', { message: 'only "absolute" position embeddings are supported (relative_key variants are not)' }).default('absolute'),
  _name_or_path: z.string().optional(),
});

const distilSchema = z.looseObject({
  model_type: z.literal('distilbert'),
  vocab_size: size,
  dim: size,
  n_layers: z.number().int().nonnegative(),
  n_heads: size,
  hidden_dim: size,
  activation: activation.default('gelu'),
  max_position_embeddings: size,
  sinusoidal_pos_embds: z.boolean().default(false),
  pad_token_id: z.number().int().nonnegative().nullable().optional(),
  _name_or_path: z.string().optional(),
});

/** Map a parsed config.json (`file` names it in errors) to the typed config. */
export function fromHF(json: unknown, file = 'config.json'): BertConfig {
  const fix = 'use a BERT, DistilBERT, RoBERTa or XLM-RoBERTa folder';
  const head = parseWith(z.looseObject({ model_type: modelType }), json, { file }, fix);
  const type = head.model_type as ModelType;
  const family = SUPPORTED_MODEL_TYPES[type];
  let c: BertConfig;
  if (family === 'distilbert') {
    const d = parseWith(distilSchema, json, { file });
    c = {
      modelType: type,
      family,
      vocabSize: d.vocab_size,
      hiddenSize: d.dim,
      numLayers: d.n_layers,
      numHeads: d.n_heads,
      headSize: d.dim / d.n_heads,
      intermediateSize: d.hidden_dim,
      activation: d.activation,
      maxPositionEmbeddings: d.max_position_embeddings,
      typeVocabSize: 0,
      layerNormEps: 1e-12,
      padTokenId: d.pad_token_id ?? 0,
      sinusoidalPositions: d.sinusoidal_pos_embds,
      maxInputTokens: d.max_position_embeddings,
      nameOrPath: d._name_or_path || undefined,
    };
  } else {
    const b = parseWith(bertSchema, json, { file });
    const pad = b.pad_token_id ?? (family === 'roberta' ? 1 : 0);
    c = {
      modelType: type,
      family,
      vocabSize: b.vocab_size,
      hiddenSize: b.hidden_size,
      numLayers: b.num_hidden_layers,
      numHeads: b.num_attention_heads,
      headSize: b.hidden_size / b.num_attention_heads,
      intermediateSize: b.intermediate_size,
      activation: b.hidden_act,
      maxPositionEmbeddings: b.max_position_embeddings,
      typeVocabSize: b.type_vocab_size,
      layerNormEps: b.layer_norm_eps,
      padTokenId: pad,
      sinusoidalPositions: false,
      maxInputTokens: family === 'roberta' ? b.max_position_embeddings - pad - 1 : b.max_position_embeddings,
      nameOrPath: b._name_or_path || undefined,
    };
    if (family === 'roberta' && c.maxInputTokens < 1) {
      throw new ConfigError(`${file}: max_position_embeddings ${b.max_position_embeddings} leaves no positions after pad_token_id ${pad} (RoBERTa positions start at pad_token_id + 1)`);
    }
    if (family === 'roberta' && c.typeVocabSize < 1) throw new ConfigError(`${file}: type_vocab_size must be at least 1 (RoBERTa adds token type 0)`);
  }
  if (!Number.isInteger(c.headSize)) {
    throw new ConfigError(`${file}: the hidden size ${c.hiddenSize} is not a multiple of the ${c.numHeads} attention heads`);
  }
  if (c.padTokenId >= c.vocabSize) throw new ConfigError(`${file}: pad_token_id ${c.padTokenId} is outside the vocabulary (${c.vocabSize})`);
  return Object.freeze(c);
}
