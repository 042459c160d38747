/** File helpers: atomic writes (write a temporary file, fsync, rename) and strict UTF-8 reads. */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { InputError } from './errors.js';

let tmpCounter = 0;

/**
 * Write `data` to `path` so that a reader (or a crash) sees either the old file or the whole new
 * one, never a part: the bytes go to a temporary file in the same folder, are fsynced, and the
 * file is renamed over `path`. Parent folders are created.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeFileAtomicWith(path, (write) => write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data));
}

/**
 * `writeFileAtomic` for a file written in pieces (a checkpoint need not be held in memory whole):
 * `fill` calls `write` once per piece, in order. If `fill` throws, the temporary file is removed
 * and `path` is left as it was.
 */
export function writeFileAtomicWith(path: string, fill: (write: (bytes: Uint8Array) => void) => void): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${tmpCounter++}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    fill((bytes) => {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    });
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dir);
}

/** `writeFileAtomic` of pretty-printed JSON with a final newline. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** fsync a directory so that a rename inside it survives a power cut (best effort). */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decode bytes as UTF-8, failing with an `InputError` naming `file` on invalid sequences,
 * a byte-order mark (unless `allowBom`), or NUL bytes (a binary file).
 */
export function decodeUtf8Strict(bytes: Uint8Array, file: string, options?: { allowBom?: boolean }): string {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf && !options?.allowBom) {
    throw new InputError({ file }, 'starts with a UTF-8 byte-order mark', 'save the file as UTF-8 without BOM');
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new InputError({ file }, `is binary (a NUL byte at offset ${nul}), not text`, 'pass a UTF-8 text file');
  }
  try {
    const s = strictUtf8.decode(bytes);
    return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new InputError({ file }, `is not valid UTF-8 (first bad byte at offset ${at})`, 're-encode the file as UTF-8');
  }
}

/** Read a file as strict UTF-8 (see `decodeUtf8Strict`). */
export function readUtf8Strict(file: string, options?: { allowBom?: boolean }): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError({ file }, 'does not exist', 'check the path');
    if (code === 'EISDIR') throw new InputError({ file }, 'is a folder, not a file');
    throw new InputError({ file }, `cannot be read (${code ?? String(e)})`);
  }
  return decodeUtf8Strict(bytes, file, options);
}

function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n = 0;
    if (c < 0x80) n = 0;
    else if (c >= 0xc2 && c < 0xe0) n = 1;
    else if (c >= 0xe0 && c < 0xf0) n = 2;
    else if (c >= 0xf0 && c < 0xf5) n = 3;
    else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
    }
    i += n + 1;
  }
  return b.length;
}
