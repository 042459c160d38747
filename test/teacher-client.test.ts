// The teacher HTTP client against the fault-injecting server on 127.0.0.1: answers, every fault
// kind, which ones are retried, Retry-After, timeouts, aborts, and that errors carry no text.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TeacherClient, type ChatMessage } from '../src/stages/teacher/client.js';
import { TeacherError, TeacherHTTPError, TeacherNetworkError, TeacherResponseError, TeacherTimeoutError } from '../src/stages/teacher/errors.js';
import { startFaultServer, type Fault, type FaultServer } from './support/fault-server.js';

const REPORT = 'A 54-year-old man with a history of hypertension presented with crushing retrosternal chest pain radiating to the left arm.';
const PROMPT = 'Extract the key information from clinical text';
const messages: ChatMessage[] = [
  { role: 'system', content: PROMPT },
  { role: 'user', content: REPORT },
];

const servers: FaultServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function serverWith(plan: (nth: number) => Fault, delayMs = 0): Promise<FaultServer> {
  const s = await startFaultServer({ plan: (r) => plan(r.nth), delayMs });
  servers.push(s);
  return s;
}

function client(s: FaultServer, extra: Partial<ConstructorParameters<typeof TeacherClient>[0]> = {}): TeacherClient {
  return new TeacherClient({
    baseUrl: s.baseUrl,
    model: 'teacher-72b',
    timeoutMs: 5_000,
    random: () => 0.5,
    ...extra,
    retry: { limit: 4, backoffBaseMs: 2, backoffLimitMs: 10, ...extra.retry },
  });
}

function assertNoText(e: unknown): void {
  const text = `${String(e)} ${JSON.stringify(e)} ${e instanceof Error ? (e.stack ?? '') : ''}`;
  for (const s of [REPORT, 'retrosternal', 'hypertension', PROMPT]) assert.ok(!text.includes(s), `error text leaks "${s}"`);
}

test('a plain answer: content, finish_reason, usage, model; the body carries params, extra fields and the key', async () => {
  let seen: Record<string, unknown> = {};
  let auth: string | undefined;
  const s = await startFaultServer({
    plan: (r) => {
      seen = r.body;
      auth = r.authorization;
      return { kind: 'answer', content: 'age 54; male; chest pain', finishReason: 'stop' };
    },
  });
  servers.push(s);
  const c = client(s, { apiKey: 'sk-test-123', params: { temperature: 0, max_tokens: 64, seed: 7, extra: { top_k: 20 } } });
  const r = await c.complete(messages);
  c.close();
  assert.equal(r.content, 'age 54; male; chest pain');
  assert.equal(r.finishReason, 'stop');
  assert.equal(r.attempts, 1);
  assert.equal(r.responseModel, 'teacher-72b');
  assert.ok(r.usage && r.usage.promptTokens > 0 && r.usage.completionTokens > 0 && r.usage.totalTokens === r.usage.promptTokens + r.usage.completionTokens);
  assert.equal(auth, 'Bearer sk-test-123');
  assert.deepEqual(seen, {
    model: 'teacher-72b',
    messages: [
      { role: 'system', content: PROMPT },
      { role: 'user', content: REPORT },
    ],
    temperature: 0,
    max_tokens: 64,
    seed: 7,
    top_k: 20,
    stream: false,
  });
});

test('429 with Retry-After in seconds is honoured, then the answer comes', async () => {
  const s = await serverWith((n) => (n === 1 ? { kind: 'status', status: 429, headers: { 'retry-after': '1' } } : { kind: 'answer' }));
  const delays: number[] = [];
  const c = client(s, { retry: { jitter: 'none' } });
  const r = await c.complete(messages, { onRetry: (e, d) => (assert.ok(e instanceof TeacherHTTPError && e.response.status === 429), delays.push(d)) });
  c.close();
  assert.equal(r.attempts, 2);
  assert.deepEqual(delays, [1000]);
  assert.equal(s.stats().received, 2);
});

