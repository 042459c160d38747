/**
 * Which model class trains a Hugging Face folder: picked by `config.json`'s `model_type` from a
 * frozen table (transformers.js `SUPPORTED_TASKS` style), so adding an architecture is one line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, InputError } from '../../util/errors.js';
import type { ModelLoader } from './lm.js';
import { loadQwen2Student } from './qwen2.js';

export const STUDENT_LOADERS: Readonly<Record<string, ModelLoader>> = Object.freeze({
  qwen2: loadQwen2Student,
});

/** The `model_type` of a model folder. */
export function modelType(dir: string): string {
  const file = join(dir, 'config.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError({ file }, 'does not exist', 'the student must be a Hugging Face model folder');
    throw new InputError({ file }, 'is not valid JSON');
  }
  const t = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).model_type : undefined;
  if (typeof t !== 'string') throw new InputError({ file, field: 'model_type' }, 'is missing');
  return t;
}

/** Loads a student for training by its `model_type`. */
export const loadStudent: ModelLoader = (dir, options) => {
  const t = modelType(dir);
  const loader = STUDENT_LOADERS[t];
  if (loader === undefined) throw new ConfigError(`${dir}: model_type ${t} cannot be trained by clinsum (supported: ${Object.keys(STUDENT_LOADERS).join(', ')})`);
  return loader(dir, options);
};
