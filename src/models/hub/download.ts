/**
 * Download of one blob into the cache: bytes go to `blobs/{etag}.incomplete`, are hashed while
 * they stream, and the file is renamed to `blobs/{etag}` only when its size and hash are right.
 *
 * - Resume: an existing `.incomplete` is hashed first, then `Range: bytes=N-` asks for the rest.
 *   A 206 must start at N (`Content-Range`); a 200 means the server ignored the range, so the
 *   file is rewritten from the start; a 416 drops the partial file and starts over.
 * - A connection that breaks or goes silent is resumed the same way, up to `retry.limit` times
 *   in a row without progress (any progress resets the count, as huggingface_hub's `http_get`).
 * - Integrity: an etag of 64 hex digits is the file's sha256 (LFS); one of 40 is its git blob
 *   sha1 (`sha1("blob {size}\0" + bytes)`); both are checked, and the size always. On a
 *   mismatch the partial file is deleted; if part of it came from an earlier run the download
 *   starts over once, else a `HubIntegrityError` names the file.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Logger } from '../../util/log.js';
import type { RepoCache } from './cache.js';
import { type FileMetadata, type HubClient, RetryAfter, type Subject, shortRev } from './client.js';
import { HubError, HubIntegrityError, HubNetworkError } from './errors.js';
import { type HttpResponse, type RetryOptions, discard, header, networkError, retryDelay, wait } from './http.js';

export type DigestKind = 'sha256' | 'git-sha1' | undefined;

/** Which hash an etag is: sha256 (LFS), git blob sha1 (regular file), or neither (size check only). */
export function digestKind(etag: string): DigestKind {
  if (/^[0-9a-f]{64}$/.test(etag)) return 'sha256';
  if (/^[0-9a-f]{40}$/.test(etag)) return 'git-sha1';
  return undefined;
}

function newHasher(kind: DigestKind, size: number): Hash | undefined {
  if (kind === 'sha256') return createHash('sha256');
  if (kind === 'git-sha1') return createHash('sha1').update(`blob ${size}\0`);
  return undefined;
}

/** The git blob sha1 of some bytes, as git and the Hub compute it. */
export function gitBlobSha1(data: Uint8Array): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function hashPrefix(path: string, length: number, hasher: Hash | undefined): Promise<void> {
  if (!hasher || length === 0) return;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1 << 20 })) hasher.update(chunk as Buffer);
}

