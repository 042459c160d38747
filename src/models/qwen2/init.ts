/**
 * `clinsum model init-tiny`: a random-weight Qwen2 in Hugging Face layout with the real Qwen2.5
 * tokenizer — the model every test and demo uses (no hub here). The bytes depend only on the
 * options (seed included): weights are drawn by `Qwen2ForCausalLM.initWeights` from one seeded
 * generator in parameter order, safetensors are written in name order.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../util/errors.js';
import { checkOutputDir, makeDir, writeFileAtomic } from '../../util/fs.js';
import type { FloatDType } from '../../engine/index.js';
import { QWEN25_LAST_ADDED_ID, writeQwen25TokenizerFolder } from '../tokenizer/index.js';
import { QWEN25_INSTRUCT_GENERATION_CONFIG } from '../generation/config.js';
import { randomQwen2 } from './random.js';
import { qwen2Config, qwen2ConfigToHF, type Qwen2Config } from './config.js';
import { saveQwen2 } from './folder.js';

export interface TinyQwen2Options {
  layers?: number;
  hidden?: number;
  heads?: number;
  kvHeads?: number;
  intermediate?: number;
  seed?: number;
  vocab?: number;
  tieWordEmbeddings?: boolean;
  dtype?: FloatDType;
  /** Std of the normal init (config.json `initializer_range`, default 0.02 as HF). */
  initializerRange?: number;
  ropeTheta?: number;
  maxPositionEmbeddings?: number;
  /** Shard the weights above this many bytes (default transformers' 5 GB). */
  maxShardBytes?: number;
}

/** The defaults of `clinsum model init-tiny`. */
export const TINY_DEFAULTS = Object.freeze({
  layers: 2,
  hidden: 64,
  heads: 4,
  kvHeads: 2,
  intermediate: 128,
  seed: 0,
  vocab: 151936,
  tieWordEmbeddings: true,
  dtype: 'float32' as FloatDType,
  initializerRange: 0.02,
  ropeTheta: 1_000_000,
  maxPositionEmbeddings: 32768,
});

/**
 * Upper bounds of the sizes, well above any test or demo model and below sizes that would
 * exhaust memory before a useful error (the CLI names the flag that passes one).
 */
export const TINY_LIMITS = Object.freeze({
  layers: 256,
  hidden: 16384,
  heads: 256,
  kvHeads: 256,
  intermediate: 65536,
  vocab: 1 << 20,
  maxPositionEmbeddings: 1 << 20,
  /** Parameters in all (a Qwen2.5-3B has 3.1e9): more would not fit in a test machine's memory. */
  parameters: 4e9,
});

/** Parameters of a Qwen2 with `c`'s sizes (embeddings, attention with q/k/v biases, MLP, norms, an untied head). */
export function qwen2ParameterCount(c: Qwen2Config): number {
  const attention = c.hiddenSize * c.qSize + c.qSize + 2 * (c.hiddenSize * c.kvSize + c.kvSize) + c.qSize * c.hiddenSize;
  const mlp = 3 * c.hiddenSize * c.intermediateSize;
  const layer = attention + mlp + 2 * c.hiddenSize;
  const embeddings = c.vocabSize * c.hiddenSize * (c.tieWordEmbeddings ? 1 : 2);
  return embeddings + c.numHiddenLayers * layer + c.hiddenSize;
}

/** The config of a tiny model (Qwen2.5's special-token ids, RoPE theta and context length). */
export function tinyQwen2Config(o: TinyQwen2Options = {}): Qwen2Config {
  const vocab = o.vocab ?? TINY_DEFAULTS.vocab;
  if (vocab <= QWEN25_LAST_ADDED_ID) throw new RangeError(`vocab must exceed ${QWEN25_LAST_ADDED_ID} (the Qwen2.5 tokenizer's last id), got ${vocab}`);
  return qwen2Config({
    vocabSize: vocab,
    hiddenSize: o.hidden ?? TINY_DEFAULTS.hidden,
    intermediateSize: o.intermediate ?? TINY_DEFAULTS.intermediate,
    numHiddenLayers: o.layers ?? TINY_DEFAULTS.layers,
    numAttentionHeads: o.heads ?? TINY_DEFAULTS.heads,
    numKeyValueHeads: o.kvHeads ?? TINY_DEFAULTS.kvHeads,
    ropeTheta: o.ropeTheta ?? TINY_DEFAULTS.ropeTheta,
    rmsNormEps: 1e-6,
    tieWordEmbeddings: o.tieWordEmbeddings ?? TINY_DEFAULTS.tieWordEmbeddings,
    maxPositionEmbeddings: o.maxPositionEmbeddings ?? TINY_DEFAULTS.maxPositionEmbeddings,
    initializerRange: o.initializerRange ?? TINY_DEFAULTS.initializerRange,
    torchDtype: o.dtype ?? TINY_DEFAULTS.dtype,
    bosTokenId: 151643,
    eosTokenIds: [151645],
  });
}

let tokenizerBytes: Map<string, Buffer> | undefined;

/**
 * The Qwen2.5 tokenizer files (`writeQwen25TokenizerFolder`); the bytes written the first time
 * are kept and rewritten as they are afterwards (building them takes about a second).
 */
function writeTokenizer(dir: string): void {
  if (tokenizerBytes !== undefined) {
    for (const [name, bytes] of tokenizerBytes) writeFileAtomic(join(dir, name), bytes);
    return;
  }
  writeQwen25TokenizerFolder(dir);
  tokenizerBytes = new Map(TOKENIZER_OUT.map((f) => [f, readFileSync(join(dir, f))]));
}

const TOKENIZER_OUT = ['tokenizer.json', 'tokenizer_config.json'];

/** Writes a tiny random Qwen2 folder; returns the files written. */
export function initTinyQwen2(dirIn: string, options: TinyQwen2Options = {}): string[] {
  const dir = resolve(dirIn);
  const config = tinyQwen2Config(options);
  const parameters = qwen2ParameterCount(config);
  if (parameters > TINY_LIMITS.parameters) {
    throw new ConfigError(
      `these sizes make ${(parameters / 1e9).toFixed(1)}e9 parameters, more than init-tiny writes (at most ${TINY_LIMITS.parameters / 1e9}e9); lower the hidden size, layers, intermediate size or vocabulary`,
    );
  }
  checkOutputDir(dir);
  // The folder is made only once the weights exist: a failed allocation leaves nothing behind.
  using model = randomQwen2(config, options.seed ?? TINY_DEFAULTS.seed, config.torchDtype);
  makeDir(dir);
  writeTokenizer(dir);
  const files = saveQwen2(model, dir, {
    base: { dir, hfConfig: qwen2ConfigToHF(config), generationConfigJson: { ...QWEN25_INSTRUCT_GENERATION_CONFIG } },
    maxShardBytes: options.maxShardBytes,
  });
  return [...files, ...TOKENIZER_OUT];
}