test('Retry-After as an HTTP date and retry-after-ms are read; a long one is capped by maxRetryAfterMs', async () => {
  const future = new Date(Date.now() + 3_600_000).toUTCString();
  const s = await serverWith((n): Fault => {
    if (n === 1) return { kind: 'status', status: 503, headers: { 'retry-after': future } };
    if (n === 2) return { kind: 'status', status: 429, headers: { 'retry-after-ms': '7' } };
    return { kind: 'answer' };
  });
  const delays: number[] = [];
  const c = client(s, { retry: { jitter: 'none', maxRetryAfterMs: 30 } });
  const r = await c.complete(messages, { onRetry: (_e, d) => delays.push(d) });
  c.close();
  assert.equal(r.attempts, 3);
  assert.deepEqual(delays, [30, 7]);
});

test('500, 502 and 504 are retried with backoff', async () => {
  const s = await serverWith((n) => (n <= 3 ? { kind: 'status', status: [500, 502, 504][n - 1]! } : { kind: 'answer' }));
  const statuses: number[] = [];
  const c = client(s);
  const r = await c.complete(messages, { onRetry: (e) => statuses.push(e instanceof TeacherHTTPError ? e.response.status : -1) });
  c.close();
  assert.equal(r.attempts, 4);
  assert.deepEqual(statuses, [500, 502, 504]);
});

test('an answer slower than the timeout is abandoned and retried', async () => {
  const s = await serverWith((n) => (n === 1 ? { kind: 'answer', delayMs: 3_000 } : { kind: 'answer' }));
  const kinds: string[] = [];
  const c = client(s, { timeoutMs: 150 });
  const r = await c.complete(messages, { onRetry: (e) => kinds.push(e.kind) });
  c.close();
  assert.equal(r.attempts, 2);
  assert.deepEqual(kinds, ['timeout']);
  await waitFor(() => s.stats().inFlight === 0);
  assert.equal(s.stats().outcomes.aborted, 1, 'the server saw the slow request abandoned');
});

test('dropped connections (before the headers and in mid-body) are retried', async () => {
  const s = await serverWith((n) => (n === 1 ? { kind: 'drop' } : n === 2 ? { kind: 'drop', when: 'mid-body' } : { kind: 'answer' }));
  const errors: TeacherError[] = [];
  const c = client(s);
  const r = await c.complete(messages, { onRetry: (e) => errors.push(e) });
  c.close();
  assert.equal(r.attempts, 3);
  assert.deepEqual(
    errors.map((e) => e.kind),
    ['network', 'network'],
  );
  assert.ok(errors.every((e) => e instanceof TeacherNetworkError));
});

test('non-JSON bodies and bodies without choices are retried; when they persist the error names the problem, not the text', async () => {
  const s1 = await serverWith((n) => (n === 1 ? { kind: 'non-json' } : n === 2 ? { kind: 'missing-choices' } : { kind: 'answer' }));
  const c1 = client(s1);
  const problems: string[] = [];
  const r = await c1.complete(messages, { onRetry: (e) => problems.push(e instanceof TeacherResponseError ? e.problem : e.kind) });
  c1.close();
  assert.equal(r.attempts, 3);
  assert.match(problems[0]!, /not JSON/);
  assert.match(problems[1]!, /^choices: /);

  const s2 = await serverWith(() => ({ kind: 'missing-choices' }));
  const c2 = client(s2, { retry: { limit: 2 } });
  await assert.rejects(c2.complete(messages), (e: unknown) => {
    assert.ok(e instanceof TeacherResponseError);
    assert.equal(e.request.attempt, 3);
    assertNoText(e);
    return true;
  });
  c2.close();
  assert.equal(s2.stats().received, 3);
});

test('400 is not retried; a server message quoting the report is dropped, a plain one is kept', async () => {
  const echo = JSON.stringify({ detail: [{ type: 'value_error', msg: 'bad', input: { messages } }], error: { message: `Invalid input: ${REPORT.slice(0, 60)}`, type: 'BadRequestError' } });
  const s = await serverWith((n) =>
    n === 1 ? { kind: 'status', status: 400, body: echo } : { kind: 'status', status: 400, body: JSON.stringify({ object: 'error', message: "This model's maximum context length is 32768 tokens.", type: 'BadRequestError', code: 400 }) },
  );
  const c = client(s);
  await assert.rejects(c.complete(messages), (e: unknown) => {
    assert.ok(e instanceof TeacherHTTPError);
    assert.equal(e.response.status, 400);
    assert.equal(e.request.attempt, 1);
    assert.equal(e.serverMessage, undefined);
    assert.equal(e.serverCode, 'BadRequestError');
    assertNoText(e);
    return true;
  });
  await assert.rejects(c.complete(messages), (e: unknown) => {
    assert.ok(e instanceof TeacherHTTPError);
    assert.equal(e.serverMessage, "This model's maximum context length is 32768 tokens.");
    assert.match(e.message, /HTTP 400 .*maximum context length/);
    return true;
  });
  c.close();
  assert.equal(s.stats().received, 2);
});

