/**
 * Qwen2 models in Hugging Face folders: `loadQwen2(dir)` reads config.json, the safetensors
 * weights (single file or sharded index, strictly: every missing, unexpected, misshapen or
 * non-float tensor is reported by name) and generation_config.json; `saveQwen2(model, dir)` writes
 * what `AutoModelForCausalLM.from_pretrained` and vLLM read unchanged: config.json, weights
 * (sharded above `maxShardBytes` like transformers, index json), generation_config.json and the
 * tokenizer files. A tied `lm_head.weight` is not stored (transformers drops it too).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SafetensorsCheckpoint, saveCheckpoint, type Device, type FloatDType, type Tensor } from '../../engine/index.js';
import { InputError } from '../../util/errors.js';
import { defaultGenerationConfig, parseGenerationConfig, type GenerationConfig } from '../generation/config.js';
import {
  CONFIG_FILE,
  GENERATION_CONFIG_FILE,
  copyTokenizerFiles,
  readJsonObject,
  storedFloatDtype,
  writeHFJson,
  type FolderFile,
} from '../hf-folder.js';
import { CheckpointSource } from '../params.js';
import { qwen2ConfigFromHF, qwen2ConfigToHF, sortKeys, type HFConfigJson, type Qwen2Config } from './config.js';
import { Qwen2ForCausalLM } from './model.js';

export const LM_HEAD = 'lm_head.weight';

/** A Qwen2 model read from a folder, with what it needs to be saved again the same way. */
export interface LoadedQwen2 {
  model: Qwen2ForCausalLM;
  /** Absolute path of the folder. */
  dir: string;
  /** config.json as read (keys clinsum does not model are written back unchanged). */
  hfConfig: HFConfigJson;
  /** generation_config.json as read, when the folder has one. */
  generationConfigJson: HFConfigJson | undefined;
  /** The generation defaults (the file's, else transformers' with config.json's eos id). */
  generation: GenerationConfig;
}

export interface LoadQwen2Options {
  /** Parameter dtype. Default: the dtype the weights are stored in (config.json's torch_dtype if mixed). */
  dtype?: FloatDType;
  /** Default `cpu`. */
  device?: Device;
}

/** Reads and validates `dir/config.json`. */
export function readQwen2Config(dir: string): { config: Qwen2Config; hfConfig: HFConfigJson } {
  const file = join(dir, CONFIG_FILE);
  const hfConfig = readJsonObject(file, 'point at a Hugging Face model folder (config.json, *.safetensors, tokenizer files)');
  return { config: qwen2ConfigFromHF(hfConfig, file), hfConfig };
}

/** Reads `dir/generation_config.json`, or transformers' defaults with config.json's eos ids. */
export function readGenerationConfig(dir: string, config: Qwen2Config): { generation: GenerationConfig; json: HFConfigJson | undefined } {
  const file = join(dir, GENERATION_CONFIG_FILE);
  if (!existsSync(file)) {
    if (config.eosTokenIds.length === 0) throw new InputError({ file: join(dir, CONFIG_FILE), field: 'eos_token_id' }, `is not set and there is no ${GENERATION_CONFIG_FILE}`, 'set eos_token_id');
    return { generation: defaultGenerationConfig(config.eosTokenIds), json: undefined };
  }
  const json = readJsonObject(file);
  return { generation: parseGenerationConfig(json, file, config.eosTokenIds), json };
}

/** Loads a Qwen2 causal LM from a Hugging Face folder. */
export function loadQwen2(dirIn: string, options: LoadQwen2Options = {}): LoadedQwen2 {
  const dir = resolve(dirIn);
  const { config, hfConfig } = readQwen2Config(dir);
  const { generation, json } = readGenerationConfig(dir, config);
  using ckpt = SafetensorsCheckpoint.open(dir);
  const dtype = options.dtype ?? storedFloatDtype(ckpt) ?? config.torchDtype;
  const source = new CheckpointSource(ckpt, {
    dtype,
    device: options.device,
    // transformers ties lm_head to the embedding whatever the file holds; so does clinsum.
    ignore: config.tieWordEmbeddings ? new Set([LM_HEAD]) : undefined,
    shapeHint: (name) => shapeHint(name, config),
  });
  const model = new Qwen2ForCausalLM(config, source);
  try {
    source.finish();
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, dir, hfConfig, generationConfigJson: json, generation };
}

function shapeHint(name: string, c: Qwen2Config): string | undefined {
  if (name.includes('embed_tokens') || name === LM_HEAD) return `config.json: vocab_size ${c.vocabSize}, hidden_size ${c.hiddenSize}`;
  if (name.includes('self_attn')) return `config.json: hidden_size ${c.hiddenSize}, num_attention_heads ${c.numAttentionHeads}, num_key_value_heads ${c.numKeyValueHeads}, head size ${c.headDim}`;
  if (name.includes('mlp')) return `config.json: hidden_size ${c.hiddenSize}, intermediate_size ${c.intermediateSize}`;
  return `config.json: hidden_size ${c.hiddenSize}`;
}

export interface SaveQwen2Options {
  /** The loaded folder this model came from: its config.json keys, generation_config.json and tokenizer files are carried over. */
  base?: Pick<LoadedQwen2, 'dir' | 'hfConfig' | 'generationConfigJson'>;
  /** generation_config.json to write (overrides the base's). */
  generationConfigJson?: HFConfigJson;
  /** Largest weights file in bytes before sharding (transformers' default max_shard_size, 5 GB). */
  maxShardBytes?: number;
}

/**
 * Writes `model` as a Hugging Face folder in its parameter dtype; returns the files written
 * (folder-relative). Saving a loaded model unchanged reproduces its files byte for byte.
 */
export function saveQwen2(model: Qwen2ForCausalLM, dirIn: string, options: SaveQwen2Options = {}): string[] {
  const dir = resolve(dirIn);
  mkdirSync(dir, { recursive: true });
  const config = { ...model.config, torchDtype: model.dtype };
  const tensors = new Map<string, Tensor>(model.namedParameters());
  const files = saveCheckpoint(dir, tensors, { maxShardBytes: options.maxShardBytes ?? 5_000_000_000, metadata: { format: 'pt' } });
  writeHFJson(join(dir, CONFIG_FILE), qwen2ConfigToHF(config, options.base?.hfConfig));
  files.push(CONFIG_FILE);
  const gen = options.generationConfigJson ?? options.base?.generationConfigJson;
  if (gen !== undefined) {
    writeHFJson(join(dir, GENERATION_CONFIG_FILE), sortKeys(gen));
    files.push(GENERATION_CONFIG_FILE);
  }
  if (options.base !== undefined) files.push(...copyTokenizerFiles(options.base.dir, dir));
  return files;
}

export type { FolderFile };
