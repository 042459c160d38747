/**
 * What `OUT` holds before a run starts. The trainer writes into a folder only when it is new,
 * empty, or a training run of clinsum — recognised by its `config.yaml` (the header of
 * `configToYaml`, or a complete training configuration for runs written before the header) and by
 * holding nothing but what the trainer writes. Anything else (a `clinsum run` root, a model
 * folder, a folder holding another run's `best/`) is refused before any work, so that nothing of
 * it is overwritten.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { statIfExists } from '../../util/fs.js';
import { isRunConfigYaml } from './config.js';

/** `absent`: no such folder; `empty`: an empty folder (or only what a crash before the first file left); `run`: a training run of clinsum. */
export type RunFolderKind = 'absent' | 'empty' | 'run';

const FIX = 'choose a new or empty folder';

/** Entries the trainer writes at the top of `OUT`, folders marked. */
const RUN_FILES = new Set(['config.yaml', 'metrics.jsonl']);
const RUN_DIRS = new Set(['checkpoints', 'best', '.best.old']);
/** Temporary files and folders of the trainer's atomic writes (`writeFileAtomic`, `writeBest`). */
const TEMP = [/^\.(config\.yaml|metrics\.jsonl)\.\d+\.\d+\.tmp$/, /^\.best\.tmp-\d+$/];

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 4);
  const more = names.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}` : shown[0]!;
}

/**
 * Classifies `out` without writing anything; throws an InputError naming the folder, what it
 * holds and the fix when it is a file or a folder that is not a training run of clinsum.
 */
export function inspectRunFolder(out: string): RunFolderKind {
  const st = statIfExists(out, FIX, 'cannot be a folder: a part of this path is a file');
  if (st === undefined) return 'absent';
  if (!st.isDirectory()) throw new InputError({ file: out }, 'is a file, not a run folder', FIX);
  const names = readdirSync(out).sort();
  if (names.length === 0) return 'empty';

  const foreign: string[] = [];
  let config: 'ours' | 'foreign' | 'none' = 'none';
  let substantial = false; // anything beyond temporary files and an empty metrics.jsonl
  for (const name of names) {
    const s = statSync(join(out, name));
    if (TEMP.some((re) => re.test(name))) continue;
    if (s.isDirectory() && RUN_DIRS.has(name)) {
      substantial = true;
      continue;
    }
    if (s.isFile() && RUN_FILES.has(name)) {
      if (name === 'config.yaml') {
        const text = readText(join(out, name));
        config = text !== undefined && isRunConfigYaml(text) ? 'ours' : 'foreign';
      } else if (s.size > 0) {
        substantial = true;
      }
      continue;
    }
    foreign.push(s.isDirectory() ? `${name}/` : name);
  }
  if (foreign.length === 0 && config === 'ours') return 'run';
  if (foreign.length === 0 && config === 'none' && !substantial) return 'empty';

  const held: string[] = [];
  if (config === 'foreign') held.push('a config.yaml that clinsum train did not write');
  held.push(...foreign);
  if (held.length === 0) {
    // Only entries a run has, but no configuration of one (e.g. another run's best/ alone).
    const ours = names.filter((n) => !TEMP.some((re) => re.test(n))).map((n) => (statSync(join(out, n)).isDirectory() ? `${n}/` : n));
    throw new InputError({ file: out }, `is not a clinsum training run folder: it holds ${listNames(ours)} but no config.yaml written by clinsum train`, FIX);
  }
  throw new InputError({ file: out }, `is not a clinsum training run folder: it holds ${listNames(held)}`, FIX);
}
