/**
 * `pullModel`: a model repository from the Hub into the huggingface_hub cache, as
 * `snapshot_download` lays it out, so that transformers, vLLM and `hf` share what clinsum fetched
 * (and the other way round).
 *
 * 1. Resolve the revision: `GET /api/models/{repo}/revision/{rev}?blobs=true` gives the commit
 *    and every file with its size and hash. Offline (`HF_HUB_OFFLINE=1`), or when the Hub cannot
 *    be reached or is down, `refs/{rev}` and a complete cached snapshot are used instead.
 * 2. Select the files (see select.ts); the default reads `model.safetensors.index.json` first.
 * 3. Plan: a file already in `snapshots/{commit}/` is done; for the others a HEAD on `resolve/`
 *    gives the etag, size and CDN location (a blob already in `blobs/` is only linked).
 * 4. Download the rest, `concurrency` files at a time, resumable and verified (download.ts),
 *    then link `snapshots/{commit}/{path}` to `blobs/{etag}`.
 * 5. Write `refs/{rev}` and `trees/{commit}.json`; with `outDir`, copy a plain folder out.
 */
import { statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../../util/errors.js';
import { type Logger, silentLogger } from '../../util/log.js';
import { Progress, type ProgressOptions, formatDuration } from '../../util/progress.js';
import { RepoCache, type TreeEntry } from './cache.js';
import { type FileMetadata, HubClient, type RepoInfo, type RepoSibling, shortRev } from './client.js';
import { downloadBlob } from './download.js';
import { HubError, HubNetworkError } from './errors.js';
import { DEFAULT_RETRY, type RetryOptions } from './http.js';
import { withFileLock } from './lock.js';
import { type OutMode, materialize } from './materialize.js';
import { isSafeRepoPath, validateRepoId, validateRevision } from './repo.js';
import { runPool } from './pool.js';
import { SAFETENSORS_INDEX, filterPaths, usesPytorchWeights } from './select.js';
import { type CacheCheck, checkSnapshot, readShards, select } from './snapshot.js';
import { type HubSettings, hubSettings } from './settings.js';

export interface PullOptions {
  /** Branch, tag or commit sha (default `main`). */
  revision?: string;
  /** The cache folder (default `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`). */
  cacheDir?: string;
  /** Also place the files in this plain folder. */
  outDir?: string;
  /** How `outDir` gets the files (default `copy`). */
  outMode?: OutMode;
  /** Globs of files to fetch (huggingface_hub `allow_patterns`); replaces the default model selection. */
  include?: readonly string[];
  /** Globs of files not to fetch (huggingface_hub `ignore_patterns`). */
  exclude?: readonly string[];
  /** Files downloaded at once (default 4). */
  concurrency?: number;
  /** Hub URL (default `$HF_ENDPOINT`, else https://huggingface.co). */
  endpoint?: string;
  /** Token (default `$HF_TOKEN`, `$HUGGING_FACE_HUB_TOKEN`, the token file); `null` sends none. */
  token?: string | null;
  /** Use only the cache (default `$HF_HUB_OFFLINE`). */
  offline?: boolean;
  /** Plan only: say what would be downloaded (the weight index may still be fetched). */
  dryRun?: boolean;
  /** Environment to read the `HF_*` variables from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  retry?: Partial<RetryOptions>;
  /** Messages (default: none). */
  logger?: Logger;
  /** Byte progress on a stream (default: none). */
  progress?: Pick<ProgressOptions, 'stream' | 'intervalMs' | 'now'>;
  signal?: AbortSignal;
}

/** How a file got into the snapshot in this pull. */
export type FileStatus = 'cached' | 'linked' | 'downloaded' | 'planned';

export interface PulledFile {
  /** Path in the repository (`/`-separated). */
  path: string;
  size: number;
  /** sha256 (LFS) or git blob sha1; undefined for a cached file when the Hub was not asked. */
  etag: string | undefined;
  /** `snapshots/{commit}/{path}` in the cache. */
  localPath: string;
  status: FileStatus;
  /** Bytes taken over from an interrupted earlier download. */
  resumedFrom?: number;
}

export interface PullResult {
  repoId: string;
  revision: string;
  commit: string;
  /** `{cache}/models--{org}--{name}/snapshots/{commit}`. */
  snapshotDir: string;
  /** The absolute `outDir`, when one was asked for. */
  outDir: string | undefined;
  /** The folder to load: `outDir` when given, else `snapshotDir`. */
  modelDir: string;
  files: PulledFile[];
  /** Repository files left out by the selection (empty when the Hub was not asked). */
  skipped: string[];
  /** Bytes received from the network in this pull. */
  downloadedBytes: number;
  /** Why the Hub was not asked and the cache was used, or undefined after an online pull. */
  offlineReason: string | undefined;
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

function preview(list: readonly string[], n = 4): string {
  return list.slice(0, n).join(', ') + (list.length > n ? `, … (${list.length - n} more)` : '');
}

/** Errors after which the cache may stand in for the Hub (huggingface_hub: connection errors and HTTP errors other than not-found/gated/401). */
function cacheMayAnswer(e: unknown): boolean {
  if (e instanceof HubNetworkError) return true;
  if (!(e instanceof HubError) || e.status === undefined) return false;
  if (e.status === 401 || e.status === 403 || e.status === 404) return false;
  return !['RevisionNotFound', 'RepoNotFound', 'GatedRepo', 'EntryNotFound'].includes(e.errorCode ?? '');
}

interface PlannedFile {
  path: string;
  /** Size the repository info gave, if any. */
  expectedSize: number | undefined;
  status: 'cached' | 'link' | 'download';
  meta?: FileMetadata;
}

/** Download (or find in the cache) a model repository of the Hub. */
export async function pullModel(repoId: string, options: PullOptions = {}): Promise<PullResult> {
  validateRepoId(repoId);
  const revision = options.revision ?? 'main';
  validateRevision(revision);
  const include = options.include ?? [];
  const exclude = options.exclude ?? [];
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InputError({ field: 'concurrency' }, `must be a positive integer, got ${concurrency}`);
  const settings = hubSettings(options.env ?? process.env, {
    endpoint: options.endpoint,
    token: options.token,
    cacheDir: options.cacheDir,
    offline: options.offline,
  });
  const logger = options.logger ?? silentLogger;
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retry };
  const cache = new RepoCache(settings.cacheDir, repoId, { disableSymlinks: settings.disableSymlinks });
  const label = `${repoId}@${shortRev(revision)}`;

  const fromCache = (commit: string, check: CacheCheck, reason: string): PullResult => {
    logger.info(`${label}: ${reason}; using the cached snapshot ${commit} (${check.files.length} files)`);
    const files: PulledFile[] = check.files.map((path) => ({
      path,
      size: cache.pointerSize(commit, path) ?? 0,
      etag: undefined,
      localPath: cache.pointerPath(commit, path),
      status: 'cached',
    }));
    return finish(commit, files, [], 0, reason);
  };

  const finish = (commit: string, files: PulledFile[], skipped: string[], downloadedBytes: number, offlineReason: string | undefined): PullResult => {
    const snapshotDir = cache.snapshotDir(commit);
    let outDir: string | undefined;
    if (options.outDir !== undefined && !options.dryRun) {
      outDir = materialize(snapshotDir, files.map((f) => f.path), options.outDir, options.outMode ?? 'copy');
      logger.info(`${label}: ${files.length} files ${options.outMode === 'symlink' ? 'linked' : 'copied'} into ${outDir}`);
    }
    return { repoId, revision, commit, snapshotDir, outDir, modelDir: outDir ?? snapshotDir, files, skipped, downloadedBytes, offlineReason };
  };

  // What the cache already holds for this revision: the fallback when the Hub cannot answer.
  const cachedCommit = cache.readRef(revision);
  const cached = cachedCommit ? checkSnapshot(cache, cachedCommit, include, exclude) : undefined;
  const cacheComplete = cached !== undefined && cached.missing.length === 0;

  if (settings.offline) {
    if (!cachedCommit || !cached || cached.files.length === 0) {
      throw new HubError(`${label} is not in the cache ${settings.cacheDir}, and offline mode is on (HF_HUB_OFFLINE); pull it once with network access`);
    }
    if (!cacheComplete) {
      throw new HubError(`the cached snapshot of ${label} (commit ${cachedCommit}) is incomplete: missing ${preview(cached.missing)}; offline mode is on (HF_HUB_OFFLINE), so pull again with network access`);
    }
    return fromCache(cachedCommit, cached, 'offline mode (HF_HUB_OFFLINE)');
  }

  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const client = new HubClient({ settings, retry, logger, maxSockets: concurrency, signal: abort.signal });
  try {
    let info: RepoInfo;
    try {
      // With a complete snapshot at hand, do not wait out retries: fall back at once (as huggingface_hub does).
      info = await client.repoInfo({ repoId, revision }, cacheComplete ? 0 : undefined);
    } catch (e) {
      if (cacheComplete && cachedCommit && cacheMayAnswer(e)) {
        return fromCache(cachedCommit, cached, `the Hub could not be asked (${(e as Error).message})`);
      }
      if (cachedCommit && cached && !cacheComplete && cacheMayAnswer(e)) {
        throw new HubError(`${(e as Error).message}; the cached snapshot ${cachedCommit} cannot stand in: missing ${preview(cached.missing)}`, { cause: e });
      }
      throw e;
    }
    return await pullOnline(info);
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
    client.close();
  }

  async function pullOnline(info: RepoInfo): Promise<PullResult> {
    const commit = info.sha;
    const siblings = new Map<string, RepoSibling>();
    for (const s of info.siblings) {
      if (!isSafeRepoPath(s.rfilename)) throw new HubError(`${label}: the Hub listed an unsafe file path ${JSON.stringify(s.rfilename)}; refusing to write it`);
      siblings.set(s.rfilename, s);
    }
    const paths = [...siblings.keys()];
    const expectedSize = (p: string): number | undefined => {
      const s = siblings.get(p);
      return s?.lfs?.size ?? s?.size;
    };
    // huggingface_hub's tree cache, when the Hub gave every file's size and blob id.
    const tree = new Map<string, TreeEntry>();
    for (const [p, s] of siblings) {
      if (s.size === undefined || s.blobId === undefined) {
        tree.clear();
        break;
      }
      tree.set(p, s.lfs ? { size: s.size, blob_id: s.blobId, lfs_sha256: s.lfs.sha256, lfs_size: s.lfs.size } : { size: s.size, blob_id: s.blobId });
    }
    if (tree.size > 0 && !options.dryRun) cache.writeTree(commit, tree);
    logger.info(`${label}: commit ${commit}, ${paths.length} files in the repository`);

    let downloadedBytes = 0;
    const results = new Map<string, PulledFile>();

    const plan = async (path: string): Promise<PlannedFile> => {
      const expected = expectedSize(path);
      if (cache.hasPointer(commit, path)) {
        const have = cache.pointerSize(commit, path);
        if (expected === undefined || have === expected) return { path, expectedSize: expected, status: 'cached' };
        logger.warn(`${path}: the cached copy has ${have} bytes, the Hub says ${expected}; fetching it again`);
        if (!options.dryRun) cache.dropPointer(commit, path);
      }
      const meta = await client.fileMetadata({ repoId, revision: commit, file: path });
      if (meta.commit !== undefined && meta.commit !== commit) {
        throw new HubError(`${path} of ${repoId}: the Hub answered for commit ${meta.commit}, not ${commit}; run the pull again`);
      }
      if (expected !== undefined && meta.size !== expected) {
        logger.warn(`${path}: the repository info says ${expected} bytes, the file server ${meta.size}; trusting the file server`);
      }
      const blob = cache.blobSize(meta.etag);
      return { path, expectedSize: expected, status: blob === meta.size ? 'link' : 'download', meta };
    };

    const planAll = async (list: readonly string[]): Promise<PlannedFile[]> => {
      const out: PlannedFile[] = new Array(list.length);
      await runPool([...list.keys()], concurrency, abort, async (i) => {
        out[i] = await plan(list[i]!);
      });
      return out;
    };

    const execute = async (planned: readonly PlannedFile[], showProgress: boolean): Promise<void> => {
      const toFetch = planned.filter((p) => p.status === 'download');
      const totalBytes = toFetch.reduce((n, p) => n + p.meta!.size, 0);
      const alreadyHave = toFetch.reduce((n, p) => n + Math.min(p.meta!.size, fileSizeOr0(cache.incompletePath(p.meta!.etag))), 0);
      checkDiskSpace(settings, totalBytes - alreadyHave, logger);
      // Progress in MB (kB below 10 MB), to one decimal.
      const unit = totalBytes >= 1e7 ? 1e6 : 1e3;
      const scaled = (bytes: number) => Math.round((bytes / unit) * 10) / 10;
      const progress =
        showProgress && toFetch.length > 0 && options.progress
          ? new Progress({ ...options.progress, label: 'download', unit: unit === 1e6 ? 'MB' : 'kB', total: scaled(totalBytes), initial: scaled(alreadyHave) })
          : undefined;
      let done = alreadyHave;
      let filesDone = 0;
      const tick = (delta: number) => {
        done += delta;
        progress?.update(scaled(done), { files: `${filesDone}/${toFetch.length}` });
      };
      await runPool(planned, concurrency, abort, async (p) => {
        if (p.status === 'cached') {
          results.set(p.path, { path: p.path, size: cache.pointerSize(commit, p.path) ?? 0, etag: undefined, localPath: cache.pointerPath(commit, p.path), status: 'cached' });
          return;
        }
        const meta = p.meta!;
        const record = (status: FileStatus, resumedFrom?: number) =>
          results.set(p.path, { path: p.path, size: meta.size, etag: meta.etag, localPath: cache.pointerPath(commit, p.path), status, ...(resumedFrom ? { resumedFrom } : {}) });
        if (p.status === 'link') {
          cache.linkPointer(commit, p.path, meta.etag, false);
          record('linked');
          return;
        }
        await withFileLock(
          cache.lockPath(meta.etag),
          async () => {
            // Another process may have finished this blob while we waited for the lock.
            if (cache.blobSize(meta.etag) === meta.size) {
              cache.linkPointer(commit, p.path, meta.etag, false);
              tick(meta.size - fileSizeOr0(cache.incompletePath(meta.etag)));
              record('linked');
              return;
            }
            const outcome = await downloadBlob(
              {
                client,
                cache,
                retry,
                logger,
                timeoutMs: settings.downloadTimeoutMs,
                signal: abort.signal,
                onBytes: tick,
                refreshMeta: () => client.fileMetadata({ repoId, revision: commit, file: p.path }),
              },
              { subject: { repoId, revision: commit, file: p.path }, meta },
            );
            downloadedBytes += outcome.bytes;
            cache.linkPointer(commit, p.path, meta.etag, true);
            filesDone++;
            tick(0);
            record('downloaded', outcome.resumedFrom);
          },
          { signal: abort.signal, onWait: (holder) => logger.info(`${p.path}: waiting for ${holder}, which is downloading the same file`) },
        );
      });
      progress?.finish({ files: `${filesDone}/${toFetch.length}` });
      if (cache.symlinkFallback) logger.warn(`symbolic links are not available in ${settings.cacheDir}: snapshot files are plain copies there`);
    };

    // The default selection needs the shard list of a sharded checkpoint first.
    let shards: string[] | undefined;
    if (include.length === 0 && siblings.has(SAFETENSORS_INDEX) && !exclude.some((p) => filterPaths([SAFETENSORS_INDEX], [p], undefined).length > 0)) {
      const [indexPlan] = await planAll([SAFETENSORS_INDEX]);
      if (indexPlan!.status !== 'cached') await execute([indexPlan!], false);
      shards = readShards(cache.pointerPath(commit, SAFETENSORS_INDEX));
      const absent = shards.filter((s) => !siblings.has(s));
      if (absent.length > 0) throw new HubError(`${label}: ${SAFETENSORS_INDEX} names shards the repository does not have: ${preview(absent)}`);
    }
    const { files: selected, noWeights } = select(paths, include, exclude, shards);
    if (selected.length === 0) {
      throw new HubError(`${label}: no file of the repository matches ${include.length ? `--include ${include.join(' ')}` : 'the default model selection'}${exclude.length ? ` minus --exclude ${exclude.join(' ')}` : ''} (files: ${preview(paths, 6)})`);
    }
    const skipped = paths.filter((p) => !selected.includes(p));
    const selectedBytes = selected.reduce((n, p) => n + (expectedSize(p) ?? 0), 0);
    logger.info(`${label}: ${selected.length} files selected (${formatBytes(selectedBytes)})${skipped.length ? `, ${skipped.length} skipped (${preview(skipped)})${include.length ? '' : '; --include chooses files'}` : ''}`);
    if (include.length === 0 && usesPytorchWeights(paths)) logger.warn(`${label} has no safetensors weights, only PyTorch .bin files: clinsum loads safetensors only; convert them first`);
    else if (noWeights) logger.warn(`${label}: no weights among the selected files`);

    const rest = await planAll(selected.filter((p) => !results.has(p)));
    const counts = { cached: 0, link: 0, download: 0 };
    for (const p of rest) counts[p.status]++;
    const toDownload = rest.filter((p) => p.status === 'download').reduce((n, p) => n + p.meta!.size, 0);
    logger.info(`${label}: ${counts.cached} cached${counts.link ? `, ${counts.link} already in blobs/` : ''}, ${counts.download} to download (${formatBytes(toDownload)})`);

    if (options.dryRun) {
      for (const p of rest) {
        results.set(p.path, {
          path: p.path,
          size: p.meta?.size ?? cache.pointerSize(commit, p.path) ?? 0,
          etag: p.meta?.etag,
          localPath: cache.pointerPath(commit, p.path),
          status: p.status === 'cached' ? 'cached' : 'planned',
        });
      }
      return finish(commit, selected.map((p) => results.get(p)!), skipped, downloadedBytes, undefined);
    }

    const started = performance.now();
    await execute(rest, true);
    const missing = selected.filter((p) => !cache.hasPointer(commit, p));
    if (missing.length > 0) throw new HubError(`${label}: files missing from the snapshot after the pull: ${preview(missing)}`);
    cache.writeRef(revision, commit);
    if (downloadedBytes > 0) {
      const secs = (performance.now() - started) / 1000;
      logger.info(`${label}: downloaded ${formatBytes(downloadedBytes)} in ${formatDuration(secs)}${secs > 0 ? ` (${formatBytes(downloadedBytes / secs)}/s)` : ''}`);
    }
    return finish(commit, selected.map((p) => results.get(p)!), skipped, downloadedBytes, undefined);
  }
}

function fileSizeOr0(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Warn (as huggingface_hub does) when the cache's disk has less room than the download needs. */
function checkDiskSpace(settings: HubSettings, needed: number, logger: Logger): void {
  if (needed <= 0) return;
  let dir = settings.cacheDir;
  for (;;) {
    try {
      const fs = statfsSync(dir);
      const free = fs.bavail * fs.bsize;
      if (free < needed) logger.warn(`the download needs ${formatBytes(needed)} but ${dir} has ${formatBytes(free)} free`);
      return;
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return;
      dir = parent;
    }
  }
}

