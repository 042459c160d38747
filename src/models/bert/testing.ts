/**
 * Tiny random BERT-family models in Hugging Face layout, for tests, benchmarks and demos (no hub
 * is reachable here): `writeRandomEncoder` writes config.json, model.safetensors,
 * tokenizer.json and tokenizer_config.json that clinsum, and transformers, read like any
 * downloaded model. Weights follow transformers' `_init_weights` (`initEncoderWeights`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ones, RandomGenerator, randn, saveSafetensors, zeros, type Tensor } from '../../engine/index.js';
import { writeJsonAtomic } from '../../util/fs.js';
import { BYTE_TO_CHAR } from '../tokenizer/bytelevel.js';
import { BASE_PREFIX, fromHF, type ModelType } from './config.js';
import { createEncoder, type Encoder } from './model.js';

/**
 * transformers' `BertPreTrainedModel._init_weights`: Linear and Embedding weights from
 * N(0, std²) (initializer_range, 0.02), biases 0, the padding row of the word embeddings 0,
 * LayerNorm weight 1 and bias 0. Seeded: the same seed gives the same weights.
 * `layerNormStd` > 0 draws LayerNorm weights around 1 and biases around 0 instead, so that tests
 * notice a swapped weight and bias.
 */
export function initEncoderWeights(encoder: Encoder, options: { seed?: number; std?: number; layerNormStd?: number } = {}): void {
  const gen = new RandomGenerator(options.seed ?? 0);
  const std = options.std ?? 0.02;
  const lnStd = options.layerNormStd ?? 0;
  for (const p of encoder.params) {
    const isNorm = /LayerNorm|layer_norm/.test(p.name);
    let t: Tensor;
    if (isNorm) {
      const base = p.name.endsWith('.weight') ? ones(p.shape) : zeros(p.shape);
      t = lnStd > 0 ? base.add(randn(p.shape, { generator: gen }).mul(lnStd)) : base;
    } else if (p.name.endsWith('.bias')) t = zeros(p.shape);
    else t = randn(p.shape, { generator: gen }).mul(std);
    if (p.name === 'embeddings.word_embeddings.weight') {
      const row = t.narrow(0, encoder.config.padTokenId, 1);
      row.zero_();
      row.dispose();
    }
    p.set(t);
  }
}

/** A WordPiece `tokenizer.json` as `BertTokenizerFast.save_pretrained` writes it, over `vocab` (id = index). */
export function wordPieceTokenizerJson(vocab: readonly string[], options: { lowercase?: boolean } = {}): Record<string, unknown> {
  const id = (t: string): number => {
    const i = vocab.indexOf(t);
    if (i < 0) throw new Error(`the vocabulary needs ${t}`);
    return i;
  };
  const lowercase = options.lowercase ?? true;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((t) => ({
      id: id(t),
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((t, i) => [t, i])) },
  };
}

/**
 * A byte-level BPE `tokenizer.json` as RoBERTa's: ids 0–3 are `<s> <pad> </s> <unk>`, then the
 * 256 byte symbols, then one token per merge (in order).
 */
export function byteLevelTokenizerJson(merges: readonly (readonly [string, string])[]): { json: Record<string, unknown>; vocabSize: number } {
  const vocab: Record<string, number> = { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 };
  let next = 4;
  for (const c of BYTE_TO_CHAR) vocab[c] = next++;
  for (const [a, b] of merges) if (vocab[a + b] === undefined) vocab[a + b] = next++;
  vocab['<mask>'] = next++;
  const special = (content: string, lstrip = false) => ({ id: vocab[content], content, single_word: false, lstrip, rstrip: false, normalized: false, special: true });
  return {
    vocabSize: next,
    json: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [special('<s>'), special('<pad>'), special('</s>'), special('<unk>'), special('<mask>', true)],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`) },
    },
  };
}

/** A small English WordPiece vocabulary for tests: specials, letters, some words and pieces. */
export const TINY_WORDPIECE_VOCAB: readonly string[] = Object.freeze([
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]',
  ...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''),
  ...'.,;:!?()-/%'.split(''),
  ...'abcdefghijklmnopqrstuvwxyz'.split('').map((c) => `##${c}`),
  'the', 'a', 'of', 'and', 'with', 'was', 'is', 'in', 'patient', 'fever', 'pain', 'chest', 'man', 'woman', 'year', 'old',
  'cat', 'sat', 'on', 'mat', 'dog', 'admitted', 'hospital', 'treated', 'antibiotics', 'day', 'days', 'no',
  'un', '##able', '##ed', '##ing', '##s', 'aff', '##able', 'play', 'pneum', '##onia', 'cafe', 'resume', '中', '国',
].filter((t, i, all) => all.indexOf(t) === i));

