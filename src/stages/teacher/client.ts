/**
 * Client for `POST {baseUrl}/chat/completions` of any OpenAI-compatible server (vLLM, SGLang, TGI,
 * Ollama, llama.cpp's server, OpenRouter, OpenAI). node:http(s) with a keep-alive agent, a
 * timeout per attempt, retries per `RetryOptions`, answers validated with a zod schema.
 *
 * Privacy: texts go into the request body and nowhere else; errors carry metadata only.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../../util/errors.js';
import { z } from '../../util/schema.js';
import { describeIssues } from '../../util/schema.js';
import {
  TeacherError,
  TeacherHTTPError,
  TeacherNetworkError,
  TeacherResponseError,
  TeacherTimeoutError,
  redactServerMessage,
  type TeacherRequestInfo,
} from './errors.js';
import type { RateLimiter } from './limiter.js';
import { isRetryable, parseRetryAfter, resolveRetryOptions, retryDelayMs, type RetryOptions } from './retry.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Sampling parameters sent with every request; fields left undefined are not sent (the server's defaults apply). */
export interface SamplingParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  seed?: number;
  /** Extra body fields passed through verbatim, e.g. `{"top_k": 20, "chat_template_kwargs": {...}}`. */
  extra?: Record<string, JsonValue>;
}

export interface TeacherClientOptions {
  /** Base URL including the API prefix, e.g. `http://gpu7:8000/v1` or `https://api.openai.com/v1`. */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer ...` when set. Read it from the environment; never log it. */
  apiKey?: string;
  params?: SamplingParams;
  /** Per-attempt timeout in ms, from sending to the last byte of the answer. Default 300 000. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** Most sockets kept to the server; set it to the runner's concurrency. Default 64. */
  maxSockets?: number;
  /** Shared requests/tokens-per-minute limits, taken before every attempt. */
  limiter?: RateLimiter;
  /** Uniform [0, 1) source for jitter (tests). */
  random?: () => number;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** One successful answer. */
export interface Completion {
  /** The answer text (`choices[0].message.content`; `null` reads as ''). */
  content: string;
  /** `choices[0].finish_reason`: `stop`, `length`, `content_filter`, ... or null when the server omits it. */
  finishReason: string | null;
  usage: Usage | undefined;
  /** The `model` the server says answered. */
  responseModel: string | undefined;
  /** Ms of the successful attempt. */
  latencyMs: number;
  /** Attempts made, the successful one included. */
  attempts: number;
}

export interface CompleteOptions {
  /** Aborts the waits and the request in flight; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Tokens this request is expected to use (for the tokens/min limit). */
  estimatedTokens?: number;
  /** Called before every attempt; throw to stop (a request budget). */
  beforeAttempt?: (attempt: number) => void;
  /** Called after a failed attempt that will be retried after `delayMs`. */
  onRetry?: (error: TeacherError, delayMs: number) => void;
}

const DEFAULT_TIMEOUT_MS = 300_000;
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const RESERVED_FIELDS = ['model', 'messages', 'stream', 'n'];

const CompletionBody = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable().optional() }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number().int().nonnegative(),
      completion_tokens: z.number().int().nonnegative(),
      total_tokens: z.number().int().nonnegative().optional(),
    })
    .nullable()
    .optional(),
});

const ErrorBody = z.object({
  error: z.union([z.object({ message: z.string().optional(), type: z.string().nullable().optional(), code: z.union([z.string(), z.number()]).nullable().optional() }), z.string()]).optional(),
  message: z.string().optional(),
  type: z.string().optional(),
  detail: z.unknown().optional(),
});

/** Parse and check a base URL: http(s), no credentials, no query; the trailing slash dropped. */
export function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConfigError(`--base-url "${baseUrl}" is not a URL (expected e.g. http://localhost:8000/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`--base-url must be http:// or https://, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new ConfigError('--base-url must not contain credentials; put the API key in an environment variable (--api-key-env)');
  }
  if (url.search || url.hash) throw new ConfigError('--base-url must not have a query string or fragment');
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** True for localhost, 127.0.0.0/8, ::1 and their mapped forms: the report text stays on this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * Whether requests to `hostname` stay on this machine: a loopback name or address, or a name
 * whose every address is loopback or one of this machine's own interfaces. A name that does not
 * resolve counts as remote.
 */
export async function endpointIsLocal(hostname: string): Promise<boolean> {
  const h = hostname.replace(/^\[|\]$/g, '');
  if (isLoopbackHost(h)) return true;
  let addresses: string[];
  if (isIP(h) !== 0) addresses = [h];
  else {
    try {
      addresses = (await lookup(h, { all: true })).map((a) => a.address);
    } catch {
      return false;
    }
  }
  const own = new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((i) => i?.address),
  );
  return addresses.length > 0 && addresses.every((a) => isLoopbackHost(a) || own.has(a));
}

