import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { endpointIsLocal, isLoopbackHost, parseBaseUrl, parseCompletion } from './client.js';
import { TeacherResponseError, type TeacherRequestInfo } from './errors.js';

test('isLoopbackHost: names and addresses of this machine by their form', () => {
  for (const h of ['localhost', 'LOCALHOST', 'api.localhost', '127.0.0.1', '127.8.9.10', '::1', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['localhost.example.com', '10.0.0.1', '128.0.0.1', '::2', 'gpu7', '203.0.113.7']) assert.ok(!isLoopbackHost(h), h);
});

test('endpointIsLocal: loopback and this machine\'s own interface addresses are local; others are not', async () => {
  for (const i of Object.values(networkInterfaces()).flat()) {
    if (i) assert.ok(await endpointIsLocal(i.family === 'IPv6' ? `[${i.address}]` : i.address), i.address);
  }
  assert.ok(await endpointIsLocal('localhost'));
  assert.equal(await endpointIsLocal('203.0.113.7'), false);
  assert.equal(await endpointIsLocal('[2001:db8::1]'), false);
});

test('parseBaseUrl drops trailing slashes and refuses what cannot be an API base', () => {
  assert.equal(parseBaseUrl('http://h:8000/v1///').href, 'http://h:8000/v1');
  assert.throws(() => parseBaseUrl('http://h/v1?key=1'), /query string/);
});

test('parseCompletion: null content reads as empty; usage without total is summed; problems are named without text', () => {
  const req: TeacherRequestInfo = { method: 'POST', url: 'u', model: 'm', attempt: 1, elapsedMs: 1 };
  const r = parseCompletion(JSON.stringify({ model: 'm', choices: [{ message: { role: 'assistant', content: null }, finish_reason: 'content_filter' }], usage: { prompt_tokens: 3, completion_tokens: 4 } }), req, 200);
  assert.deepEqual(r, { content: '', finishReason: 'content_filter', usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 }, responseModel: 'm' });
  assert.throws(
    () => parseCompletion(JSON.stringify({ choices: [] }), req, 200),
    (e: unknown) => e instanceof TeacherResponseError && /^choices: /.test(e.problem),
  );
  assert.throws(
    () => parseCompletion(JSON.stringify({ choices: [{ message: { content: 42 } }] }), req, 200),
    (e: unknown) => e instanceof TeacherResponseError && e.problem.startsWith('choices[0].message.content') && !e.problem.includes('42'),
  );
});
