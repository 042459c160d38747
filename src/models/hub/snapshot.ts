/**
 * Which files a pull takes, and whether a cached snapshot holds them all (for offline use).
 */
import { InputError } from '../../util/errors.js';
import { readUtf8Strict } from '../../util/fs.js';
import { parseWith } from '../../util/schema.js';
import type { RepoCache } from './cache.js';
import { SAFETENSORS_INDEX, defaultModelFiles, filterPaths, shardsOf, weightIndexSchema } from './select.js';

export interface Selection {
  files: string[];
  /** Default selection that found no weights. */
  noWeights: boolean;
}

/** The files to take among `paths` (include/exclude, else the model-folder default with the index's shards). */
export function select(paths: readonly string[], include: readonly string[], exclude: readonly string[], shards: readonly string[] | undefined): Selection {
  if (include.length > 0) return { files: filterPaths(paths, include, exclude), noWeights: false };
  const files = filterPaths(defaultModelFiles({ paths, safetensorsShards: shards }), undefined, exclude);
  return { files, noWeights: !files.some((f) => f.endsWith('.safetensors') || f.endsWith('.bin')) };
}

export function readShards(file: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(readUtf8Strict(file));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError({ file }, `is not valid JSON (${(e as Error).message})`, 'the weight index of the repository is malformed; report it to its owners');
  }
  return shardsOf(parseWith(weightIndexSchema, json, { file }, 'the weight index of the repository is malformed'));
}

export interface CacheCheck {
  /** Files of the selection present in the snapshot. */
  files: string[];
  /** What is missing, when the snapshot is incomplete. */
  missing: string[];
}

/**
 * Is `snapshots/{commit}` complete for this selection? With huggingface_hub's tree cache
 * (`trees/{commit}.json`) every selected file of the commit must be there with its size;
 * without one, a default selection needs config.json and its weights (every shard of the index).
 */
export function checkSnapshot(cache: RepoCache, commit: string, include: readonly string[], exclude: readonly string[]): CacheCheck {
  const present = cache.listSnapshot(commit);
  if (present.length === 0) return { files: [], missing: ['the whole snapshot'] };
  const tree = cache.readTree(commit);
  const indexPath = cache.pointerPath(commit, SAFETENSORS_INDEX);
  let shards: string[] | undefined;
  if (include.length === 0 && present.includes(SAFETENSORS_INDEX)) {
    try {
      shards = readShards(indexPath);
    } catch {
      return { files: [], missing: [`a readable ${SAFETENSORS_INDEX}`] };
    }
  }
  if (tree) {
    const paths = [...tree.keys()];
    if (include.length === 0 && paths.includes(SAFETENSORS_INDEX) && !shards) return { files: [], missing: [SAFETENSORS_INDEX] };
    const wanted = select(paths, include, exclude, shards).files;
    const missing = wanted.filter((p) => {
      const entry = tree.get(p)!;
      return cache.pointerSize(commit, p) !== (entry.lfs_size ?? entry.size);
    });
    return { files: wanted.filter((p) => !missing.includes(p)), missing };
  }
  const { files, noWeights } = select(present, include, exclude, shards);
  const missing: string[] = [];
  if (include.length === 0) {
    if (!present.includes('config.json')) missing.push('config.json');
    if (shards) missing.push(...shards.filter((s) => !present.includes(s)));
    else if (noWeights) missing.push('weights (*.safetensors)');
  } else if (files.length === 0) {
    missing.push(`files matching ${include.join(' ')}`);
  }
  return { files, missing };
}
