/**
 * Names on the Hub: repository ids, revisions and file paths, checked and encoded as
 * huggingface_hub does (`validate_repo_id`, `repo_folder_name`, `hf_hub_url`).
 */
import { InputError } from '../../util/errors.js';

/** A full commit sha: `REGEX_COMMIT_HASH` of huggingface_hub. */
export const COMMIT_RE = /^[0-9a-f]{40}$/;

const NAME = String.raw`[A-Za-z0-9_.\-]{1,96}`;
// `\b` at both ends as huggingface_hub's REPO_ID_REGEX: a name starts and ends with [A-Za-z0-9_].
const REPO_ID_RE = new RegExp(String.raw`^(?:\b${NAME}\b/)?\b${NAME}\b$`);

/** Throw an `InputError` unless `repoId` is `name` or `namespace/name` as the Hub allows them. */
export function validateRepoId(repoId: string): void {
  const bad = (problem: string) =>
    new InputError({ field: 'repo_id' }, `"${repoId}" is not a Hub repository id: ${problem}`, 'write it as namespace/name, e.g. Qwen/Qwen2.5-0.5B-Instruct');
  if (repoId.split('/').length > 2) throw bad('more than one `/`');
  if (!REPO_ID_RE.test(repoId)) throw bad("use letters, digits, '-', '_' or '.', not starting or ending with '-' or '.', at most 96 each");
  if (repoId.includes('--') || repoId.includes('..')) throw bad("`--` and `..` are not allowed");
  if (repoId.endsWith('.git')) throw bad('it must not end with `.git`');
}

/** The cache folder of a model repository: `models--{namespace}--{name}`. */
export function repoFolderName(repoId: string): string {
  return ['models', ...repoId.split('/')].join('--');
}

/** Throw an `InputError` unless `revision` can name a branch, tag or commit (and a file under refs/). */
export function validateRevision(revision: string): void {
  const segments = revision.split('/');
  if (revision === '' || segments.some((s) => s === '' || s === '.' || s === '..') || /[\0\\]/.test(revision)) {
    throw new InputError({ field: 'revision' }, `"${revision}" is not a revision name`, 'pass a branch, a tag or a 40-digit commit sha');
  }
}

/**
 * Check a path inside a repository before it becomes a path on disk: relative, `/`-separated,
 * no `.`/`..` segments, no backslash or NUL (huggingface_hub's `_get_pointer_path` guard).
 */
export function isSafeRepoPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || /[\0\\]/.test(path)) return false;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** Python's `urllib.parse.quote(s, safe='')`: everything but `A-Za-z0-9_.-~` percent-encoded. */
export function quoteComponent(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `quote(path)` with `/` kept, as `hf_hub_url` encodes file names. */
export function quotePath(path: string): string {
  return path.split('/').map(quoteComponent).join('/');
}

/** `{endpoint}/api/models/{repo_id}/revision/{revision}`. */
export function repoInfoUrl(endpoint: string, repoId: string, revision: string): URL {
  return new URL(`${endpoint}/api/models/${repoId}/revision/${quoteComponent(revision)}?blobs=true`);
}

/** `{endpoint}/{repo_id}/resolve/{revision}/{path}`. */
export function resolveUrl(endpoint: string, repoId: string, revision: string, path: string): URL {
  return new URL(`${endpoint}/${repoId}/resolve/${quoteComponent(revision)}/${quotePath(path)}`);
}
