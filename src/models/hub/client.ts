/**
 * The Hub's HTTP API as huggingface_hub speaks it:
 * - repository info: `GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true`
 * - file metadata: `HEAD {endpoint}/{repo}/resolve/{commit}/{path}` with `Accept-Encoding: identity`,
 *   following redirects only on the Hub's own origin (a renamed repository); a redirect elsewhere is
 *   the CDN location of an LFS file, read from `Location` with `X-Linked-Etag`/`X-Linked-Size`
 * - file bytes: `GET` of that location, with `Range: bytes=N-` to resume.
 * The token goes to the Hub's origin only, never to a CDN (nor across a redirect to another origin).
 */
import { createRequire } from 'node:module';
import type { Logger } from '../../util/log.js';
import { z } from '../../util/schema.js';
import { HubError, HubNetworkError } from './errors.js';
import {
  type Agents,
  type HttpResponse,
  type RetryOptions,
  createAgents,
  destroyAgents,
  discard,
  header,
  printableUrl,
  readBody,
  retryDelay,
  sameOrigin,
  send,
  wait,
} from './http.js';
import { repoInfoUrl, resolveUrl } from './repo.js';
import type { HubSettings } from './settings.js';

const MAX_REDIRECTS = 10;

const siblingSchema = z.object({
  rfilename: z.string(),
  size: z.number().int().nonnegative().optional(),
  blobId: z.string().optional(),
  lfs: z
    .object({ size: z.number().int().nonnegative(), sha256: z.string(), pointerSize: z.number().int().nonnegative().optional() })
    .nullish(),
});

const repoInfoSchema = z.object({
  id: z.string().optional(),
  sha: z.string().regex(/^[0-9a-f]{40}$/, 'a 40-digit commit sha'),
  siblings: z.array(siblingSchema),
  private: z.boolean().optional(),
  gated: z.union([z.boolean(), z.string()]).optional(),
});

export type RepoSibling = z.infer<typeof siblingSchema>;

export interface RepoInfo {
  /** The commit the revision resolved to. */
  sha: string;
  siblings: RepoSibling[];
  gated: boolean | string | undefined;
}

/** What a HEAD on `resolve/` says about one file (huggingface_hub's `HfFileMetadata`). */
export interface FileMetadata {
  /** Commit of the file (`X-Repo-Commit`), when the server sent it. */
  commit: string | undefined;
  /** Normalized etag: the sha256 of an LFS file, the git blob sha1 of a regular one. */
  etag: string;
  /** Size of the file itself (not of an LFS pointer). */
  size: number;
  /** Where to GET the bytes: the CDN URL of an LFS file, or the resolve URL. */
  location: URL;
}

/** Where a request is aimed, for error messages. */
export interface Subject {
  repoId: string;
  revision: string;
  /** The file, for resolve requests. */
  file?: string;
}

/** huggingface_hub's `_normalize_etag`: drop a `W/` prefix and the quotes. */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"+|"+$/g, '');
}

function userAgent(): string {
  const pkg = createRequire(import.meta.url)('../../../../package.json') as { version: string };
  return `clinsum/${pkg.version}; hf_hub/compatible; node/${process.versions.node}`;
}

export interface HubClientOptions {
  settings: HubSettings;
  retry: RetryOptions;
  logger: Logger;
  /** Connections per host (the download concurrency). */
  maxSockets: number;
  signal?: AbortSignal;
}

export class HubClient {
  readonly settings: HubSettings;
  readonly hub: URL;
  private readonly retry: RetryOptions;
  private readonly logger: Logger;
  private readonly agents: Agents;
  private readonly signal: AbortSignal | undefined;
  private readonly ua: string;

  constructor(options: HubClientOptions) {
    this.settings = options.settings;
    this.hub = new URL(options.settings.endpoint);
    this.retry = options.retry;
    this.logger = options.logger;
    this.agents = createAgents(options.maxSockets);
    this.signal = options.signal;
    this.ua = userAgent();
  }

