/**
 * Writing and describing Hugging Face model folders, architecture-agnostic: config files
 * written as transformers writes them, the tokenizer files carried along when a model is saved,
 * the files of a folder with their sizes, the dtype the weights are stored in.
 */
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { INDEX_FILE, SINGLE_FILE, type DType, type FloatDType, type SafetensorsCheckpoint } from '../../engine/index.js';
import { InputError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { readJsonFile } from './config.js';

export const CONFIG_FILE = 'config.json';
export const GENERATION_CONFIG_FILE = 'generation_config.json';

/** Tokenizer files transformers writes or reads; those present are copied with a saved model. */
export const TOKENIZER_FILES: readonly string[] = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'chat_template.jinja',
  'chat_template.json',
];

/** Reads a JSON object file (as transformers writes config files). */
export function readJsonObject(path: string, fix?: string): Record<string, unknown> {
  const v = readJsonFile(path, fix);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InputError({ file: path }, 'must hold a JSON object', fix);
  return v as Record<string, unknown>;
}

/** Writes JSON the way transformers does (`json.dumps(indent=2)`, final newline), atomically. */
export function writeHFJson(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Copies the tokenizer files of `from` into `to` (same folder: nothing to do). Returns the names copied. */
export function copyTokenizerFiles(from: string, to: string): string[] {
  const copied: string[] = [];
  if (samePath(from, to)) return copied;
  for (const f of TOKENIZER_FILES) {
    const src = join(from, f);
    if (!existsSync(src)) continue;
    copyFileSync(src, join(to, f));
    copied.push(f);
  }
  return copied;
}

function samePath(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.ino === sb.ino && sa.dev === sb.dev;
  } catch {
    return false;
  }
}

export interface FolderFile {
  name: string;
  bytes: number;
}

/** The files of a model folder (not recursing), by name, with their sizes. */
export function listFolder(dir: string): FolderFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => ({ name: e.name, bytes: statSync(join(dir, e.name)).size }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Whether `dir` holds safetensors weights (single file or an index). */
export function hasSafetensors(dir: string): boolean {
  return existsSync(join(dir, SINGLE_FILE)) || existsSync(join(dir, INDEX_FILE));
}

/**
 * The floating-point dtype the tensors of a checkpoint are stored in: the one they share, or
 * `undefined` when they are mixed (the caller then falls back to config.json's `torch_dtype`).
 */
export function storedFloatDtype(ckpt: SafetensorsCheckpoint): FloatDType | undefined {
  const seen = new Set<DType>();
  for (const n of ckpt.names()) {
    const d = ckpt.info(n).dtype;
    if (d === 'float32' || d === 'bfloat16' || d === 'float16' || d === 'float64') seen.add(d);
  }
  return seen.size === 1 ? ([...seen][0] as FloatDType) : undefined;
}
