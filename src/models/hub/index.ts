/**
 * Hugging Face Hub downloads into the huggingface_hub cache. See docs/hub.md.
 */
export { type FileStatus, type PullOptions, type PullResult, type PulledFile, formatBytes, pullModel } from './pull.js';
export { HubError, HubIntegrityError, HubNetworkError } from './errors.js';
export { DEFAULT_RETRY, type RetryOptions } from './http.js';
export { type HubSettings, type HubSettingsOverrides, defaultCacheDir, hubSettings } from './settings.js';
export { COMMIT_RE, repoFolderName, validateRepoId } from './repo.js';
export { RepoCache, type TreeEntry } from './cache.js';
export type { OutMode } from './materialize.js';
