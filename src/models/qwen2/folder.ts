/**
 * Qwen2 models in Hugging Face folders: `loadQwen2(dir)` reads config.json, the safetensors
 * weights (single file or sharded index, strictly: every missing, unexpected, misshapen or
 * non-float tensor is reported by name) and generation_config.json; `saveQwen2(model, dir)` writes
 * what `AutoModelForCausalLM.from_pretrained` and vLLM read unchanged: config.json, weights
 * (sharded above `maxShardBytes` like transformers, index json), generation_config.json and the
 * tokenizer files. A tied `lm_head.weight` is not stored (transformers drops it too).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { INDEX_FILE, SINGLE_FILE, saveCheckpoint, type Device, type FloatDType, type SafetensorsCheckpoint, type Tensor } from '../../engine/index.js';
import { InputError } from '../../util/errors.js';
import { defaultGenerationConfig, parseGenerationConfig, type GenerationConfig } from '../generation/config.js';
import { requireModelDir } from '../hf/config.js';
import { CONFIG_FILE, GENERATION_CONFIG_FILE, copyTokenizerFiles, readJsonObject, storedFloatDtype, writeHFJson, type FolderFile } from '../hf/folder.js';
import { loadParams, openCheckpoint } from '../hf/load.js';
import { qwen2ConfigFromHF, qwen2ConfigToHF, sortKeys, type HFConfigJson, type Qwen2Config } from './config.js';
import { Qwen2ForCausalLM } from './model.js';
import { makeDir } from '../../util/fs.js';

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
  requireModelDir(dir);
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

/**
 * Loads a Qwen2 causal LM from a Hugging Face folder: checks every weight against the declared
 * parameters before reading any (the shared strict `loadParams`), then reads them in `dtype`.
 */
export function loadQwen2(dirIn: string, options: LoadQwen2Options = {}): LoadedQwen2 {
  const dir = resolve(dirIn);
  const { config, hfConfig } = readQwen2Config(dir);
  const { generation, json } = readGenerationConfig(dir, config);
  const model = new Qwen2ForCausalLM(config);
  let dtype: FloatDType;
  {
    using ckpt = openCheckpoint(dir);
    checkFloatWeights(ckpt, new Set(model.params.map((p) => p.name)));
    dtype = options.dtype ?? storedFloatDtype(ckpt) ?? config.torchDtype;
  }
  // transformers ties lm_head to the embedding whatever the file holds; so does clinsum.
  loadParams(model.params, dir, { dtype, device: options.device ?? 'cpu', known: config.tieWordEmbeddings ? [LM_HEAD] : [] });
  return { model, dir, hfConfig, generationConfigJson: json, generation };
}

/** Weights must be floating point: an integer or boolean tensor under a parameter's name is an error naming its file. */
function checkFloatWeights(ckpt: SafetensorsCheckpoint, names: ReadonlySet<string>): void {
  let shards: Map<string, string> | undefined;
  for (const name of ckpt.names()) {
    if (!names.has(name)) continue;
    const d = ckpt.info(name).dtype;
    if (d === 'float32' || d === 'bfloat16' || d === 'float16' || d === 'float64') continue;
    shards ??= shardFiles(ckpt.dir);
    throw new InputError(
      { file: join(ckpt.dir, shards?.get(name) ?? SINGLE_FILE), field: name },
      `has dtype ${d}; model weights must be floating point (F32, BF16, F16 or F64)`,
      'the weights and config.json must come from the same model',
    );
  }
}

/** tensor name → shard file of a sharded folder (undefined for a single model.safetensors). */
function shardFiles(dir: string): Map<string, string> | undefined {
  const path = join(dir, INDEX_FILE);
  if (!existsSync(path)) return undefined;
  const wm = (readJsonObject(path).weight_map ?? {}) as Record<string, string>;
  return new Map(Object.entries(wm));
}

export interface SaveQwen2Options {
  /** The loaded folder this model came from: its config.json keys, generation_config.json and tokenizer files are carried over. */
  base?: Pick<LoadedQwen2, 'dir' | 'hfConfig' | 'generationConfigJson'>;
  /** generation_config.json to write (overrides the base's). */
  generationConfigJson?: HFConfigJson;
  /** Largest weights file in bytes before sharding (transformers' default max_shard_size, 5 GB). */
  maxShardBytes?: number;
  /** Write the weights in this dtype (e.g. bfloat16 from float32 master weights); default: the parameters' dtype. */
  dtype?: FloatDType;
}

/**
 * Writes `model` as a Hugging Face folder in its parameter dtype (or `options.dtype`, and
 * config.json's `torch_dtype` says which); returns the files written (folder-relative). Saving a
 * loaded model unchanged reproduces its files byte for byte.
 */
export function saveQwen2(model: Qwen2ForCausalLM, dirIn: string, options: SaveQwen2Options = {}): string[] {
  const dir = resolve(dirIn);
  makeDir(dir);
  const dtype = options.dtype ?? model.dtype;
  const config = { ...model.config, torchDtype: dtype };
  const cast = dtype !== model.dtype;
  const tensors = new Map<string, Tensor>(model.namedParameters().map(([name, t]) => [name, cast ? t.to({ dtype, device: 'cpu' }).keep() : t]));
  let files: string[];
  try {
    files = saveCheckpoint(dir, tensors, { maxShardBytes: options.maxShardBytes ?? 5_000_000_000, metadata: { format: 'pt' } });
  } finally {
    if (cast) for (const t of tensors.values()) t.dispose();
  }
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