/** `bytes START-END/TOTAL` of a 206 answer. */
export function parseContentRange(value: string | undefined): { start: number; end: number; total: number | undefined } | undefined {
  const m = value?.match(/^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i);
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

export interface BlobJob {
  /** Repository, commit and file, for requests and messages. */
  subject: Subject & { file: string };
  meta: FileMetadata;
}

export interface BlobOutcome {
  /** Bytes received in this run. */
  bytes: number;
  /** Bytes of an earlier run's `.incomplete` file that were kept (0 for a fresh download). */
  resumedFrom: number;
}

export interface DownloadContext {
  client: HubClient;
  cache: RepoCache;
  retry: RetryOptions;
  logger: Logger;
  /** Longest silence of a download connection, ms. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Progress: bytes added (negative when bytes are thrown away). */
  onBytes: (delta: number) => void;
  /** A fresh HEAD, for a CDN link that expired. */
  refreshMeta: () => Promise<FileMetadata>;
}

/** Download `job` into `blobs/{etag}`. The caller holds the blob's lock and checked the blob is absent. */
export async function downloadBlob(ctx: DownloadContext, job: BlobJob): Promise<BlobOutcome> {
  const { cache, logger } = ctx;
  const { file } = job.subject;
  let meta = job.meta;
  const { etag, size } = meta;
  const kind = digestKind(etag);
  const what = `${file} of ${job.subject.repoId}@${shortRev(job.subject.revision)}`;
  const incomplete = cache.incompletePath(etag);
  mkdirSync(dirname(incomplete), { recursive: true });

  let startHave = fileSize(incomplete);
  if (startHave > size) {
    rmSync(incomplete, { force: true });
    startHave = 0;
  }
  const resumedFrom = startHave;
  let restartedAfterBadLeftover = false;
  let received = 0;
  let failures = 0;
  let reported = startHave; // bytes counted in progress for this file
  const setReported = (n: number) => {
    ctx.onBytes(n - reported);
    reported = n;
  };
  if (startHave > 0) logger.info(`${file}: resuming at byte ${startHave} of ${size}`);

  for (;;) {
    let have = fileSize(incomplete);
    if (have > size) {
      rmSync(incomplete, { force: true });
      have = 0;
    }
    setReported(have);
    let hasher = newHasher(kind, size);
    let progressed = false;
    let encoded = false;
    let res: HttpResponse | undefined;
    try {
      await hashPrefix(incomplete, have, hasher);
      if (have < size) {
        res = await ctx.client.openDownload(meta.location, have, job.subject, ctx.timeoutMs);
        if (res.status === 416) {
          discard(res);
          rmSync(incomplete, { force: true });
          throw new HubError(`${what}: the server refused to resume at byte ${have} (HTTP 416); starting over`, { status: 416, retryable: true });
        }
        let append = have > 0;
        if (res.status === 200 && have > 0) {
          logger.info(`${file}: the server ignored the Range request; downloading from the start`);
          append = false;
          have = 0;
          setReported(0);
          hasher = newHasher(kind, size);
        }
        if (res.status === 206) {
          const cr = parseContentRange(header(res.headers, 'content-range'));
          if (!cr || cr.start !== have || (cr.total !== undefined && cr.total !== size)) {
            discard(res);
            rmSync(incomplete, { force: true });
            throw new HubError(`${what}: asked for bytes ${have}- of ${size}, got "${header(res.headers, 'content-range') ?? 'no Content-Range'}"; starting over`, { status: 206, retryable: true });
          }
        }
        const encoding = (header(res.headers, 'content-encoding') ?? 'identity').toLowerCase();
        let stream: NodeJS.ReadableStream = res.body;
        if (encoding !== 'identity') {
          encoded = true;
          if (res.status !== 200) {
            discard(res);
            rmSync(incomplete, { force: true });
            throw new HubError(`${what}: a compressed partial answer cannot be resumed; starting over`, { retryable: true });
          }
          const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
          if (!decoder) {
            discard(res);
            throw new HubError(`${what}: the server sent Content-Encoding "${encoding}", which clinsum cannot decode`);
          }
          res.body.on('error', (e) => decoder.destroy(e));
          stream = res.body.pipe(decoder);
        }
        const fh = await open(incomplete, append ? 'a' : 'w');
        try {
          for await (const chunk of stream as AsyncIterable<Buffer>) {
            if (have + chunk.length > size) {
              res.body.destroy();
              await fh.close().catch(() => undefined);
              rmSync(incomplete, { force: true });
              setReported(0);
              throw new HubIntegrityError(file, `${what}: the server sent more than the ${size} bytes announced; the partial download was deleted, run the pull again`);
            }
            hasher?.update(chunk);
            let off = 0;
            while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
            have += chunk.length;
            received += chunk.length;
            progressed = true;
            setReported(have);
          }
          await fh.sync();
        } finally {
          await fh.close().catch(() => undefined);
        }
        if (have < size) throw new HubNetworkError(`${what}: the connection closed after ${have} of ${size} bytes`, undefined, false);
      } else if (size === 0) {
        // An empty file: nothing to ask for.
        await (await open(incomplete, 'w')).close();
      }

      const digest = hasher?.digest('hex');
      if (digest !== undefined && digest !== etag) {
        rmSync(incomplete, { force: true });
        setReported(0);
        const algo = kind === 'sha256' ? 'sha256' : 'git blob sha1';
        if (resumedFrom > 0 && !restartedAfterBadLeftover) {
          restartedAfterBadLeftover = true;
          logger.warn(`${file}: the partial download left by an earlier run was corrupt (${algo} mismatch); downloading it again from the start`);
          continue;
        }
        throw new HubIntegrityError(file, `${what}: ${algo} mismatch (expected ${etag}, got ${digest}); the download was deleted, run the pull again (a proxy or disk may be altering data)`);
      }
      renameSync(incomplete, cache.blobPath(etag));
      return { bytes: received, resumedFrom };
    } catch (e) {
      if (res && !res.body.readableEnded) res.body.destroy();
      const err = e instanceof HubError ? e : bodyError(e, ctx, res, what);
      if (encoded) rmSync(incomplete, { force: true });
      if (!err.retryable || ctx.signal?.aborted) throw err;
      failures = progressed ? 1 : failures + 1;
      if (failures > ctx.retry.limit) throw err;
      const delay = retryDelay(failures, ctx.retry, err instanceof RetryAfter ? err.retryAfter : undefined);
      if (delay > ctx.retry.maxRetryAfterMs) throw err;
      logger.warn(`${err.message}; resuming in ${(delay / 1000).toFixed(1)} s (try ${failures}/${ctx.retry.limit})`);
      await wait(delay, ctx.signal);
      if (err.status === 400 || err.status === 401 || err.status === 403 || err.status === 410) {
        const fresh = await ctx.refreshMeta();
        if (fresh.etag !== etag || fresh.size !== size) {
          throw new HubError(`${what}: the file changed on the Hub during the download (etag ${etag} -> ${fresh.etag}); run the pull again`);
        }
        meta = fresh;
      }
    }
  }
}

function bodyError(e: unknown, ctx: DownloadContext, res: HttpResponse | undefined, what: string): HubError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') {
    return new HubError(`${what}: the disk holding ${ctx.cache.cacheDir} is full; free space (or point HF_HUB_CACHE elsewhere) and run the pull again: it resumes`, { cause: e });
  }
  if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
    return new HubError(`${what}: cannot write into ${ctx.cache.repoDir} (${code}); choose a writable cache with --cache-dir or HF_HUB_CACHE`, { cause: e });
  }
  if (code?.startsWith('Z_')) return new HubError(`${what}: the compressed answer is corrupt (${code})`, { cause: e, retryable: true });
  return networkError(e, res?.url ?? ctx.client.hub, ctx.client.hub, what, ctx.timeoutMs, res?.timedOut() ?? false);
}
