/**
 * JSON Lines: one JSON value a line, UTF-8. Reading validates each line with a schema and
 * fails with the file and line number; `.jsonl.gz` is read transparently.
 */
import { readFileSync, appendFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InputError } from './errors.js';
import { decodeUtf8Strict } from './fs.js';
import { parseWith, type z } from './schema.js';
import { writeFileAtomic } from './fs.js';

export interface JsonlRow<T> {
  value: T;
  /** 1-based line number in the file. */
  line: number;
}

/** Read a file's text, un-gzipping `.gz` files, as strict UTF-8. */
export function readTextMaybeGz(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError({ file }, 'does not exist', 'check the path');
    if (code === 'EISDIR') throw new InputError({ file }, 'is a folder, not a file', 'pass a .jsonl file (one JSON object a line)');
    throw new InputError({ file }, `cannot be read (${code ?? String(e)})`);
  }
  if (file.endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new InputError({ file }, 'is not a valid gzip file', 'compress it with gzip or drop the .gz suffix');
    }
  }
  return decodeUtf8Strict(bytes, file);
}

/** Parse JSONL text; blank lines are skipped. Each value is checked with `schema`. */
export function parseJsonl<S extends z.ZodType>(text: string, file: string, schema: S): JsonlRow<z.output<S>>[] {
  const rows: JsonlRow<z.output<S>>[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      // JSON.parse's own message quotes the bad line's text, which may be clinical text: not shown.
      throw new InputError({ file, line: i + 1 }, 'is not valid JSON', 'write one complete JSON object per line');
    }
    rows.push({ value: parseWith(schema, json, { file, line: i + 1 }), line: i + 1 });
  }
  return rows;
}

/** Read and validate a JSONL (or .jsonl.gz) file. */
export function readJsonl<S extends z.ZodType>(file: string, schema: S): JsonlRow<z.output<S>>[] {
  return parseJsonl(readTextMaybeGz(file), file, schema);
}

/** Serialize rows as JSONL (one compact JSON value a line, final newline). */
export function toJsonl(rows: Iterable<unknown>): string {
  let s = '';
  for (const r of rows) s += `${JSON.stringify(r)}\n`;
  return s;
}

/** Write rows to `file` atomically (see `writeFileAtomic`). */
export function writeJsonlAtomic(file: string, rows: Iterable<unknown>): void {
  writeFileAtomic(file, toJsonl(rows));
}

/**
 * Append rows to a JSONL file and fsync, for outputs that grow while a long job runs and are
 * resumed after a crash. A torn last line (a crash mid-write) is tolerated by `readJsonlTolerant`.
 */
export function appendJsonl(file: string, rows: readonly unknown[]): void {
  if (rows.length === 0) return;
  appendFileSync(file, toJsonl(rows));
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Like `readJsonl`, but a last line without its newline that fails to parse (the trace of a
 * crash in the middle of an append) is ignored and reported through `torn`.
 */
export function readJsonlTolerant<S extends z.ZodType>(
  file: string,
  schema: S,
): { rows: JsonlRow<z.output<S>>[]; torn: boolean } {
  const text = readTextMaybeGz(file);
  if (text === '' || text.endsWith('\n')) return { rows: parseJsonl(text, file, schema), torn: false };
  const cut = text.lastIndexOf('\n') + 1;
  const last = text.slice(cut);
  try {
    JSON.parse(last);
    return { rows: parseJsonl(text, file, schema), torn: false };
  } catch {
    return { rows: parseJsonl(text.slice(0, cut), file, schema), torn: true };
  }
}

/**
 * If `file` ends in a partial line (no final newline), cut it off so that appends start on a
 * fresh line. Returns true when something was cut. Missing files are left alone.
 */
export function truncateTornTail(file: string): boolean {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return false;
  }
  if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return false;
  const cut = bytes.lastIndexOf(0x0a) + 1;
  writeFileAtomic(file, bytes.subarray(0, cut));
  return true;
}