export class TeacherClient {
  readonly endpoint: URL;
  readonly model: string;
  readonly params: SamplingParams;
  readonly retry: RetryOptions;
  readonly timeoutMs: number;
  private readonly apiKey: string | undefined;
  private readonly agent: http.Agent;
  private readonly limiter: RateLimiter | undefined;
  private readonly random: () => number;
  private readonly requestModule: typeof http | typeof https;
  /** Endpoint as shown in errors: no credentials or query. */
  readonly endpointText: string;

  constructor(options: TeacherClientOptions) {
    const base = parseBaseUrl(options.baseUrl);
    this.endpoint = new URL(`${base.href.replace(/\/+$/, '')}/chat/completions`);
    this.endpointText = `${this.endpoint.origin}${this.endpoint.pathname}`;
    if (options.model === '') throw new ConfigError('the teacher model name is empty');
    this.model = options.model;
    this.params = options.params ?? {};
    for (const k of RESERVED_FIELDS) {
      if (this.params.extra && k in this.params.extra) throw new ConfigError(`extra body field "${k}" is set by clinsum itself and cannot be overridden`);
    }
    this.retry = resolveRetryOptions(options.retry);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new ConfigError(`the request timeout must be > 0 ms, got ${this.timeoutMs}`);
    this.apiKey = options.apiKey === '' ? undefined : options.apiKey;
    const https_ = this.endpoint.protocol === 'https:';
    this.requestModule = https_ ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: 'lifo' as const };
    this.agent = https_ ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.limiter = options.limiter;
    this.random = options.random ?? Math.random;
  }

  /** The JSON body for `messages` (also what the store key hashes, through `requestParams`). */
  body(messages: readonly ChatMessage[]): Record<string, JsonValue> {
    const { extra, ...named } = this.params;
    const out: Record<string, JsonValue> = { model: this.model, messages: messages.map((m) => ({ role: m.role, content: m.content })) };
    for (const [k, v] of Object.entries(named)) if (v !== undefined) out[k] = v;
    if (extra) for (const [k, v] of Object.entries(extra)) out[k] = v;
    out.stream = false;
    return out;
  }

  /** Send `messages`, retrying per `this.retry`; resolves with the first usable answer. */
  async complete(messages: readonly ChatMessage[], options: CompleteOptions = {}): Promise<Completion> {
    const body = Buffer.from(JSON.stringify(this.body(messages)), 'utf8');
    const texts = messages.map((m) => m.content);
    const { signal } = options;
    for (let attempt = 1; ; attempt++) {
      options.beforeAttempt?.(attempt);
      const reservation = this.limiter ? await this.limiter.acquire(options.estimatedTokens ?? 0, signal) : undefined;
      try {
        const r = await this.attempt(body, attempt, texts, signal);
        if (reservation && this.limiter) this.limiter.settle(reservation, r.usage?.totalTokens ?? reservation.tokens);
        return { ...r, attempts: attempt };
      } catch (e) {
        if (!(e instanceof TeacherError)) throw e;
        if (reservation && this.limiter && e instanceof TeacherHTTPError && e.response.status === 429) this.limiter.settle(reservation, 0);
        if (!isRetryable(e, this.retry) || attempt > this.retry.limit) throw e;
        const delay = retryDelayMs(attempt, this.retry, e instanceof TeacherHTTPError ? e.response.retryAfterMs : undefined, this.random);
        options.onRetry?.(e, delay);
        await pause(delay, signal);
      }
    }
  }

  /** One HTTP request; rejects with a TeacherError (or the signal's reason). */
  private attempt(body: Buffer, attempt: number, texts: readonly string[], signal: AbortSignal | undefined): Promise<Omit<Completion, 'attempts'>> {
    const start = performance.now();
    const info = (): TeacherRequestInfo => ({
      method: 'POST',
      url: this.endpointText,
      model: this.model,
      attempt,
      elapsedMs: Math.round(performance.now() - start),
    });
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let settled = false;
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'application/json',
        accept: 'application/json',
        'content-length': body.length,
        'user-agent': 'clinsum-teacher',
      };
      if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
      const req = this.requestModule.request(this.endpoint, { method: 'POST', headers, agent: this.agent });
      const finish = (err: unknown, value?: Omit<Completion, 'attempts'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err !== undefined) {
          req.destroy();
          reject(err);
        } else resolve(value!);
      };
      const timer = setTimeout(() => finish(new TeacherTimeoutError(info(), this.timeoutMs)), this.timeoutMs);
      const onAbort = () => finish(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e: NodeJS.ErrnoException) => finish(new TeacherNetworkError(info(), e.code, 'request failed')));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) {
            finish(new TeacherResponseError(info(), res.statusCode ?? 0, `body larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e: NodeJS.ErrnoException) => finish(new TeacherNetworkError(info(), e.code, 'the answer broke off')));
        res.on('aborted', () => finish(new TeacherNetworkError(info(), 'ECONNRESET', 'the connection closed before the answer ended')));
        res.on('end', () => {
          if (settled) return;
          if (!res.complete) {
            finish(new TeacherNetworkError(info(), 'ECONNRESET', 'the connection closed before the answer ended'));
            return;
          }
          const latencyMs = performance.now() - start;
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status < 200 || status >= 300) {
            finish(this.httpError(info(), res, text, texts));
            return;
          }
          try {
            finish(undefined, { ...parseCompletion(text, info(), status), latencyMs });
          } catch (e) {
            finish(e);
          }
        });
      });
      req.end(body);
    });
  }

  private httpError(request: TeacherRequestInfo, res: http.IncomingMessage, text: string, texts: readonly string[]): TeacherHTTPError {
    const header = (name: string): string | undefined => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    let code: string | undefined;
    let message: string | undefined;
    try {
      const parsed = ErrorBody.safeParse(JSON.parse(text));
      if (parsed.success) {
        const b = parsed.data;
        if (typeof b.error === 'object') {
          code = b.error.type ?? (b.error.code === null || b.error.code === undefined ? undefined : String(b.error.code));
          message = b.error.message;
        } else {
          message = b.error ?? b.message ?? (typeof b.detail === 'string' ? b.detail : undefined);
          code = b.type;
        }
      }
    } catch {
      // Not JSON (an HTML page from a proxy): keep status and headers only.
    }
    if (code !== undefined && !/^[\w.:-]{1,64}$/.test(code)) code = undefined;
    return new TeacherHTTPError(
      request,
      {
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        retryAfterMs: parseRetryAfter(header('retry-after'), header('retry-after-ms')),
      },
      { code, message: redactServerMessage(message, texts) },
    );
  }

  /** Close the kept-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}

/** Wait `ms`; rejects with the signal's own reason (not a generic AbortError) when aborted. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) throw signal.reason;
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw e;
  }
}

/** Validate a 2xx body as a chat completion; a TeacherResponseError names what is wrong (never the text). */
export function parseCompletion(text: string, request: TeacherRequestInfo, status: number): Omit<Completion, 'attempts' | 'latencyMs'> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TeacherResponseError(request, status, `body is not JSON (${text.length} bytes)`);
  }
  const r = CompletionBody.safeParse(json);
  if (!r.success) {
    const { field, text: problem } = describeIssues(r.error);
    throw new TeacherResponseError(request, status, `${field ?? 'body'}: ${problem}`);
  }
  const choice = r.data.choices[0]!;
  const u = r.data.usage;
  return {
    content: choice.message.content ?? '',
    finishReason: choice.finish_reason ?? null,
    usage: u ? { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens, totalTokens: u.total_tokens ?? u.prompt_tokens + u.completion_tokens } : undefined,
    responseModel: r.data.model,
  };
}
