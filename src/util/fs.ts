/** File helpers: atomic writes (write a temporary file, fsync, rename) and strict UTF-8 reads. */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import { InputError } from './errors.js';

let tmpCounter = 0;

const DEFAULT_OUTPUT_FIX = 'choose another output path';

/**
 * `statSync(path)`, or undefined when nothing is there. A file on the way (ENOTDIR) counts as
 * nothing too, unless `notDir` names the problem to raise; other failures raise an InputError
 * with `fix`.
 */
export function statIfExists(path: string, fix: string, notDir?: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') {
      if (notDir !== undefined) throw new InputError({ file: path }, notDir, fix);
      return undefined; // a walk up the parents finds and names the file
    }
    throw new InputError({ file: path }, `cannot be read (${code ?? String(e)})`, fix);
  }
}

const statOrUndefined = (path: string): Stats | undefined => statIfExists(path, 'check the path and its permissions');

/**
 * Check, before any work, that `dir` can be an output folder: it is a folder or does not exist,
 * and no file sits where one of its parents should be. Throws an `InputError` naming the path at
 * fault (`afile: is a file, not a folder (choose another --out)`); creates nothing.
 */
export function checkOutputDir(dir: string, fix = DEFAULT_OUTPUT_FIX): void {
  let p = dir;
  for (;;) {
    const st = statOrUndefined(p);
    if (st !== undefined) {
      if (!st.isDirectory()) throw new InputError({ file: p }, 'is a file, not a folder', fix);
      return;
    }
    const parent = dirname(p);
    if (parent === p || resolve(parent) === resolve(p)) return;
    p = parent;
  }
}

/**
 * Check, before any work, that `file` can be written: it is a file or does not exist, and its
 * folder can be an output folder (`checkOutputDir`). Creates nothing.
 */
export function checkOutputFile(file: string, fix = DEFAULT_OUTPUT_FIX): void {
  const st = statOrUndefined(file);
  if (st?.isDirectory()) throw new InputError({ file }, 'is a folder, not a file', fix);
  checkOutputDir(dirname(file), fix);
}

/** `mkdir -p dir`, with an `InputError` naming the file in the way instead of EEXIST/ENOTDIR. */
export function makeDir(dir: string, fix = DEFAULT_OUTPUT_FIX): void {
  checkOutputDir(dir, fix);
  mkdirSync(dir, { recursive: true });
}

/**
 * Write `data` to `path` so that a reader (or a crash) sees either the old file or the whole new
 * one, never a part: the bytes go to a temporary file in the same folder, are fsynced, and the
 * file is renamed over `path`. Parent folders are created. A folder at `path`, or a file where a
 * parent folder should be, is an `InputError` before anything is written.
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
  checkOutputFile(path);
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
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
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