export interface RandomEncoderOptions {
  modelType?: ModelType;
  hiddenSize?: number;
  layers?: number;
  heads?: number;
  intermediateSize?: number;
  /** Longest input in tokens, special tokens included (RoBERTa gets 2 more positions). */
  maxTokens?: number;
  seed?: number;
  /** Draw LayerNorm parameters too (see initEncoderWeights). */
  layerNormStd?: number;
  /** Store the weights under transformers' base_model_prefix (`bert.`) beside a fake task head, as a ForMaskedLM checkpoint does. */
  withHead?: boolean;
  /** tokenizer_config.json's model_max_length (default: maxTokens). */
  modelMaxLength?: number;
  /** WordPiece vocabulary (BERT, DistilBERT); default TINY_WORDPIECE_VOCAB. */
  vocab?: readonly string[];
  /** DistilBERT: sinusoidal positions. */
  sinusoidal?: boolean;
}

/** Write a random encoder folder; returns its parsed config.json. */
export function writeRandomEncoder(dir: string, options: RandomEncoderOptions = {}): Record<string, unknown> {
  const type = options.modelType ?? 'bert';
  const hidden = options.hiddenSize ?? 32;
  const layers = options.layers ?? 2;
  const heads = options.heads ?? 4;
  const inter = options.intermediateSize ?? hidden * 4;
  const maxTokens = options.maxTokens ?? 64;
  mkdirSync(dir, { recursive: true });

  let tokenizerJson: Record<string, unknown>;
  let vocabSize: number;
  let specials: Record<string, string>;
  if (type === 'roberta' || type === 'xlm-roberta') {
    const bl = byteLevelTokenizerJson([
      ['Ġ', 't'], ['h', 'e'], ['Ġt', 'he'], ['Ġ', 'c'], ['a', 't'], ['Ġc', 'at'], ['Ġ', 'p'], ['Ġp', 'at'], ['i', 'e'], ['n', 't'], ['Ġpat', 'ie'], ['Ġpatie', 'nt'],
    ]);
    tokenizerJson = bl.json;
    vocabSize = bl.vocabSize;
    specials = { cls_token: '<s>', sep_token: '</s>', pad_token: '<pad>', unk_token: '<unk>', bos_token: '<s>', eos_token: '</s>', mask_token: '<mask>' };
  } else {
    const vocab = options.vocab ?? TINY_WORDPIECE_VOCAB;
    tokenizerJson = wordPieceTokenizerJson(vocab);
    vocabSize = vocab.length;
    specials = { cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]' };
  }

  let config: Record<string, unknown>;
  if (type === 'distilbert') {
    config = {
      architectures: ['DistilBertForMaskedLM'], model_type: 'distilbert', activation: 'gelu', dim: hidden, n_layers: layers, n_heads: heads,
      hidden_dim: inter, max_position_embeddings: maxTokens, sinusoidal_pos_embds: options.sinusoidal ?? false, vocab_size: vocabSize, pad_token_id: 0,
      dropout: 0.1, attention_dropout: 0.1, initializer_range: 0.02,
    };
  } else {
    const roberta = type === 'roberta' || type === 'xlm-roberta';
    config = {
      architectures: [roberta ? 'RobertaForMaskedLM' : 'BertForMaskedLM'], model_type: type, hidden_size: hidden, num_hidden_layers: layers,
      num_attention_heads: heads, intermediate_size: inter, hidden_act: 'gelu', max_position_embeddings: roberta ? maxTokens + 2 : maxTokens,
      type_vocab_size: roberta ? 1 : 2, layer_norm_eps: 1e-12, pad_token_id: roberta ? 1 : 0, vocab_size: vocabSize,
      hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, initializer_range: 0.02, position_embedding_type: 'absolute',
    };
  }
  writeJsonAtomic(join(dir, 'config.json'), config);
  writeJsonAtomic(join(dir, 'tokenizer.json'), tokenizerJson);
  writeJsonAtomic(join(dir, 'tokenizer_config.json'), { ...specials, model_max_length: options.modelMaxLength ?? maxTokens, do_lower_case: true });

  const cfg = fromHF(config);
  const encoder = createEncoder(cfg);
  try {
    initEncoderWeights(encoder, { seed: options.seed ?? 0, layerNormStd: options.layerNormStd });
    const prefix = options.withHead ? `${BASE_PREFIX[cfg.family]}.` : '';
    const tensors = new Map<string, Tensor>(encoder.params.map((p) => [prefix + p.name, p.value]));
    const head = options.withHead ? zeros([vocabSize]) : undefined;
    if (head !== undefined) tensors.set(cfg.family === 'distilbert' ? 'vocab_projector.bias' : cfg.family === 'roberta' ? 'lm_head.bias' : 'cls.predictions.bias', head);
    try {
      saveSafetensors(join(dir, 'model.safetensors'), tensors, { metadata: { format: 'pt' } });
    } finally {
      head?.dispose();
    }
  } finally {
    encoder.dispose();
  }
  return config;
}
