import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactServerMessage, TeacherHTTPError } from './errors.js';

const report = 'The patient, a 31-year-old woman, presented with   fever and a\nmigratory polyarthritis after a sore throat.';

test('a server message quoting 16 characters of a request text is dropped (whitespace-insensitive)', () => {
  assert.equal(redactServerMessage('value error at input: a 31-year-old woman, presented', [report]), undefined);
  assert.equal(redactServerMessage('bad: with fever and a migratory polyarthritis', [report]), undefined);
  assert.equal(redactServerMessage('fever', [report]), undefined);
});

test('a message that quotes nothing is kept, one-lined and cut to 300 characters', () => {
  assert.equal(redactServerMessage("This model's maximum\ncontext length is 32768 tokens.", [report]), "This model's maximum context length is 32768 tokens.");
  assert.equal(redactServerMessage('x'.repeat(400), [report])!.length, 300);
  assert.equal(redactServerMessage('   ', [report]), undefined);
  assert.equal(redactServerMessage(undefined, [report]), undefined);
});

test('HTTP errors name status, attempt, endpoint and model', () => {
  const e = new TeacherHTTPError(
    { method: 'POST', url: 'http://gpu7:8000/v1/chat/completions', model: 'Qwen2.5-72B', attempt: 3, elapsedMs: 12 },
    { status: 503, statusText: 'Service Unavailable', retryAfterMs: 2000 },
    { code: 'overloaded', message: 'try later' },
  );
  assert.equal(e.message, 'teacher answered HTTP 503 Service Unavailable (attempt 3, http://gpu7:8000/v1/chat/completions, model Qwen2.5-72B): overloaded: try later');
  assert.equal(e.code, 'teacher');
  assert.equal(e.kind, 'http');
});
