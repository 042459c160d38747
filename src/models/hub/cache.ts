/**
 * The huggingface_hub cache layout, shared with Python tools (transformers, vLLM, `hf`):
 *
 * ```
 * {cacheDir}/models--{org}--{name}/
 *   blobs/{etag}                     file contents, named by sha256 (LFS) or git blob sha1
 *   blobs/{etag}.incomplete          a download in progress (clinsum resumes it)
 *   snapshots/{commit}/{path}        relative symlinks to ../../blobs/{etag} (copies where links fail)
 *   refs/{revision}                  the commit sha a branch or tag pointed to, no newline
 *   trees/{commit}.json              the file list of a commit (huggingface_hub >= 1.x tree cache)
 * {cacheDir}/.locks/models--{org}--{name}/{etag}.clinsum.lock
 * ```
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { writeFileAtomic } from '../../util/fs.js';
import { COMMIT_RE, isSafeRepoPath, repoFolderName } from './repo.js';

/** One entry of huggingface_hub's tree cache (`trees/{commit}.json`, format_version 1). */
export interface TreeEntry {
  size: number;
  blob_id: string;
  lfs_sha256?: string;
  lfs_size?: number;
  xet_hash?: string;
}

export const TREE_FORMAT_VERSION = 1;

export type LinkKind = 'symlink' | 'copy' | 'move';

export class RepoCache {
  readonly cacheDir: string;
  readonly repoId: string;
  /** `{cacheDir}/models--{org}--{name}` */
  readonly repoDir: string;
  private readonly disableSymlinks: boolean;
  private symlinksFailed = false;

  constructor(cacheDir: string, repoId: string, options: { disableSymlinks?: boolean } = {}) {
    this.cacheDir = cacheDir;
    this.repoId = repoId;
    this.repoDir = join(cacheDir, repoFolderName(repoId));
    this.disableSymlinks = options.disableSymlinks ?? false;
  }

  blobPath(etag: string): string {
    return join(this.repoDir, 'blobs', etag);
  }

  incompletePath(etag: string): string {
    return `${this.blobPath(etag)}.incomplete`;
  }

  lockPath(etag: string): string {
    return join(this.cacheDir, '.locks', repoFolderName(this.repoId), `${etag}.clinsum.lock`);
  }

  snapshotDir(commit: string): string {
    return join(this.repoDir, 'snapshots', commit);
  }

  pointerPath(commit: string, file: string): string {
    if (!isSafeRepoPath(file)) throw new Error(`unsafe repository path ${JSON.stringify(file)}`);
    return join(this.snapshotDir(commit), ...file.split('/'));
  }

  refPath(revision: string): string {
    return join(this.repoDir, 'refs', ...revision.split('/'));
  }

  treePath(commit: string): string {
    return join(this.repoDir, 'trees', `${commit}.json`);
  }

  /** The commit a branch or tag pointed to at the last online pull, if recorded. */
  readRef(revision: string): string | undefined {
    if (COMMIT_RE.test(revision)) return revision;
    try {
      const sha = readFileSync(this.refPath(revision), 'utf8').trim();
      return COMMIT_RE.test(sha) ? sha : undefined;
    } catch {
      return undefined;
    }
  }

  /** Record `revision -> commit` (nothing for a commit sha; nothing written when unchanged). */
  writeRef(revision: string, commit: string): void {
    if (revision === commit) return;
    const path = this.refPath(revision);
    try {
      if (readFileSync(path, 'utf8') === commit) return;
    } catch {
      // absent: write it
    }
    writeFileAtomic(path, commit);
  }

  /** The pointer exists and resolves to a file (a dangling link does not count). */
  hasPointer(commit: string, file: string): boolean {
    try {
      return statSync(this.pointerPath(commit, file)).isFile();
    } catch {
      return false;
    }
  }

  /** Size of the file behind a pointer, or undefined. */
  pointerSize(commit: string, file: string): number | undefined {
    try {
      return statSync(this.pointerPath(commit, file)).size;
    } catch {
      return undefined;
    }
  }

