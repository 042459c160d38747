/**
 * Reading one run file: present or not, strict UTF-8, parsed, validated. Every problem is an
 * `InputError` that names the file (and line or field); no message quotes the file's text.
 */
import { existsSync, statSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { InputError } from '../../../util/errors.js';
import { readUtf8Strict } from '../../../util/fs.js';
import { parseWith, type z } from '../../../util/schema.js';

export function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

export function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** `file` as JSON checked by `schema`. */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S, fix?: string): z.output<S> {
  const text = readUtf8Strict(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // JSON.parse's message may quote the text; keep only the position it names.
    const at = /position (\d+)/.exec(e instanceof Error ? e.message : '')?.[1];
    throw new InputError({ file }, `is not valid JSON${at === undefined ? '' : ` (at character ${at})`}`, fix ?? 'rewrite the file with the stage that makes it');
  }
  return parseWith(schema, value, { file }, fix);
}

export interface YamlFile<T> {
  text: string;
  value: T;
}

/** `file` as YAML (a mapping) checked by `schema`; the text is kept for display. */
export function readYamlFile<S extends z.ZodType>(file: string, schema: S): YamlFile<z.output<S>> {
  const text = readUtf8Strict(file);
  const doc = parseDocument(text, { prettyErrors: true });
  const err = doc.errors[0];
  if (err !== undefined) {
    const line = err.linePos?.[0]?.line;
    throw new InputError({ file, line }, `is not valid YAML (${err.code})`, 'fix the YAML syntax');
  }
  const value: unknown = doc.toJS() ?? {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError({ file }, 'must be a YAML mapping (key: value lines)');
  }
  return { text, value: parseWith(schema, value, { file }) };
}
