/**
 * The one place where `clinsum serve` turns a model folder into a `GenerationBackend`. The Qwen2
 * model (KV-cache generation on the tensor engine) plugs in here: wrap it as a `StepModel` with
 * `maxSlots = options.maxBatch` and return
 * `new BatchScheduler(stepModel, { modelId, tokenizer, maxBatch, defaultSampling, logger })`.
 * docs/serve.md states the StepModel contract.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { GenerationBackend } from '../../stages/generate/backend.js';
import { ClinsumError, InputError } from '../../util/errors.js';
import type { Logger } from '../../util/log.js';

export interface LoadBackendOptions {
  /** Sequences decoded together at most (KV-cache slots to allocate). */
  maxBatch: number;
  logger: Logger;
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

export async function loadBackend(modelDir: string, options: LoadBackendOptions): Promise<GenerationBackend> {
  const dir = checkModelFolder(modelDir);
  options.logger.debug(`serve: model folder ${dir}, max batch ${options.maxBatch}`);
  throw new ClinsumError(
    'model',
    `cannot serve ${basename(dir)}: this build of clinsum has no Qwen2 generation backend yet (it comes with the Qwen2 model layer)`,
  );
}