  /** Size of a blob, or undefined when absent. */
  blobSize(etag: string): number | undefined {
    try {
      return statSync(this.blobPath(etag)).size;
    } catch {
      return undefined;
    }
  }

  /**
   * Make `snapshots/{commit}/{file}` point at `blobs/{etag}` with a relative symlink, as
   * huggingface_hub's `_create_symlink` does. Where symlinks fail (or HF_HUB_DISABLE_SYMLINKS is
   * set), a blob just downloaded is moved into the snapshot and an older one is copied.
   */
  linkPointer(commit: string, file: string, etag: string, newBlob: boolean): LinkKind {
    const blob = this.blobPath(etag);
    const pointer = this.pointerPath(commit, file);
    mkdirSync(dirname(pointer), { recursive: true });
    rmSync(pointer, { force: true });
    if (!this.disableSymlinks && !this.symlinksFailed) {
      try {
        symlinkSync(relative(dirname(pointer), blob), pointer);
        return 'symlink';
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' && lstatSync(pointer).isSymbolicLink() && statSync(pointer).isFile()) return 'symlink';
        if (!['EPERM', 'EACCES', 'ENOTSUP', 'EOPNOTSUPP', 'EINVAL', 'ENOSYS'].includes(code ?? '')) throw e;
        this.symlinksFailed = true;
      }
    }
    if (newBlob) {
      renameSync(blob, pointer);
      return 'move';
    }
    const tmp = `${pointer}.${process.pid}.tmp`;
    copyFileSync(blob, tmp);
    renameSync(tmp, pointer);
    return 'copy';
  }

  /** True when linking fell back to copies in this process. */
  get symlinkFallback(): boolean {
    return this.symlinksFailed || this.disableSymlinks;
  }

  /** Remove a pointer whose target is wrong (and the blob behind it, when it is a link). */
  dropPointer(commit: string, file: string): void {
    const pointer = this.pointerPath(commit, file);
    try {
      if (lstatSync(pointer).isSymbolicLink()) rmSync(resolve(dirname(pointer), readlinkSync(pointer)), { force: true });
    } catch {
      // nothing there
    }
    rmSync(pointer, { force: true });
  }

  readTree(commit: string): Map<string, TreeEntry> | undefined {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(this.treePath(commit), 'utf8'));
    } catch {
      return undefined;
    }
    if (typeof json !== 'object' || json === null) return undefined;
    const { format_version: version, files } = json as { format_version?: unknown; files?: unknown };
    if (version !== TREE_FORMAT_VERSION || typeof files !== 'object' || files === null) return undefined;
    const out = new Map<string, TreeEntry>();
    for (const [path, e] of Object.entries(files as Record<string, unknown>)) {
      const entry = e as Partial<TreeEntry> | null;
      if (!entry || typeof entry.size !== 'number' || typeof entry.blob_id !== 'string') return undefined;
      out.set(path, entry as TreeEntry);
    }
    return out;
  }

  /** Write the tree cache of an (immutable) commit, unless it exists. */
  writeTree(commit: string, entries: ReadonlyMap<string, TreeEntry>): void {
    const path = this.treePath(commit);
    if (existsSync(path)) return;
    const files: Record<string, TreeEntry> = {};
    for (const p of [...entries.keys()].sort()) files[p] = entries.get(p)!;
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, JSON.stringify({ format_version: TREE_FORMAT_VERSION, files }, null, 1));
  }

  /** Every file under a snapshot, as `/`-separated repository paths (dangling links left out). */
  listSnapshot(commit: string): string[] {
    const root = this.snapshotDir(commit);
    const out: string[] = [];
    const walk = (dir: string, prefix: string) => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names.sort()) {
        const full = join(dir, name);
        let st;
        try {
          st = statSync(full);
        } catch {
          continue;
        }
        if (st.isDirectory()) walk(full, `${prefix}${name}/`);
        else if (st.isFile()) out.push(`${prefix}${name}`);
      }
    };
    walk(root, '');
    return out;
  }

  /** Remove a stale `.incomplete` file. */
  removeIncomplete(etag: string): void {
    try {
      unlinkSync(this.incompletePath(etag));
    } catch {
      // absent
    }
  }
}
