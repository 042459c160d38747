/**
 * Where the project's shared, read-only test data lives: real MultiClinSum files
 * (`shared/data/multiclinsum`) and reference outputs (`shared/golden`). They sit in a `shared/`
 * folder beside the checkout (`../shared`); a clone elsewhere finds the nearest `shared/` folder
 * of an ancestor, and `CLINSUM_SHARED` names it outright. Tests and benchmarks only.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this module holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above src/util');
    dir = up;
  }
  return dir;
}

let cached: string | undefined;

/** The shared folder (holding `data/` and `golden/`). */
export function sharedDir(): string {
  if (cached !== undefined) return cached;
  const env = process.env.CLINSUM_SHARED;
  if (env) return (cached = resolve(env));
  const candidates: string[] = [];
  for (let dir = dirname(repoRoot()); ; dir = dirname(dir)) {
    candidates.push(join(dir, 'shared'));
    if (dirname(dir) === dir) break;
  }
  const found = candidates.find((c) => existsSync(join(c, 'golden')) || existsSync(join(c, 'data')));
  // Not found: keep the documented place (../shared) so that errors name the path to create.
  return (cached = found ?? candidates[0]!);
}

/** A path under `shared/data/multiclinsum/`. */
export function multiclinsumPath(...parts: string[]): string {
  return join(sharedDir(), 'data', 'multiclinsum', ...parts);
}

/** A path under `shared/golden/`. */
export function goldenPath(...parts: string[]): string {
  return join(sharedDir(), 'golden', ...parts);
}