test('retries stop at the limit: limit + 1 requests, and the last error is thrown', async () => {
  const s = await serverWith(() => ({ kind: 'status', status: 503 }));
  const c = client(s, { retry: { limit: 3 } });
  await assert.rejects(c.complete(messages), (e: unknown) => e instanceof TeacherHTTPError && e.response.status === 503 && e.request.attempt === 4);
  c.close();
  assert.equal(s.stats().received, 4);
});

test('a refused connection is a network error, retried, then thrown', async () => {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const c = new TeacherClient({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', retry: { limit: 2, backoffBaseMs: 1 } });
  let retries = 0;
  await assert.rejects(c.complete(messages, { onRetry: () => retries++ }), (e: unknown) => e instanceof TeacherNetworkError && e.errorCode === 'ECONNREFUSED');
  c.close();
  assert.equal(retries, 2);
});

test('an abort stops the request in flight and the backoff wait', async () => {
  const s = await serverWith(() => ({ kind: 'answer', delayMs: 5_000 }));
  const c = client(s);
  const ac = new AbortController();
  const p = c.complete(messages, { signal: ac.signal });
  await waitFor(() => s.stats().inFlight === 1);
  ac.abort(new Error('stop now'));
  await assert.rejects(p, /stop now/);

  const s2 = await serverWith(() => ({ kind: 'status', status: 429, headers: { 'retry-after': '30' } }));
  const c2 = client(s2);
  const ac2 = new AbortController();
  const p2 = c2.complete(messages, { signal: ac2.signal, onRetry: () => setImmediate(() => ac2.abort(new Error('interrupted'))) });
  await assert.rejects(p2, /interrupted/);
  assert.equal(s2.stats().received, 1);
  c.close();
  c2.close();
});

test('beforeAttempt can stop before a retry is sent', async () => {
  const s = await serverWith(() => ({ kind: 'status', status: 500 }));
  const c = client(s);
  await assert.rejects(
    c.complete(messages, {
      beforeAttempt: (n) => {
        if (n > 2) throw new Error('budget');
      },
    }),
    /budget/,
  );
  c.close();
  assert.equal(s.stats().received, 2);
});

test('bad base URLs and reserved extra fields are configuration errors', () => {
  assert.throws(() => new TeacherClient({ baseUrl: 'ftp://x/v1', model: 'm' }), /http:\/\/ or https:\/\//);
  assert.throws(() => new TeacherClient({ baseUrl: 'http://user:pw@x/v1', model: 'm' }), /credentials/);
  assert.throws(() => new TeacherClient({ baseUrl: 'not a url', model: 'm' }), /not a URL/);
  assert.throws(() => new TeacherClient({ baseUrl: 'http://x/v1', model: 'm', params: { extra: { stream: true } } }), /"stream"/);
  const c = new TeacherClient({ baseUrl: 'http://x:8000/v1/', model: 'm' });
  assert.equal(c.endpointText, 'http://x:8000/v1/chat/completions');
  c.close();
});

test('keep-alive: many requests reuse at most maxSockets connections', async () => {
  const s = await startFaultServer({ delayMs: 2 });
  servers.push(s);
  const c = client(s, { maxSockets: 4 });
  for (let i = 0; i < 20; i++) await c.complete(messages);
  await Promise.all(Array.from({ length: 12 }, () => c.complete(messages)));
  c.close();
  const st = s.stats();
  assert.equal(st.completed, 32);
  assert.ok(st.connections >= 1 && st.connections <= 4, `opened ${st.connections} connections`);
  assert.ok(st.maxInFlight <= 4, `max in flight ${st.maxInFlight}`);
});

async function waitFor(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}
