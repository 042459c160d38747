/**
 * Reading the JSON files of a Hugging Face model folder (`config.json`, `tokenizer.json`,
 * `tokenizer_config.json`, ...) with clear errors: a missing or unreadable file, bad JSON, or a
 * field that fails the schema is an `InputError` naming the file and the field.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { parseWith, type z } from '../../util/schema.js';

/** The parsed JSON of `file`; `fix` is the remedy named when the file is missing. */
export function readJsonFile(file: string, fix?: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError({ file }, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`, fix);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    // JSON.parse quotes the text near the fault; keep only its position.
    const where = /position \d+/.exec((e as Error).message)?.[0];
    throw new InputError(
      { file },
      `is not valid JSON${where ? ` (at ${where})` : ''}`,
      'fix its syntax, or copy the file again from where the model came from',
    );
  }
}

/** Check that `dir` is a folder; the error says what a model folder holds. */
export function requireModelDir(dir: string, what = 'a Hugging Face model folder with config.json, *.safetensors and tokenizer.json'): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new InputError({ file: dir }, 'does not exist', `pass ${what}`);
  }
  if (!isDir) throw new InputError({ file: dir }, 'is not a folder', `pass ${what}`);
}

/** `dir/config.json` parsed with `schema` (fields named in errors). */
export function readModelConfig<S extends z.ZodType>(dir: string, schema: S): z.output<S> {
  requireModelDir(dir);
  const file = join(dir, 'config.json');
  return parseWith(schema, readJsonFile(file, 'a model folder needs the config.json its model was saved with'), { file });
}

/** The JSON of `dir/name` if that file exists, else undefined. */
export function readOptionalJson(dir: string, name: string): unknown {
  const file = join(dir, name);
  return existsSync(file) ? readJsonFile(file) : undefined;
}

/**
 * The Hub name a local folder holds, when it can be told: a huggingface_hub cache snapshot
 * (`.../models--org--name/snapshots/<commit>`) gives `org/name`; otherwise the folder's own name.
 */
export function modelNameFromPath(dir: string): string {
  const m = /(?:^|[\\/])models--([^\\/]+)[\\/]snapshots[\\/][^\\/]+[\\/]?$/.exec(dir);
  if (m) return m[1]!.split('--').join('/');
  return basename(dir.replace(/[\\/]+$/, ''));
}
