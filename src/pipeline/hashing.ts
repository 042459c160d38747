/**
 * Content hashes of a stage's input files and folders, with a cache keyed by (path, size,
 * modification time, inode) so that a rerun does not read a 1 GB checkpoint again to learn that
 * it did not change (git's index does the same). A folder's hash covers every file below it
 * (symbolic links followed, as a Hugging Face snapshot is made of links), by relative path.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync, type BigIntStats } from 'node:fs';
import { join, relative } from 'node:path';
import { InputError } from '../util/errors.js';
import { readUtf8Strict, writeJsonAtomic } from '../util/fs.js';
import { z } from '../util/schema.js';

const entrySchema = z.strictObject({ size: z.number(), mtime_ns: z.string(), ino: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const cacheSchema = z.strictObject({ version: z.literal(1), files: z.record(z.string(), entrySchema) });
type CacheEntry = z.output<typeof entrySchema>;

/** Names that never count as contents of a folder input: temporary files of atomic writes. */
function ignored(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

function sha256File(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Hashes files and folders; remembers file hashes in a JSON cache file between runs. */
export class FileHasher {
  readonly #cacheFile: string | undefined;
  readonly #cache = new Map<string, CacheEntry>();
  #dirty = false;

  /** `cacheFile`: where hashes are remembered (read when it exists; a bad file is ignored). */
  constructor(cacheFile?: string) {
    this.#cacheFile = cacheFile;
    if (cacheFile !== undefined && existsSync(cacheFile)) {
      try {
        const parsed = cacheSchema.safeParse(JSON.parse(readUtf8Strict(cacheFile)));
        if (parsed.success) for (const [k, v] of Object.entries(parsed.data.files)) this.#cache.set(k, v);
      } catch {
        // A cache is only a shortcut: an unreadable one is rebuilt.
      }
    }
  }

  /** SHA-256 of a file's bytes (from the cache when size, mtime and inode are unchanged). */
  file(path: string, st: BigIntStats = statSync(path, { bigint: true })): string {
    const size = Number(st.size);
    const mtime = st.mtimeNs.toString();
    const ino = st.ino.toString();
    const hit = this.#cache.get(path);
    if (hit !== undefined && hit.size === size && hit.mtime_ns === mtime && hit.ino === ino) return hit.sha256;
    const sha256 = sha256File(path);
    this.#cache.set(path, { size, mtime_ns: mtime, ino, sha256 });
    this.#dirty = true;
    return sha256;
  }

  /**
   * SHA-256 of a file, or of a folder: of the lines `"<sha256>  <relative path>\n"` of every file
   * below it, sorted by path (`find . -type f | sort | xargs sha256sum | sha256sum`). A missing
   * path is an InputError naming it.
   */
  path(path: string): string {
    let st: BigIntStats;
    try {
      st = statSync(path, { bigint: true });
    } catch {
      throw new InputError({ file: path }, 'does not exist', 'a stage needs it as input: check the path, or rerun the stage that writes it');
    }
    if (!st.isDirectory()) return this.file(path, st);
    const lines: string[] = [];
    for (const f of listFiles(path)) lines.push(`${this.file(f)}  ${relative(path, f).split('\\').join('/')}\n`);
    return createHash('sha256').update(lines.join('')).digest('hex');
  }

  /** Writes the cache file (when one was given and something changed). */
  save(): void {
    if (this.#cacheFile === undefined || !this.#dirty) return;
    const files: Record<string, CacheEntry> = {};
    for (const k of [...this.#cache.keys()].sort()) {
      if (existsSync(k)) files[k] = this.#cache.get(k)!;
    }
    writeJsonAtomic(this.#cacheFile, { version: 1, files });
    this.#dirty = false;
  }
}

/** Every file below `dir` (links followed), sorted by relative path in code-unit order. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (ignored(name)) continue;
      const p = join(d, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue; // a dangling link is not content
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
