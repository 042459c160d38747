/** `clinsum serve` over real HTTP: routes, response shapes, auth, limits, validation errors, logs. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Tokenizer, qwen25TokenizerFiles } from '../src/models/tokenizer/index.js';
import { KEEP_ALIVE_TIMEOUT_MS } from '../src/surfaces/server/index.js';
import { startHarness, post, type Harness } from './support/server-harness.js';

let h: Harness;
before(async () => {
  h = await startHarness({ server: { maxBodyBytes: 64 * 1024 } });
});
after(() => h.close());

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function expectError(res: Response, status: number, param: string | null, code?: string | null): Promise<ErrorBody['error']> {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = (await res.json()) as ErrorBody;
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.param, param, `param of: ${body.error.message}`);
  if (code !== undefined) assert.equal(body.error.code, code);
  assert.equal(body.error.type, status >= 500 ? 'server_error' : 'invalid_request_error');
  return body.error;
}

test('GET /health and /v1/models', async () => {
  const health = await fetch(`${h.url}/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  // Idle connections are kept 65 s, past clients' own idle limits (Node's 5 s default raced them:
  // a request on a connection the server was closing failed with "other side closed").
  assert.equal(health.headers.get('keep-alive'), `timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`);
  assert.equal(KEEP_ALIVE_TIMEOUT_MS, 65_000);
  const models = (await (await fetch(`${h.url}/v1/models`)).json()) as { object: string; data: { id: string; object: string; created: number; owned_by: string; max_model_len: number }[] };
  assert.equal(models.object, 'list');
  assert.equal(models.data.length, 1);
  assert.equal(models.data[0]!.id, 'fake-qwen');
  assert.equal(models.data[0]!.object, 'model');
  assert.equal(models.data[0]!.max_model_len, 4096);
  assert.ok(Number.isInteger(models.data[0]!.created));
  await expectError(await fetch(`${h.url}/v1/nothing`), 404, null, 'not_found');
});

test('a known path with another method is a 405 with Allow; unknown paths are 404s', async () => {
  const cases: [string, string, string][] = [
    ['GET', '/v1/chat/completions', 'POST'],
    ['PUT', '/v1/completions', 'POST'],
    ['GET', '/v1/clinsum/generate', 'POST'],
    ['DELETE', '/v1/clinsum/detect', 'POST'],
    ['POST', '/v1/models', 'GET, HEAD'],
    ['POST', '/health', 'GET, HEAD'],
    ['PATCH', '/', 'GET, HEAD'],
    ['OPTIONS', '/v1/chat/completions', 'POST'],
  ];
  for (const [method, path, allow] of cases) {
    // A body is not read (the method is refused first), and the connection stays usable.
    const body = method === 'GET' ? undefined : JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(2000) }] });
    const res = await fetch(`${h.url}${path}`, { method, headers: { 'Content-Type': 'application/json' }, body });
    assert.equal(res.headers.get('allow'), allow, `${method} ${path}`);
    const e = await expectError(res, 405, null, 'method_not_allowed');
    assert.equal(e.message, `${path} does not answer ${method}; use ${allow.split(', ').join(' or ')}`);
  }
  // HEAD is answered where GET is.
  const head = await fetch(`${h.url}/v1/models`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  for (const [method, path] of [['GET', '/v1/nothing'], ['POST', '/v1/chat/completions/'], ['GET', '/v1'], ['DELETE', '/v1/clinsum']]) {
    const res = await fetch(`${h.url}${path!}`, { method });
    assert.equal(res.headers.get('allow'), null);
    const e = await expectError(res, 404, null, 'not_found');
    assert.match(e.message, new RegExp(`^no route ${method!} ${path!.replace(/\//g, '\\/')};`));
  }
});

test('chat completion: OpenAI shape, the chat template, usage, eos → stop', async () => {
  const answer = h.tokenizer.encode('The patient recovered.');
  h.script('chat1', answer);
  const messages = [
    { role: 'system', content: 'Summarize clinical text' },
    { role: 'user', content: 'A report @@chat1@@ about a patient.' },
  ];
  const res = await post(`${h.url}/v1/chat/completions`, { model: 'fake-qwen', messages, max_tokens: 50 });
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    id: string; object: string; created: number; model: string;
    choices: { index: number; message: { role: string; content: string }; logprobs: null; finish_reason: string }[];
    usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  };
  assert.match(body.id, /^chatcmpl-[0-9a-f]{32}$/);
  assert.equal(body.object, 'chat.completion');
  assert.ok(Math.abs(body.created - Date.now() / 1000) < 600);
  assert.equal(body.model, 'fake-qwen');
  assert.deepEqual(body.choices, [{ index: 0, message: { role: 'assistant', content: 'The patient recovered.' }, logprobs: null, finish_reason: 'stop' }]);
  const promptIds = h.tokenizer.encode(h.tokenizer.applyChatTemplate(messages.map((m) => ({ role: m.role as 'system' | 'user', content: m.content })), { addGenerationPrompt: true }));
  assert.deepEqual(body.usage, { prompt_tokens: promptIds.length, completion_tokens: answer.length + 1, total_tokens: promptIds.length + answer.length + 1 });
  // max_tokens reached → length; text parts and the developer role are accepted; model may be left out.
  const cut = (await (
    await post(`${h.url}/v1/chat/completions`, {
      messages: [{ role: 'developer', content: 'x' }, { role: 'user', content: [{ type: 'text', text: '@@chat1@@' }, { type: 'text', text: ' more' }] }],
      max_completion_tokens: 2,
    })
  ).json()) as typeof body;
  assert.equal(cut.choices[0]!.finish_reason, 'length');
  assert.equal(cut.choices[0]!.message.content, h.tokenizer.decode(answer.slice(0, 2)));
  assert.equal(cut.usage.completion_tokens, 2);
});

test('completions: prompt string or token ids, same sampling fields', async () => {
  const answer = h.tokenizer.encode(' and then it stopped');
  h.script('cmp1', answer);
  const res = await post(`${h.url}/v1/completions`, { model: 'fake-qwen', prompt: 'Once @@cmp1@@ upon a time', max_tokens: 100, temperature: 0.7, top_p: 0.9, top_k: 40, seed: 3 });
  const body = (await res.json()) as { id: string; object: string; choices: { text: string; index: number; logprobs: null; finish_reason: string }[]; usage: { prompt_tokens: number; completion_tokens: number } };
  assert.match(body.id, /^cmpl-/);
  assert.equal(body.object, 'text_completion');
  assert.deepEqual(body.choices, [{ index: 0, text: ' and then it stopped', logprobs: null, finish_reason: 'stop' }]);
  assert.equal(body.usage.prompt_tokens, h.tokenizer.encode('Once @@cmp1@@ upon a time').length);
  // Token ids, and a one-element batch.
  const ids = h.tokenizer.encode('Once @@cmp1@@');
  for (const prompt of [ids, [ids], ['Once @@cmp1@@']]) {
    const r = (await (await post(`${h.url}/v1/completions`, { prompt, max_tokens: 3 })).json()) as typeof body;
    assert.equal(r.choices[0]!.text, h.tokenizer.decode(answer.slice(0, 3)));
    assert.equal(r.usage.prompt_tokens, ids.length);
  }
  // Unscripted prompts: seeded sampling is reproducible.
  const a = (await (await post(`${h.url}/v1/completions`, { prompt: 'free text', max_tokens: 8, temperature: 1, seed: 11 })).json()) as typeof body;
  const b = (await (await post(`${h.url}/v1/completions`, { prompt: 'free text', max_tokens: 8, temperature: 1, seed: 11 })).json()) as typeof body;
  assert.equal(a.choices[0]!.text, b.choices[0]!.text);
  assert.equal(a.usage.completion_tokens, 8);
});

test('400s name the field: schema violations, unsupported options, malformed JSON', async () => {
  const chat = (body: unknown) => post(`${h.url}/v1/chat/completions`, body);
  const msgs = [{ role: 'user', content: 'hi' }];
  await expectError(await chat({}), 400, 'messages');
  await expectError(await chat({ messages: [] }), 400, 'messages');
  await expectError(await chat({ messages: [{ role: 'user', content: 'a' }, { role: 'robot', content: 'b' }] }), 400, 'messages[1].role');
  await expectError(await chat({ messages: [{ role: 'user' }] }), 400, 'messages[0].content');
  await expectError(await chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }), 400, 'messages[0].content');
  await expectError(await chat({ messages: msgs, temperature: 3 }), 400, 'temperature');
  await expectError(await chat({ messages: msgs, top_p: 0 }), 400, 'top_p');
  await expectError(await chat({ messages: msgs, max_tokens: 0 }), 400, 'max_tokens');
  await expectError(await chat({ messages: msgs, max_tokens: 1.5 }), 400, 'max_tokens');
  await expectError(await chat({ messages: msgs, max_tokens: 5, max_completion_tokens: 6 }), 400, 'max_completion_tokens');
  await expectError(await chat({ messages: msgs, seed: 'x' }), 400, 'seed');
  await expectError(await chat({ messages: msgs, stop: ['ok', ''] }), 400, 'stop[1]');
  await expectError(await chat({ messages: msgs, stream: 'yes' }), 400, 'stream');
  const n = await expectError(await chat({ messages: msgs, n: 2 }), 400, 'n');
  assert.match(n.message, /n = 1/);
  await expectError(await chat({ messages: msgs, logprobs: true }), 400, 'logprobs');
  await expectError(await chat({ messages: msgs, presence_penalty: 0.5 }), 400, 'presence_penalty');
  await expectError(await chat({ messages: msgs, repetition_penalty: 0 }), 400, 'repetition_penalty');
  await expectError(await chat({ messages: msgs, tools: [{ type: 'function' }] }), 400, 'tools');
  await expectError(await chat({ messages: msgs, response_format: { type: 'json_object' } }), 400, 'response_format');
  await expectError(await chat([1, 2]), 400, null);
  await expectError(await post(`${h.url}/v1/completions`, { prompt: ['a', 'b'] }), 400, 'prompt');
  await expectError(await post(`${h.url}/v1/completions`, { prompt: [1, 999999] }), 400, 'prompt');
  await expectError(await post(`${h.url}/v1/completions`, { prompt: 'x', echo: true }), 400, 'echo');
  // Unknown fields are ignored (as vLLM does); explicit defaults of unsupported ones are fine.
  assert.equal((await chat({ messages: msgs, max_tokens: 1, user: 'u', presence_penalty: 0, chat_template_kwargs: {}, n: 1, logprobs: false })).status, 200);
  assert.equal((await chat({ messages: msgs, max_tokens: 1, repetition_penalty: 1.05 })).status, 200);

  const bad = await expectError(await chat('{"messages": [{"role": "user", "content": "SECRET-REPORT-TEXT"'), 400, null, 'invalid_json');
  assert.match(bad.message, /not valid JSON \(at character \d+\)/);
  assert.doesNotMatch(bad.message, /SECRET/);
  await expectError(await chat(''), 400, null, 'invalid_json');
  const notUtf8 = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', body: Buffer.from([0x7b, 0xff, 0x7d]) });
  await expectError(notUtf8, 400, null, 'invalid_json');
  await expectError(await chat({ model: 'gpt-4o', messages: msgs }), 404, 'model', 'model_not_found');
});

test('chat templates: a refusal is a 400 on messages; no template means chat is unavailable', async (t) => {
  const files = qwen25TokenizerFiles();
  const strict = new Tokenizer(files.tokenizer, {
    ...files.config,
    chat_template: "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversations must start with a user message') }}{% endif %}{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
  });
  const s = await startHarness({ tokenizer: strict });
  t.after(() => s.close());
  const refused = await expectError(await post(`${s.url}/v1/chat/completions`, { messages: [{ role: 'system', content: 'PRIVATE-SYSTEM' }, { role: 'user', content: 'hi' }] }), 400, 'messages');
  assert.match(refused.message, /Conversations must start with a user message/);
  assert.doesNotMatch(refused.message, /PRIVATE/);
  assert.equal((await post(`${s.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 })).status, 200);

  const { chat_template: _, ...noTemplate } = files.config;
  const bare = await startHarness({ tokenizer: new Tokenizer(files.tokenizer, noTemplate) });
  t.after(() => bare.close());
  const e = await expectError(await post(`${bare.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }] }), 400, 'messages');
  assert.match(e.message, /no chat template; use \/v1\/completions/);
  assert.equal((await post(`${bare.url}/v1/completions`, { prompt: 'hi', max_tokens: 1 })).status, 200);
});

test('context limits: 400 with the numbers', async () => {
  const long = 'word '.repeat(5000);
  const e1 = await expectError(await post(`${h.url}/v1/chat/completions`, { messages: [{ role: 'user', content: long }] }), 400, 'messages', 'context_length_exceeded');
  assert.match(e1.message, /the prompt has \d+ tokens, and this model's context is 4096 tokens/);
  // 'word ' × 4000 is 4001 tokens: 95 more fill the context exactly, 96 do not fit.
  const prompt = 'word '.repeat(4000);
  const e2 = await expectError(await post(`${h.url}/v1/completions`, { prompt, max_tokens: 96 }), 400, 'max_tokens', 'context_length_exceeded');
  assert.match(e2.message, /the prompt \(4001 tokens\) plus max_tokens \(96\) is 4097 tokens, over this model's context of 4096 tokens; ask for at most 95 tokens/);
  const ok = (await (await post(`${h.url}/v1/completions`, { prompt, max_tokens: 95 })).json()) as { usage: { total_tokens: number } };
  assert.equal(ok.usage.total_tokens, 4096);
  // Without max_tokens, generation may use what is left of the context.
  const rest = (await (await post(`${h.url}/v1/completions`, { prompt })).json()) as { usage: { total_tokens: number }; choices: { finish_reason: string }[] };
  assert.equal(rest.usage.total_tokens, 4096);
  assert.equal(rest.choices[0]!.finish_reason, 'length');
});

test('413 for bodies over the limit: declared length, and chunked bodies cut while reading', async () => {
  const big = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] });
  await expectError(await post(`${h.url}/v1/chat/completions`, big), 413, null, 'request_too_large');
  // Chunked transfer (no Content-Length): the limit is enforced while streaming.
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const u = new URL(`${h.url}/v1/chat/completions`);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write('x'.repeat(10 * 1024));
    req.end();
  });
  assert.equal(status, 413);
  assert.equal((JSON.parse(body) as ErrorBody).error.code, 'request_too_large');
});

test('Host header check: other names get 403 (DNS rebinding), loopback names pass', async () => {
  const get = (host: string) =>
    new Promise<number>((resolve, reject) => {
      const u = new URL(h.url);
      request({ host: u.hostname, port: u.port, path: '/v1/models', headers: { Host: host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
  assert.equal(await get('evil.example.com'), 403);
  assert.equal(await get(`evil.example.com:${new URL(h.url).port}`), 403);
  assert.equal(await get(`localhost:${new URL(h.url).port}`), 200);
  assert.equal(await get(`127.0.0.1:${new URL(h.url).port}`), 200);
});

test('with an API key: 401 without or with a wrong key on every /v1 route; / and /health stay open', async (t) => {
  const k = await startHarness({ server: { apiKey: 'sk-test-123' } });
  t.after(() => k.close());
  const routes: [string, string, unknown?][] = [
    ['GET', '/v1/models'],
    ['POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }],
    ['POST', '/v1/completions', { prompt: 'hi', max_tokens: 1 }],
    ['POST', '/v1/clinsum/generate', { text: 'The patient was admitted.', max_tokens: 1 }],
    ['POST', '/v1/clinsum/detect', { text: 'The patient' }],
  ];
  for (const [method, path, body] of routes) {
    for (const auth of [undefined, 'Bearer wrong', 'Bearer sk-test-1234', 'Basic sk-test-123', 'sk-test-123']) {
      const res = await fetch(`${k.url}${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      assert.equal(res.headers.get('www-authenticate'), 'Bearer', `${method} ${path} ${auth}`);
      await expectError(res, 401, null, 'invalid_api_key');
    }
    const ok = await fetch(`${k.url}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer sk-test-123' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.equal(ok.status, 200, `${method} ${path}`);
    await ok.arrayBuffer();
  }
  assert.equal((await fetch(`${k.url}/health`)).status, 200);
  const page = await fetch(`${k.url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /"keyRequired":true/);
  // 401 comes before body checks: nothing is read without the key.
  await expectError(await post(`${k.url}/v1/chat/completions`, 'not json'), 401, null, 'invalid_api_key');
  // … and before the method check: without the key a client learns nothing about /v1 routes.
  await expectError(await fetch(`${k.url}/v1/chat/completions`), 401, null, 'invalid_api_key');
  const wrong = await fetch(`${k.url}/v1/chat/completions`, { headers: { Authorization: 'Bearer sk-test-123' } });
  assert.equal(wrong.headers.get('allow'), 'POST');
  await expectError(wrong, 405, null, 'method_not_allowed');
});

test('clinsum routes: localized prompts, language detection, tasks', async () => {
  const es = 'Paciente varón de 45 años que ingresó por dolor torácico. Se realizó una angiografía que mostró una obstrucción de la arteria coronaria derecha.';
  const gen = async (body: Record<string, unknown>) => {
    const res = await post(`${h.url}/v1/clinsum/generate`, { max_tokens: 4, ...body });
    return { res, body: (await res.json()) as { object: string; clinsum: { task: string; lang: string; detected: { lang: string; confidence: number } | null; prompt: string; prompt_hash: string }; usage: { prompt_tokens: number } } };
  };
  const auto = await gen({ text: es });
  assert.equal(auto.res.status, 200);
  assert.equal(auto.body.object, 'chat.completion');
  assert.equal(auto.body.clinsum.lang, 'es');
  assert.equal(auto.body.clinsum.task, 'summarization');
  assert.equal(auto.body.clinsum.prompt, 'Resumir el texto clínico');
  assert.match(auto.body.clinsum.prompt_hash, /^[0-9a-f]{12}$/);
  assert.ok(auto.body.clinsum.detected!.confidence > 0.3);
  const rendered = h.tokenizer.applyChatTemplate([{ role: 'system', content: 'Resumir el texto clínico' }, { role: 'user', content: es }], { addGenerationPrompt: true });
  assert.equal(auto.body.usage.prompt_tokens, h.tokenizer.encode(rendered).length);

  const fr = await gen({ text: es, lang: 'fr', task: 'extraction' });
  assert.equal(fr.body.clinsum.prompt, 'Extraire les informations clés du texte clinique');
  assert.equal(fr.body.clinsum.detected, null);
  const en = await gen({ text: `  ${'The patient was admitted with chest pain.'}\n` });
  assert.equal(en.body.clinsum.prompt, 'Summarize clinical text');

  const genRaw = (body: Record<string, unknown>) => post(`${h.url}/v1/clinsum/generate`, body);
  await expectError(await genRaw({ text: '12345 67890' }), 400, 'lang', 'language_not_detected');
  await expectError(await genRaw({ text: '   ' }), 400, 'text');
  await expectError(await genRaw({ text: es, lang: 'de' }), 400, 'lang');
  await expectError(await genRaw({ text: es, task: 'translate' }), 400, 'task');

  const d = (await (await post(`${h.url}/v1/clinsum/detect`, { text: 'Le patient a été hospitalisé pour une douleur thoracique.' })).json()) as { lang: string; confidence: number; scores: Record<string, number> };
  assert.equal(d.lang, 'fr');
  assert.deepEqual(Object.keys(d.scores), ['en', 'es', 'fr', 'pt']);
  const none = (await (await post(`${h.url}/v1/clinsum/detect`, { text: '' })).json()) as { lang: string | null };
  assert.equal(none.lang, null);
});

test('logs: one access line per request, never a body, a report or generated text', async (t) => {
  const k = await startHarness({ server: { apiKey: 'sk-log-key' } });
  t.after(() => k.close());
  const secretOut = 'Generated-Secret-Diagnosis';
  k.script('logs', k.tokenizer.encode(secretOut));
  const auth = { Authorization: 'Bearer sk-log-key' };
  const report = 'PATIENT-NAME-ZEBRA42 was admitted @@logs@@ with chest pain.';
  await (await post(`${k.url}/v1/chat/completions`, { messages: [{ role: 'user', content: report }] }, auth)).json();
  await (await post(`${k.url}/v1/chat/completions`, { messages: [{ role: 'user', content: report }], stream: true }, auth)).text();
  await (await post(`${k.url}/v1/clinsum/generate`, { text: report, lang: 'en' }, auth)).json();
  await (await post(`${k.url}/v1/clinsum/detect`, { text: report }, auth)).json();
  await (await post(`${k.url}/v1/chat/completions`, `{"messages": [{"content": "${report}"`, auth)).json();
  await (await post(`${k.url}/v1/chat/completions`, { messages: [{ role: 'robot', content: report }] }, auth)).json();
  await (await post(`${k.url}/v1/chat/completions`, { messages: [{ role: 'user', content: report }] }, { Authorization: 'Bearer PATIENT-NAME-ZEBRA42' })).json();
  await k.close();
  const all = k.logs.join('');
  for (const secret of ['ZEBRA42', 'Generated-Secret', 'Diagnosis', 'chest pain', 'sk-log-key']) assert.ok(!all.includes(secret), `logs contain ${secret}`);
  const access = k.logs.filter((l) => /^(GET|POST) /.test(l));
  assert.equal(access.length, 7);
  assert.match(access[0]!, /^POST \/v1\/chat\/completions 200 \d+ms prompt=\d+ completion=\d+\n$/);
  assert.match(access[1]!, /^POST \/v1\/chat\/completions 200 \d+ms prompt=\d+ completion=\d+ stream\n$/);
  assert.match(access[4]!, /^POST \/v1\/chat\/completions 400 \d+ms\n$/);
  assert.match(access[6]!, /^POST \/v1\/chat\/completions 401 \d+ms\n$/);
});
