import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RETRY, isRetryable, parseRetryAfter, resolveRetryOptions, retryDelayMs } from './retry.js';
import { TeacherHTTPError, TeacherNetworkError, TeacherResponseError, TeacherTimeoutError, type TeacherRequestInfo } from './errors.js';

const req: TeacherRequestInfo = { method: 'POST', url: 'http://h/v1/chat/completions', model: 'm', attempt: 1, elapsedMs: 3 };
const http = (status: number) => new TeacherHTTPError(req, { status, statusText: '', retryAfterMs: undefined }, {});

test('defaults: 8 retries, 408/409/425/429/5xx retried, 1 s base doubling to 60 s, full jitter', () => {
  assert.equal(DEFAULT_RETRY.limit, 8);
  assert.deepEqual([...DEFAULT_RETRY.statusCodes], [408, 409, 425, 429, 500, 502, 503, 504]);
  for (const s of [408, 429, 500, 502, 503, 504]) assert.ok(isRetryable(http(s), DEFAULT_RETRY), `status ${s}`);
  for (const s of [400, 401, 403, 404, 413, 422, 501]) assert.ok(!isRetryable(http(s), DEFAULT_RETRY), `status ${s}`);
  assert.ok(isRetryable(new TeacherTimeoutError(req, 10), DEFAULT_RETRY));
  assert.ok(isRetryable(new TeacherNetworkError(req, 'ECONNRESET', 'x'), DEFAULT_RETRY));
  assert.ok(isRetryable(new TeacherResponseError(req, 200, 'body is not JSON'), DEFAULT_RETRY));
  const off = resolveRetryOptions({ retryOnTimeout: false, retryOnMalformed: false, retryOnNetworkError: false });
  assert.ok(!isRetryable(new TeacherTimeoutError(req, 10), off));
  assert.ok(!isRetryable(new TeacherResponseError(req, 200, 'x'), off));
  assert.ok(!isRetryable(new TeacherNetworkError(req, 'ECONNRESET', 'x'), off));
});

test('exponential backoff with a cap, and the three jitter modes', () => {
  const o = resolveRetryOptions({ backoffBaseMs: 100, backoffFactor: 2, backoffLimitMs: 1_000, jitter: 'none' });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, o, undefined)), [100, 200, 400, 800, 1000, 1000]);
  const full = { ...o, jitter: 'full' as const };
  assert.equal(retryDelayMs(3, full, undefined, () => 0), 0);
  assert.equal(retryDelayMs(3, full, undefined, () => 0.5), 200);
  const equal = { ...o, jitter: 'equal' as const };
  assert.equal(retryDelayMs(3, equal, undefined, () => 0), 200);
  assert.equal(retryDelayMs(3, equal, undefined, () => 0.999), 200 + 0.999 * 200);
});

test('Retry-After replaces the backoff, is capped, and gets at most 10% (<= 1 s) of jitter', () => {
  const o = resolveRetryOptions({ maxRetryAfterMs: 20_000 });
  assert.equal(retryDelayMs(1, { ...o, jitter: 'none' }, 5_000), 5_000);
  assert.equal(retryDelayMs(1, o, 5_000, () => 0.5), 5_250);
  assert.equal(retryDelayMs(1, o, 60_000, () => 0.999), 20_000 + 999);
  assert.equal(retryDelayMs(7, o, 0, () => 0.7), 0);
});

test('parseRetryAfter: seconds, decimals, HTTP dates, retry-after-ms first, garbage ignored', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
  assert.equal(parseRetryAfter('120', undefined, now), 120_000);
  assert.equal(parseRetryAfter(' 1.5 ', undefined, now), 1_500);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', undefined, now), 30_000);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', undefined, now), 0);
  assert.equal(parseRetryAfter('2', '250', now), 250);
  assert.equal(parseRetryAfter('2', 'soon', now), 2_000);
  assert.equal(parseRetryAfter('soon', undefined, now), undefined);
  assert.equal(parseRetryAfter('-3', undefined, now), undefined);
  assert.equal(parseRetryAfter(undefined, undefined, now), undefined);
  assert.equal(parseRetryAfter('', undefined, now), undefined);
});

test('resolveRetryOptions rejects nonsense', () => {
  assert.throws(() => resolveRetryOptions({ limit: -1 }), /retry.limit/);
  assert.throws(() => resolveRetryOptions({ limit: 1.5 }), /retry.limit/);
  assert.throws(() => resolveRetryOptions({ backoffFactor: 0.5 }), /backoffFactor/);
  assert.throws(() => resolveRetryOptions({ backoffBaseMs: Number.NaN }), /backoffBaseMs/);
});
