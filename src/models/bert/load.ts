/** Loading a BERT-family encoder from a Hugging Face folder: config.json + safetensors, strictly. */
import { join } from 'node:path';
import type { DType, Device } from '../../engine/index.js';
import { z } from '../../util/schema.js';
import { loadParams, type LoadReport } from '../hf/load.js';
import { readModelConfig } from '../hf/config.js';
import { BASE_PREFIX, fromHF, type BertConfig } from './config.js';
import { createEncoder, fullParameterNames, type Encoder } from './model.js';

export interface LoadEncoderOptions {
  /** Layers to keep (bert_score's num_layers); default all. Only their weights are read. */
  layers?: number;
  device?: Device;
  /** Default float32 (bert_score runs the model in float32). */
  dtype?: DType;
}

/** `dir/config.json` as a typed config. */
export function readBertConfig(dir: string): BertConfig {
  return fromHF(readModelConfig(dir, z.unknown()), join(dir, 'config.json'));
}

/** Buffers that some checkpoints store beside the weights. */
function isBuffer(name: string): boolean {
  return name === 'embeddings.position_ids' || name === 'embeddings.token_type_ids';
}

export function loadEncoder(dir: string, options: LoadEncoderOptions = {}): { encoder: Encoder; report: LoadReport } {
  const config = readBertConfig(dir);
  const layers = options.layers ?? config.numLayers;
  const encoder = createEncoder(config, layers);
  const report = loadParams(encoder.params, dir, {
    dtype: options.dtype,
    device: options.device,
    basePrefix: BASE_PREFIX[config.family],
    known: fullParameterNames(config),
    isBuffer,
  });
  return { encoder, report };
}
