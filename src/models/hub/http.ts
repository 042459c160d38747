/**
 * The HTTP transport under the Hub client: one request at a time over node:http/https, no
 * automatic redirects, no decompression, raw bytes, an inactivity timeout, and connection
 * failures turned into `HubNetworkError`s. Retry timing (`RetryOptions`) lives here too.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { HubError, HubNetworkError } from './errors.js';

/** How failed requests are retried (ky's `RetryOptions`, with huggingface_hub's defaults). */
export interface RetryOptions {
  /** Retries after the first try (huggingface_hub: 5). */
  limit: number;
  /** Statuses that are retried (rate limit and server errors). */
  statusCodes: readonly number[];
  /** Wait before the first retry, ms; doubles each time (huggingface_hub: 1 s). */
  backoffMs: number;
  /** Longest wait between two tries, ms (huggingface_hub: 8 s). */
  backoffLimitMs: number;
  /** Longest `Retry-After` honoured, ms; a longer one fails at once with the server's answer. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({
  limit: 5,
  statusCodes: Object.freeze([408, 429, 500, 502, 503, 504]),
  backoffMs: 1000,
  backoffLimitMs: 8000,
  maxRetryAfterMs: 120_000,
});

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL this response answers (after any redirect the caller followed). */
  url: URL;
  body: IncomingMessage;
  /** True once the inactivity timeout fired on this exchange. */
  readonly timedOut: () => boolean;
}

export interface RequestOptions {
  headers: Record<string, string>;
  /** Longest silence on the socket (connecting, waiting, reading), ms. */
  timeoutMs: number;
  signal?: AbortSignal;
  agents: Agents;
}

/** Keep-alive agents of one pull, so that the HEADs and GETs of one host share connections. */
export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

export function createAgents(maxSockets: number): Agents {
  return {
    http: new http.Agent({ keepAlive: true, maxSockets }),
    https: new https.Agent({ keepAlive: true, maxSockets }),
  };
}

export function destroyAgents(agents: Agents): void {
  agents.http.destroy();
  agents.https.destroy();
}

/** First value of a response header. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Same scheme, host and port: where a token may follow a redirect. */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.hostname.toLowerCase() === b.hostname.toLowerCase() && a.port === b.port;
}

/** A URL as it may appear in a message: CDN URLs are signed, so only their origin is shown. */
export function printableUrl(url: URL, hub: URL): string {
  return sameOrigin(url, hub) ? `${url.origin}${url.pathname}` : `${url.origin}/…`;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL']);
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'HPE_INVALID_CONSTANT', 'ERR_HTTP_REQUEST_TIMEOUT']);

/** Turn an error of node:http into a HubError that says what happened. */
export function networkError(e: unknown, url: URL, hub: URL, what: string, timeoutMs: number, timedOut: boolean): HubError {
  if (e instanceof HubError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.name === 'AbortError') return new HubError(`${what}: stopped`, { cause: e });
  const code = err?.code;
  const where = printableUrl(url, hub);
  if (timedOut) {
    return new HubNetworkError(`${what}: no answer from ${where} for ${timeoutMs / 1000} s (raise HF_HUB_ETAG_TIMEOUT / HF_HUB_DOWNLOAD_TIMEOUT on a slow link)`, 'ETIMEDOUT', false, e);
  }
  if (code && UNREACHABLE.has(code)) {
    return new HubNetworkError(`${what}: cannot reach ${url.origin} (${code}); check the network or HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use the cache`, code, true, e);
  }
  if ((code && (BROKEN.has(code) || code.startsWith('HPE_'))) || err?.message === 'socket hang up' || err?.message === 'aborted') {
    return new HubNetworkError(`${what}: connection to ${url.origin} lost (${code ?? err.message})`, code, false, e);
  }
  if (code && (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')) {
    return new HubError(`${what}: TLS certificate of ${url.origin} refused (${code}); behind an inspecting proxy, point NODE_EXTRA_CA_CERTS at its CA certificate`, { cause: e });
  }
  return new HubError(`${what}: request to ${where} failed (${code ?? err?.message ?? String(e)})`, { cause: e });
}

/**
 * Send one request and resolve with the response head; the body is left unread (read it,
 * or call `discard`). Connection errors reject with `HubNetworkError`.
 */
export function send(method: 'GET' | 'HEAD', url: URL, hub: URL, what: string, opts: RequestOptions): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const mod = isHttps ? https : http;
    let timedOut = false;
    const req = mod.request(
      url,
      { method, headers: opts.headers, agent: isHttps ? opts.agents.https : opts.agents.http, signal: opts.signal },
      (res) => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, url, body: res, timedOut: () => timedOut });
      },
    );
    req.setTimeout(opts.timeoutMs, () => {
      timedOut = true;
      req.destroy(new Error('timed out'));
    });
    req.on('error', (e) => reject(networkError(e, url, hub, what, opts.timeoutMs, timedOut)));
    req.end();
  });
}

/** Read a whole (small) body, at most `limit` bytes. */
export async function readBody(res: HttpResponse, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) {
      res.body.destroy();
      throw new HubError(`answer of ${res.url.origin} is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Drop a response body without reading it (the socket is not reused). */
export function discard(res: HttpResponse): void {
  res.body.resume();
  res.body.on('error', () => undefined);
}

/** Milliseconds to wait before retry number `attempt` (1-based), honouring `Retry-After`. */
export function retryDelay(attempt: number, retry: RetryOptions, retryAfter: string | undefined): number {
  if (retryAfter !== undefined) {
    const secs = Number(retryAfter);
    if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return Math.max(0, at - Date.now());
  }
  const base = Math.min(retry.backoffLimitMs, retry.backoffMs * 2 ** (attempt - 1));
  // Full jitter on the upper half, so that parallel downloads do not retry in lockstep.
  return base / 2 + Math.random() * (base / 2);
}

export async function wait(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms > 0) await sleep(ms, undefined, signal ? { signal } : undefined);
}
