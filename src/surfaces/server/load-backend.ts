/**
 * The one place where `clinsum serve` turns a model folder into a `GenerationBackend`: the Qwen2
 * model (on CUDA in bfloat16 when available, else the CPU in float32) behind a `SlotDecoder` — the
 * `StepModel` of docs/serve.md over one KV cache, `maxBatch` slots — driven by `BatchScheduler`.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cudaAvailable, type Device, type FloatDType } from '../../engine/index.js';
import { SlotDecoder } from '../../models/generation/index.js';
import { modelNameFromPath } from '../../models/hf/index.js';
import { loadQwen2 } from '../../models/qwen2/index.js';
import { loadTokenizer } from '../../models/tokenizer/index.js';
import type { GenerationBackend } from '../../stages/generate/backend.js';
import { BatchScheduler, type BatchSchedulerOptions } from '../../stages/generate/scheduler.js';
import { InputError } from '../../util/errors.js';
import type { Logger } from '../../util/log.js';

export interface LoadBackendOptions {
  /** Sequences decoded together at most (KV-cache slots to allocate). */
  maxBatch: number;
  logger: Logger;
  /** Default: cuda when available, else cpu. */
  device?: Device;
  /** Default: bfloat16 on CUDA, float32 on the CPU. */
  dtype?: FloatDType;
  /** Positions per sequence (default and maximum: the model's max_position_embeddings). */
  maxContextTokens?: number;
}

/** Check that `dir` looks like a Hugging Face model folder; returns its absolute path. */
export function checkModelFolder(dir: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new InputError({ file: dir }, 'is not a folder', 'pass a Hugging Face model folder (config.json, *.safetensors, tokenizer.json)');
  }
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
    if (!existsSync(join(abs, f))) {
      throw new InputError({ file: join(dir, f) }, 'does not exist', 'pass a Hugging Face model folder (config.json, *.safetensors, tokenizer.json)');
    }
  }
  return abs;
}

/** The Qwen2 model behind continuous batching; closing the backend frees the model and its cache. */
class Qwen2Backend extends BatchScheduler {
  readonly #free: () => void;

  constructor(slots: SlotDecoder, options: BatchSchedulerOptions, free: () => void) {
    super(slots, options);
    this.#free = free;
  }

  override async close(options?: { abort?: boolean }): Promise<void> {
    await super.close(options);
    this.#free();
  }
}

export async function loadBackend(modelDir: string, options: LoadBackendOptions): Promise<GenerationBackend> {
  const dir = checkModelFolder(modelDir);
  const device = options.device ?? (cudaAvailable() ? 'cuda' : 'cpu');
  const dtype = options.dtype ?? (device === 'cpu' ? 'float32' : 'bfloat16');
  const tokenizer = loadTokenizer(dir);
  const { model, generation } = loadQwen2(dir, { device, dtype });
  const slots = new SlotDecoder(model, {
    maxSlots: options.maxBatch,
    eosTokenIds: generation.eosTokenIds,
    maxContextTokens: Math.min(model.maxPositions, options.maxContextTokens ?? model.maxPositions),
  });
  options.logger.debug(`serve: ${modelNameFromPath(dir)} on ${device} in ${dtype}, ${model.numParameters()} parameters, ${options.maxBatch} slots`);
  const backend = new Qwen2Backend(
    slots,
    {
      modelId: modelNameFromPath(dir),
      tokenizer,
      maxBatch: options.maxBatch,
      logger: options.logger,
      // generation_config.json; do_sample false means greedy, as transformers' generate()
      defaultSampling: {
        temperature: generation.doSample ? generation.temperature : 0,
        topP: generation.topP,
        topK: generation.topK,
        // applied in greedy decoding too, as transformers' generate() and `clinsum generate` do
        repetitionPenalty: generation.repetitionPenalty,
      },
    },
    () => {
      slots.dispose();
      model.dispose();
    },
  );
  return backend;
}
