/** Paths of the shared golden files, for tests and benchmarks (`../shared/golden` beside the repo). */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the evaluate stage');
    dir = up;
  }
  return dir;
}

export function goldenPath(...parts: string[]): string {
  return resolve(repoRoot(), '..', 'shared', 'golden', ...parts);
}
