/**
 * `--out DIR`: a plain model folder beside the cache, for tools that want one. Files are copied
 * (a reflink where the file system can, so no extra space on btrfs/XFS/APFS), or linked with
 * absolute symlinks into the cache. Never hard links: a tool that rewrites a file in place
 * (`save_pretrained` into the same folder) would silently corrupt the shared cache blob.
 */
import { constants, copyFileSync, lstatSync, mkdirSync, realpathSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { HubError } from './errors.js';

export type OutMode = 'copy' | 'symlink';

/** Place `files` (repository paths under `snapshotDir`) into `outDir`; returns the absolute folder. */
export function materialize(snapshotDir: string, files: readonly string[], outDir: string, mode: OutMode): string {
  const root = resolve(outDir);
  mkdirSync(root, { recursive: true });
  for (const file of files) {
    const source = realpathSync(join(snapshotDir, ...file.split('/')));
    const dest = join(root, ...file.split('/'));
    mkdirSync(dirname(dest), { recursive: true });
    try {
      if (lstatSync(dest).isDirectory()) throw new HubError(`--out: ${dest} is a folder, but the repository has a file there`);
    } catch (e) {
      if (e instanceof HubError) throw e;
    }
    const tmp = `${dest}.clinsum-${process.pid}.tmp`;
    try {
      if (mode === 'copy') copyFileSync(source, tmp, constants.COPYFILE_FICLONE);
      else symlinkSync(source, tmp);
      renameSync(tmp, dest);
    } catch (e) {
      rmSync(tmp, { force: true });
      const code = (e as NodeJS.ErrnoException).code;
      throw new HubError(`--out: cannot write ${dest} (${code ?? String(e)})`, { cause: e });
    }
  }
  return root;
}