  close(): void {
    destroyAgents(this.agents);
  }

  /** Headers for a request to `url`: the token only on the Hub's own origin. */
  private headers(url: URL, extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { 'user-agent': this.ua, ...extra };
    if (this.settings.token && sameOrigin(url, this.hub)) h.authorization = `Bearer ${this.settings.token}`;
    return h;
  }

  /**
   * Run `once` with retries on network errors and retryable statuses (429, 5xx), waiting as
   * `RetryOptions` says. `limit` overrides the retry count (0: fail fast, to fall back to the cache).
   */
  async withRetry<T>(once: () => Promise<T>, limit = this.retry.limit): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once();
      } catch (e) {
        if (!(e instanceof HubError) || !e.retryable || attempt > limit || this.signal?.aborted) throw e;
        const delay = retryDelay(attempt, this.retry, e instanceof RetryAfter ? e.retryAfter : undefined);
        if (delay > this.retry.maxRetryAfterMs) throw e;
        this.logger.warn(`${e.message}; retry ${attempt}/${limit} in ${(delay / 1000).toFixed(1)} s`);
        await wait(delay, this.signal);
      }
    }
  }

  /** `GET /api/models/{repo}/revision/{rev}?blobs=true`: the commit and the file list. */
  async repoInfo(subject: Subject, retryLimit?: number): Promise<RepoInfo> {
    const what = `repository info of ${subject.repoId}@${subject.revision}`;
    return this.withRetry(
      async () => {
        let url = repoInfoUrl(this.settings.endpoint, subject.repoId, subject.revision);
        for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
          const res = await send('GET', url, this.hub, what, {
            headers: this.headers(url, { accept: 'application/json' }),
            timeoutMs: this.settings.etagTimeoutMs,
            signal: this.signal,
            agents: this.agents,
          });
          const location = redirectTarget(res);
          if (location) {
            discard(res);
            url = location;
            continue;
          }
          if (res.status !== 200) throw await this.httpError(res, subject, 'repo');
          const body = await readBody(res, 64 << 20).catch((e: unknown) => {
            throw e instanceof HubError ? e : new HubNetworkError(`${what}: connection lost while reading the answer`, undefined, false, e);
          });
          let json: unknown;
          try {
            json = JSON.parse(body.toString('utf8'));
          } catch {
            throw new HubError(`${what}: ${printableUrl(url, this.hub)} did not answer JSON (is HF_ENDPOINT=${this.settings.endpoint} a Hugging Face Hub?)`);
          }
          const parsed = repoInfoSchema.safeParse(json);
          if (!parsed.success) {
            const issue = parsed.error.issues[0];
            throw new HubError(`${what}: unexpected answer from ${this.settings.endpoint} (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'})`);
          }
          return { sha: parsed.data.sha, siblings: parsed.data.siblings, gated: parsed.data.gated };
        }
        throw new HubError(`${what}: more than ${MAX_REDIRECTS} redirects`);
      },
      retryLimit,
    );
  }

  /** `HEAD {endpoint}/{repo}/resolve/{commit}/{path}`: etag, size and download location of one file. */
  async fileMetadata(subject: Subject & { file: string }): Promise<FileMetadata> {
    const what = `${subject.file} of ${subject.repoId}@${shortRev(subject.revision)}`;
    return this.withRetry(async () => {
      let url = resolveUrl(this.settings.endpoint, subject.repoId, subject.revision, subject.file);
      for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
        const res = await send('HEAD', url, this.hub, what, {
          headers: this.headers(url, { 'accept-encoding': 'identity' }),
          timeoutMs: this.settings.etagTimeoutMs,
          signal: this.signal,
          agents: this.agents,
        });
        const location = redirectTarget(res);
        if (!location && res.status !== 200) throw await this.httpError(res, subject, 'file');
        discard(res);
        // Follow redirects that stay on the Hub (a renamed repository); one elsewhere is the CDN.
        if (location && sameOrigin(location, this.hub)) {
          url = location;
          continue;
        }
        const etagHeader = header(res.headers, 'x-linked-etag') ?? header(res.headers, 'etag');
        const sizeHeader = header(res.headers, 'x-linked-size') ?? (location ? undefined : header(res.headers, 'content-length'));
        if (!etagHeader) {
          throw new HubError(`${what}: the server sent no ETag, so the file cannot be cached reliably (is HF_ENDPOINT=${this.settings.endpoint} a Hugging Face Hub, or is a proxy rewriting answers?)`);
        }
        const size = sizeHeader === undefined ? NaN : Number(sizeHeader);
        if (!Number.isSafeInteger(size) || size < 0) {
          throw new HubError(`${what}: the server sent no usable file size (X-Linked-Size / Content-Length)`);
        }
        return { commit: header(res.headers, 'x-repo-commit'), etag: normalizeEtag(etagHeader), size, location: location ?? url };
      }
      throw new HubError(`${what}: more than ${MAX_REDIRECTS} redirects`);
    });
  }

  /**
   * `GET` the bytes of a file from `location`, from byte `from` on (a `Range` request when
   * `from > 0`), following redirects (the token is dropped when one leaves the Hub's origin).
   * Resolves with a 200, 206 or 416 response whose body is unread; other statuses throw.
   */
  async openDownload(location: URL, from: number, subject: Subject & { file: string }, timeoutMs: number): Promise<HttpResponse> {
    const what = `${subject.file} of ${subject.repoId}@${shortRev(subject.revision)}`;
    let url = location;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const extra: Record<string, string> = { 'accept-encoding': 'identity' };
      if (from > 0) extra.range = `bytes=${from}-`;
      const res = await send('GET', url, this.hub, what, { headers: this.headers(url, extra), timeoutMs, signal: this.signal, agents: this.agents });
      const next = redirectTarget(res);
      if (next) {
        discard(res);
        url = next;
        continue;
      }
      if (res.status === 200 || res.status === 206 || res.status === 416) return res;
      throw await this.httpError(res, subject, 'file');
    }
    throw new HubError(`${what}: more than ${MAX_REDIRECTS} redirects`);
  }

  /** The HubError for a non-success answer, with huggingface_hub's reading of `X-Error-Code`. */
  async httpError(res: HttpResponse, subject: Subject, kind: 'repo' | 'file'): Promise<HubError> {
    const status = res.status;
    const errorCode = header(res.headers, 'x-error-code');
    const requestId = header(res.headers, 'x-request-id');
    let serverMessage = header(res.headers, 'x-error-message');
    if (res.body.readable) {
      const body = await readBody(res, 1 << 16).catch(() => Buffer.alloc(0));
      if (!serverMessage) serverMessage = errorFromBody(body, header(res.headers, 'content-type'));
    }
    const retryAfter = header(res.headers, 'retry-after');
    const endpoint = this.settings.endpoint;
    const repoUrl = `${endpoint}/${subject.repoId}`;
    const rev = subject.revision;
    const where = printableUrl(res.url, this.hub);
    const fromCdn = !sameOrigin(res.url, this.hub);
    const tokenNote = this.settings.token
      ? `the token from ${this.settings.tokenSource ?? 'the options'} was sent`
      : 'no token was sent: set HF_TOKEN to a token with read access (https://huggingface.co/settings/tokens)';
    const suffix = `${serverMessage ? ` (server: ${oneLine(serverMessage)})` : ''}${requestId ? ` [request id ${requestId}]` : ''}`;
    const details = { status, errorCode, requestId };

    if (errorCode === 'RevisionNotFound') {
      return new HubError(`revision "${rev}" not found in ${subject.repoId} (HTTP ${status}); check the branch, tag or commit on ${repoUrl}${suffix}`, details);
    }
    if (errorCode === 'EntryNotFound') {
      return new HubError(`file "${subject.file ?? '?'}" not found in ${subject.repoId} at revision ${shortRev(rev)} (HTTP ${status})${suffix}`, details);
    }
    if (errorCode === 'GatedRepo') {
      return new HubError(
        `${subject.repoId} is a gated model (HTTP ${status}): accept its licence on ${repoUrl} with your account, and ${this.settings.token ? `make sure the token (from ${this.settings.tokenSource}) belongs to that account and has read access` : 'set HF_TOKEN to a read token of that account'}${suffix}`,
        details,
      );
    }
    if (serverMessage === 'Access to this resource is disabled.') {
      return new HubError(`${subject.repoId} is disabled on the Hub (HTTP ${status})${suffix}`, details);
    }
    if (status === 401 && serverMessage === 'Invalid credentials in Authorization header') {
      return new HubError(`the Hub refused the token from ${this.settings.tokenSource ?? 'the options'} as invalid (HTTP 401); create a new one at https://huggingface.co/settings/tokens and set HF_TOKEN${suffix}`, details);
    }
    if (errorCode === 'RepoNotFound' || (status === 401 && !fromCdn)) {
      return new HubError(
        `repository ${subject.repoId} not found on ${endpoint} (HTTP ${status}): check the name; if it is private or gated, ${tokenNote}${this.settings.token ? ' and must have access to it (accept the licence on the model page)' : ', and accept the licence on the model page'}${suffix}`,
        details,
      );
    }
    if (status === 403 && !fromCdn) {
      return new HubError(`access to ${subject.repoId} refused (HTTP 403): ${tokenNote}; it needs read access to this repository${suffix}`, details);
    }
    if (status === 404) {
      return new HubError(
        kind === 'repo'
          ? `repository ${subject.repoId} or revision "${rev}" not found on ${endpoint} (HTTP 404)${suffix}`
          : `file "${subject.file ?? '?'}" not found in ${subject.repoId} at revision ${shortRev(rev)} (HTTP 404 from ${where})${suffix}`,
        details,
      );
    }
    const what = kind === 'repo' ? `repository info of ${subject.repoId}@${rev}` : `${subject.file ?? '?'} of ${subject.repoId}@${shortRev(rev)}`;
    if (this.retry.statusCodes.includes(status)) return new RetryAfter(`${what}: HTTP ${status} from ${where}${suffix}`, details, retryAfter);
    if (fromCdn && (status === 401 || status === 403 || status === 400 || status === 410)) {
      return new HubError(`${what}: the download server refused the file (HTTP ${status} from ${where}); its signed link may have expired${suffix}`, { ...details, retryable: true });
    }
    return new HubError(`${what}: HTTP ${status} from ${where}${suffix}`, details);
  }
}

