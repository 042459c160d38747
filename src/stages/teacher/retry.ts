/**
 * Retry policy of the teacher client, a typed options object with documented defaults (after
 * ky's `RetryOptions`): which failures are retried, and how long to wait before each retry.
 */
import { TeacherHTTPError, type TeacherError } from './errors.js';

export type Jitter = 'full' | 'equal' | 'none';

export interface RetryOptions {
  /** Retries after the first attempt: a report costs at most `limit + 1` requests. */
  limit: number;
  /** HTTP statuses that are retried; every other non-2xx status is recorded as a failure at once. */
  statusCodes: readonly number[];
  /** Retry attempts that got no answer within the per-request timeout. */
  retryOnTimeout: boolean;
  /** Retry refused, reset and dropped connections. */
  retryOnNetworkError: boolean;
  /** Retry 2xx answers that are not JSON or lack `choices` (see docs/teacher.md: proxies and overloaded gateways). */
  retryOnMalformed: boolean;
  /** Backoff before retry n (1-based) is `min(backoffLimitMs, backoffBaseMs * backoffFactor^(n-1))`, then jittered. */
  backoffBaseMs: number;
  backoffFactor: number;
  backoffLimitMs: number;
  /**
   * `full`: a uniform delay in [0, backoff] (AWS "full jitter"); `equal`: in [backoff/2, backoff];
   * `none`: exactly the backoff.
   */
  jitter: Jitter;
  /**
   * A Retry-After (seconds or HTTP date) or retry-after-ms header replaces the backoff, is cut to
   * this many ms, and gets up to 10% (at most 1 s) of random extra delay so that workers told the
   * same time do not all come back at the same instant.
   */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({
  limit: 8,
  statusCodes: Object.freeze([408, 409, 425, 429, 500, 502, 503, 504]),
  retryOnTimeout: true,
  retryOnNetworkError: true,
  retryOnMalformed: true,
  backoffBaseMs: 1_000,
  backoffFactor: 2,
  backoffLimitMs: 60_000,
  jitter: 'full',
  maxRetryAfterMs: 300_000,
});

/** Defaults overridden by `partial`, checked. */
export function resolveRetryOptions(partial: Partial<RetryOptions> = {}): RetryOptions {
  const r: RetryOptions = { ...DEFAULT_RETRY, ...partial };
  const nonNeg = (name: keyof RetryOptions, v: number) => {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`retry.${name} must be a finite number >= 0, got ${v}`);
  };
  if (!Number.isInteger(r.limit) || r.limit < 0) throw new RangeError(`retry.limit must be an integer >= 0, got ${r.limit}`);
  nonNeg('backoffBaseMs', r.backoffBaseMs);
  nonNeg('backoffLimitMs', r.backoffLimitMs);
  nonNeg('maxRetryAfterMs', r.maxRetryAfterMs);
  if (!Number.isFinite(r.backoffFactor) || r.backoffFactor < 1) throw new RangeError(`retry.backoffFactor must be >= 1, got ${r.backoffFactor}`);
  return r;
}

/** Whether a failed attempt may be retried under `options` (the retry budget aside). */
export function isRetryable(error: TeacherError, options: RetryOptions): boolean {
  switch (error.kind) {
    case 'timeout':
      return options.retryOnTimeout;
    case 'network':
      return options.retryOnNetworkError;
    case 'malformed':
      return options.retryOnMalformed;
    case 'http':
      return error instanceof TeacherHTTPError && options.statusCodes.includes(error.response.status);
  }
}

/**
 * Milliseconds to wait before retry number `retry` (1 = the first retry). `retryAfterMs` is the
 * server's request, when it made one. `random` returns a float in [0, 1).
 */
export function retryDelayMs(retry: number, options: RetryOptions, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) {
    const wait = Math.min(Math.max(0, retryAfterMs), options.maxRetryAfterMs);
    return options.jitter === 'none' ? wait : wait + random() * Math.min(1_000, wait * 0.1);
  }
  const backoff = Math.min(options.backoffLimitMs, options.backoffBaseMs * options.backoffFactor ** (retry - 1));
  switch (options.jitter) {
    case 'full':
      return random() * backoff;
    case 'equal':
      return backoff / 2 + (random() * backoff) / 2;
    case 'none':
      return backoff;
  }
}

/**
 * The server's requested delay in ms from `retry-after-ms` (OpenAI's, milliseconds) or
 * `Retry-After` (RFC 9110: delay-seconds or an HTTP date), or undefined when absent or unreadable.
 */
export function parseRetryAfter(retryAfter: string | undefined, retryAfterMsHeader: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (retryAfterMsHeader !== undefined) {
    const ms = Number(retryAfterMsHeader.trim());
    if (retryAfterMsHeader.trim() !== '' && Number.isFinite(ms) && ms >= 0) return ms;
  }
  if (retryAfter === undefined) return undefined;
  const v = retryAfter.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined; // an HTTP date names its month; bare numbers like "-3" are not dates
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
