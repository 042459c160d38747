/**
 * `clinsum model info`: what a Qwen2 folder holds, read from config.json and the safetensors
 * headers only (no weights are loaded): the configuration, the parameter count (a tied head
 * counted once), the stored dtype and the files with their sizes.
 */
import { resolve } from 'node:path';
import { SafetensorsCheckpoint, type DType } from '../../engine/index.js';
import { listFolder, type FolderFile } from '../hf/folder.js';
import { QWEN2_ARCHITECTURE, type Qwen2Config } from './config.js';
import { LM_HEAD, readGenerationConfig, readQwen2Config } from './folder.js';
import type { GenerationConfig } from '../generation/config.js';

export interface Qwen2Info {
  dir: string;
  architecture: string;
  config: Qwen2Config;
  /** Scalar parameters stored (a tied head once). */
  parameters: number;
  /** Stored dtypes of the weights, by number of tensors. */
  dtypes: Partial<Record<DType, number>>;
  /** The dtype of (most of) the weights. */
  dtype: DType;
  generation: GenerationConfig;
  files: FolderFile[];
  totalBytes: number;
}

export function qwen2Info(dirIn: string): Qwen2Info {
  const dir = resolve(dirIn);
  const { config } = readQwen2Config(dir);
  const { generation } = readGenerationConfig(dir, config);
  using ckpt = SafetensorsCheckpoint.open(dir);
  let parameters = 0;
  const dtypes: Partial<Record<DType, number>> = {};
  for (const name of ckpt.names()) {
    if (config.tieWordEmbeddings && name === LM_HEAD) continue;
    const info = ckpt.info(name);
    parameters += info.shape.reduce((a, d) => a * d, 1);
    dtypes[info.dtype] = (dtypes[info.dtype] ?? 0) + 1;
  }
  const dtype = (Object.entries(dtypes).sort((a, b) => b[1] - a[1])[0]?.[0] ?? config.torchDtype) as DType;
  const files = listFolder(dir);
  return { dir, architecture: QWEN2_ARCHITECTURE, config, parameters, dtypes, dtype, generation, files, totalBytes: files.reduce((a, f) => a + f.bytes, 0) };
}

/** Human-readable count: 494,032,768 → "494.0M". */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}