/** A retryable HTTP answer, carrying its `Retry-After`. */
export class RetryAfter extends HubError {
  readonly retryAfter: string | undefined;

  constructor(message: string, details: { status: number; errorCode?: string; requestId?: string }, retryAfter: string | undefined) {
    super(message, { ...details, retryable: true });
    this.retryAfter = retryAfter;
  }
}

/** The absolute target of a 3xx answer with a Location, else undefined. */
function redirectTarget(res: HttpResponse): URL | undefined {
  if (res.status < 300 || res.status > 399) return undefined;
  const loc = header(res.headers, 'location');
  if (!loc) return undefined;
  return new URL(loc, res.url);
}

/** The `error` / `errors[].message` of a JSON body, or a short plain-text body. */
function errorFromBody(body: Buffer, contentType: string | undefined): string | undefined {
  const text = body.toString('utf8').trim();
  if (!text) return undefined;
  try {
    const j = JSON.parse(text) as { error?: unknown; errors?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (Array.isArray(j.error)) return j.error.map(String).join('; ');
    if (Array.isArray(j.errors)) return j.errors.map((x: { message?: unknown }) => String(x?.message ?? '')).filter(Boolean).join('; ');
  } catch {
    if (!/html/i.test(contentType ?? '') && text.length <= 300) return text;
  }
  return undefined;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** A commit sha shortened for messages; branch names stay whole. */
export function shortRev(rev: string): string {
  return /^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 12) : rev;
}
