/** Streaming over real HTTP: SSE format, stop strings, UTF-8 safety, disconnects, batching, shutdown. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { byteTokens, post, sseChunks, sseEvents, startHarness, until, type Harness } from './support/server-harness.js';
import { IncrementalDecoder, StopMatcher, TextStream } from '../src/surfaces/server/text-stream.js';

let h: Harness;
before(async () => {
  h = await startHarness({ maxBatch: 8 });
});
after(() => h.close());

interface ChatChunk {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: { index: number; delta: { role?: string; content?: string }; logprobs: null; finish_reason: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  error?: { message: string; code: string };
}

const user = (content: string) => [{ role: 'user', content }];

async function streamChat(body: Record<string, unknown>): Promise<{ res: Response; raw: string; chunks: ChatChunk[] }> {
  const res = await post(`${h.url}/v1/chat/completions`, { ...body, stream: true });
  const raw = await res.text();
  return { res, raw, chunks: sseChunks<ChatChunk>(raw) };
}

const deltas = (chunks: ChatChunk[]): string[] => chunks.flatMap((c) => (c.choices[0]?.delta.content ? [c.choices[0].delta.content] : []));

test('SSE format: role chunk, content deltas, finish chunk, usage chunk, [DONE]', async () => {
  const answer = h.tokenizer.encode('Fever resolved after antibiotics.');
  h.script('sse', answer);
  const { res, raw, chunks } = await streamChat({ messages: user('@@sse@@'), stream_options: { include_usage: true } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.ok(raw.endsWith('data: [DONE]\n\n'));
  const ids = new Set(chunks.map((c) => c.id));
  assert.equal(ids.size, 1);
  assert.match([...ids][0]!, /^chatcmpl-/);
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'fake-qwen' && Number.isInteger(c.created)));
  assert.deepEqual(chunks[0]!.choices, [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  const finish = chunks[chunks.length - 2]!;
  assert.deepEqual(finish.choices, [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
  assert.equal(finish.usage, null);
  const usage = chunks[chunks.length - 1]!;
  assert.deepEqual(usage.choices, []);
  assert.equal(usage.usage!.completion_tokens, answer.length + 1);
  assert.equal(usage.usage!.total_tokens, usage.usage!.prompt_tokens + answer.length + 1);
  assert.equal(deltas(chunks).join(''), 'Fever resolved after antibiotics.');
  assert.equal(deltas(chunks).length, answer.length, 'one delta per token');
  // Without include_usage: no usage field at all.
  const plain = await streamChat({ messages: user('@@sse@@') });
  assert.ok(plain.chunks.every((c) => !('usage' in c)));
  assert.equal(plain.chunks[plain.chunks.length - 1]!.choices[0]!.finish_reason, 'stop');
  // max_tokens → finish_reason length.
  const cut = await streamChat({ messages: user('@@sse@@'), max_tokens: 3 });
  assert.equal(cut.chunks[cut.chunks.length - 1]!.choices[0]!.finish_reason, 'length');
  assert.equal(deltas(cut.chunks).join(''), h.tokenizer.decode(answer.slice(0, 3)));
  // Completions stream text_completion chunks.
  const res2 = await post(`${h.url}/v1/completions`, { prompt: '@@sse@@', stream: true, stream_options: { include_usage: true } });
  const c2 = sseChunks<{ object: string; choices: { text: string; finish_reason: string | null }[]; usage?: unknown }>(await res2.text());
  assert.ok(c2.every((c) => c.object === 'text_completion'));
  assert.equal(c2.map((c) => c.choices[0]?.text ?? '').join(''), 'Fever resolved after antibiotics.');
  assert.equal(c2[c2.length - 2]!.choices[0]!.finish_reason, 'stop');
  assert.deepEqual(c2[c2.length - 1]!.choices, []);
});

test('stop strings across token boundaries: never emitted, generation cut, same with and without streaming', async () => {
  const text = 'History: fever. Plan: rest. Follow-up in a week.';
  const toks = byteTokens(h.tokenizer, text); // one token per byte: every stop string spans tokens
  h.script('stop', toks);
  for (const stop of ['Plan:', ['xyz', '. Pl'], ['Follow', 'rest']]) {
    const expected = text.slice(0, Math.min(...[stop].flat().map((s) => (text.includes(s) ? text.indexOf(s) : Infinity))));
    const s = await streamChat({ messages: user('@@stop@@'), stop, stream_options: { include_usage: true } });
    const parts = deltas(s.chunks);
    assert.equal(parts.join(''), expected, `stream, stop ${JSON.stringify(stop)}`);
    for (const p of parts) for (const st of [stop].flat()) assert.ok(!p.includes(st));
    assert.equal(s.chunks[s.chunks.length - 2]!.choices[0]!.finish_reason, 'stop');
    const matchEnd = Buffer.byteLength(expected) + Buffer.byteLength([stop].flat().find((x) => text.startsWith(x, expected.length))!);
    assert.equal(s.chunks[s.chunks.length - 1]!.usage!.completion_tokens, matchEnd, 'generation ends at the token that completes the stop string');
    const n = (await (await post(`${h.url}/v1/chat/completions`, { messages: user('@@stop@@'), stop })).json()) as { choices: { message: { content: string }; finish_reason: string }[] };
    assert.equal(n.choices[0]!.message.content, expected);
    assert.equal(n.choices[0]!.finish_reason, 'stop');
  }
  // A held-back prefix that turns out not to be a stop string is released.
  const s = await streamChat({ messages: user('@@stop@@'), stop: 'Plan: sleep' });
  assert.equal(deltas(s.chunks).join(''), text);
  assert.equal(s.chunks[s.chunks.length - 1]!.choices[0]!.finish_reason, 'stop');
});

test('UTF-8 streaming: characters split over tokens are never sent broken', async () => {
  const text = 'Fièvre 39 °C — paciente com dispneia; 患者 😀 ok';
  h.script('utf8', byteTokens(h.tokenizer, text));
  const s = await streamChat({ messages: user('@@utf8@@') });
  const parts = deltas(s.chunks);
  assert.equal(parts.join(''), text);
  for (const p of parts) assert.ok(!p.includes('\uFFFD'), `broken character in ${JSON.stringify(p)}`);
  assert.ok(parts.includes('😀'), 'the emoji (4 byte tokens) arrives whole');
  // Non-streaming gives the same text.
  const n = (await (await post(`${h.url}/v1/chat/completions`, { messages: user('@@utf8@@') })).json()) as { choices: { message: { content: string } }[] };
  assert.equal(n.choices[0]!.message.content, text);
});

/** An id of Qwen2.5's embedding padding: the model has 151,936 rows, the tokenizer 151,665 tokens. */
const PADDING_ID = 151_700;

test('a sampled id past the tokenizer (embedding padding) adds no text and fails nothing, streamed or not', async () => {
  h.script('padded', [PADDING_ID, ...h.tokenizer.encode('fine'), PADDING_ID]);
  const body = { prompt: '@@padded@@', max_tokens: 50 };
  const r = await post(`${h.url}/v1/completions`, body);
  assert.equal(r.status, 200, await r.clone().text());
  const j = (await r.json()) as { choices: { text: string; finish_reason: string }[]; usage: { completion_tokens: number } };
  assert.equal(j.choices[0]!.text, 'fine');
  assert.equal(j.choices[0]!.finish_reason, 'stop');
  assert.equal(j.usage.completion_tokens, h.tokenizer.encode('fine').length + 3); // the padding ids and eos count
  const s = await post(`${h.url}/v1/completions`, { ...body, stream: true });
  const chunks = sseChunks<{ choices: { text: string; finish_reason: string | null }[] }>(await s.text());
  assert.equal(chunks.map((c) => c.choices[0]!.text).join(''), 'fine');
  assert.equal(chunks[chunks.length - 1]!.choices[0]!.finish_reason, 'stop');
});

test('IncrementalDecoder: pieces add up to decode(ids, skipSpecialTokens) on any id sequence; StopMatcher edge cases', () => {
  const tok = h.tokenizer;
  const emoji = byteTokens(tok, '😀é');
  const imStart = tok.imStartId!;
  const cases: number[][] = [
    [...emoji, ...tok.encode(' plain')],
    [emoji[0]!, imStart, ...emoji.slice(1)], // a special token inside a character is skipped
    [emoji[0]!, ...tok.encode('abc')], // an unfinished character followed by ASCII: U+FFFD, as decode gives
    [emoji[1]!, emoji[2]!], // continuation bytes alone
    emoji.slice(0, 3), // ends inside a character: flushed at the end
    [imStart, ...tok.encode('x'), tok.imEndId!],
    [emoji[0]!, PADDING_ID, ...emoji.slice(1), PADDING_ID], // ids past the tokenizer (the model's padded vocabulary) are skipped
  ];
  for (const ids of cases) {
    const d = new IncrementalDecoder(tok);
    const pieces = ids.map((id) => d.push(id));
    pieces.push(d.flush());
    assert.equal(pieces.join(''), tok.decode(ids, { skipSpecialTokens: true }), JSON.stringify(ids));
  }
  const m = new StopMatcher(['abc', 'bd']);
  assert.deepEqual(m.push('xa'), { emit: 'x', stopped: false });
  assert.deepEqual(m.push('b'), { emit: '', stopped: false });
  assert.deepEqual(m.push('d'), { emit: 'a', stopped: true });
  const m2 = new StopMatcher(['\uDE00!']);
  // The held tail never starts in the middle of a surrogate pair.
  const r = m2.push('a😀');
  assert.equal(r.emit + m2.flush(), 'a😀');
  assert.ok(!/[\uD800-\uDBFF]$/.test(r.emit));
  const ts = new TextStream(tok, ['END']);
  for (const id of tok.encode('some text EN')) ts.push(id);
  assert.equal(ts.finish(), 'EN');
  assert.equal(ts.full, 'some text EN');
  assert.equal(ts.stopped, false);
});

test('a client that disconnects aborts its generation and frees the slot', async (t) => {
  const k = await startHarness({ maxBatch: 1, fake: { cost: { stepMs: 5 }, maxContextTokens: 100000 } });
  t.after(() => k.close());
  // Streaming: read a few chunks, then go away.
  const ac = new AbortController();
  const res = await post(`${k.url}/v1/chat/completions`, { messages: user('long story'), stream: true }, {}, ac.signal);
  const reader = res.body!.getReader();
  let got = 0;
  while (got < 3) {
    const { value } = await reader.read();
    got += new TextDecoder().decode(value).split('data: ').length - 1;
  }
  assert.equal(k.backend.stats().running, 1);
  ac.abort();
  await until(() => k.backend.stats().running === 0 && k.model.activeSlots.length === 0, 5000, 'the slot to be freed');
  const generated = k.backend.stats().generatedTokens;
  assert.ok(generated < 1000, `generation went on after the disconnect (${generated} tokens)`);
  // The freed slot serves the next request (max batch 1).
  const next = (await (await post(`${k.url}/v1/completions`, { prompt: 'x', max_tokens: 2 })).json()) as { usage: { completion_tokens: number } };
  assert.equal(next.usage.completion_tokens, 2);

  // Non-streaming: disconnect while it waits for the whole answer.
  const ac2 = new AbortController();
  const pending = post(`${k.url}/v1/chat/completions`, { messages: user('another long one') }, {}, ac2.signal).catch((e: unknown) => e);
  await until(() => k.backend.stats().running === 1, 5000, 'the request to start');
  const before2 = k.backend.stats().generatedTokens;
  await until(() => k.backend.stats().generatedTokens > before2 + 2, 5000, 'a few tokens');
  ac2.abort();
  assert.equal(((await pending) as Error).name, 'AbortError');
  await until(() => k.backend.stats().running === 0 && k.model.activeSlots.length === 0, 5000, 'the slot to be freed');
  await until(() => k.logs.some((l) => / 499 /.test(l)), 5000, 'the access log line');
  assert.ok(k.logs.some((l) => /^POST \/v1\/chat\/completions 200 \d+ms prompt=\d+ completion=\d+ stream aborted\n$/.test(l)), k.logs.join(''));
});

test('concurrent HTTP requests share generation steps', async (t) => {
  const k = await startHarness({ maxBatch: 8, fake: { cost: { stepMs: 3 } } });
  t.after(() => k.close());
  const n = 8;
  const bodies = await Promise.all(
    Array.from({ length: n }, (_, i) => post(`${k.url}/v1/completions`, { prompt: `request ${i}`, max_tokens: 24, stream: i % 2 === 0 }).then((r) => r.text())),
  );
  assert.equal(bodies.length, n);
  const tokens = k.backend.stats().generatedTokens;
  assert.equal(tokens, n * 24);
  const calls = k.model.steps.length;
  assert.ok(calls <= tokens / 3, `${calls} model calls for ${tokens} tokens: requests did not share steps`);
  assert.ok(Math.max(...k.model.steps.map((s) => s.slots.length)) >= 4);
});

/** POST JSON on a connection of its own (no keep-alive pool): each call is a new client. */
function postNewConnection(url: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/completions`, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', Connection: 'close' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('a burst of clients on new connections joins one step while model calls block the event loop', async (t) => {
  // Node accepts one connection per event-loop turn; with synchronous model calls (the real model)
  // the scheduler must keep yielding while requests arrive, or the burst would join one per step.
  const k = await startHarness({ maxBatch: 16, fake: { cost: { stepMs: 15, blocking: true } } });
  t.after(() => k.close());
  const running = post(`${k.url}/v1/completions`, { prompt: 'already running', max_tokens: 200 }).then((r) => r.text());
  await until(() => k.model.decodeCalls >= 2, 5000, 'the first request to decode');
  const n = 12;
  const burst = await Promise.all(Array.from({ length: n }, (_, i) => postNewConnection(k.url, { prompt: `client ${i}`, max_tokens: 4 })));
  assert.ok(burst.every((r) => r.status === 200), burst.map((r) => r.text).join('\n'));
  await running;
  const prefills = k.model.steps.filter((s) => s.kind === 'prefill').map((s) => s.slots.length);
  assert.deepEqual(prefills, [1, n], `prefill sizes ${prefills.join(', ')}`);
});

test('graceful shutdown: running streams finish; past the grace period they end with an error event', async () => {
  const k = await startHarness({ maxBatch: 4, fake: { cost: { stepMs: 2 }, maxContextTokens: 100000 } });
  const short = post(`${k.url}/v1/completions`, { prompt: 'short', max_tokens: 20, stream: true }).then((r) => r.text());
  const long = post(`${k.url}/v1/completions`, { prompt: 'long', stream: true }).then((r) => r.text());
  await until(() => k.backend.stats().running === 2, 5000, 'both to run');
  const closed = k.running.close({ graceMs: 300 });
  const shortRaw = await short;
  const shortChunks = sseChunks<{ choices: { finish_reason: string | null }[] }>(shortRaw);
  assert.equal(shortChunks[shortChunks.length - 1]!.choices[0]!.finish_reason, 'length');
  const longEvents = sseEvents(await long);
  assert.equal(longEvents[longEvents.length - 1], '[DONE]');
  const err = JSON.parse(longEvents[longEvents.length - 2]!) as { error: { code: string; type: string } };
  assert.deepEqual([err.error.code, err.error.type], ['shutting_down', 'server_error']);
  await closed;
  assert.deepEqual(k.model.activeSlots, []);
  assert.ok(k.logs.some((l) => / stream failed\n$/.test(l)) && k.logs.some((l) => / 200 \d+ms prompt=\d+ completion=20 stream\n$/.test(l)), k.logs.join(''));
  await assert.rejects(fetch(`${k.url}/health`), 'the server no longer accepts connections');
});

test('a client that closes before its request body is complete is logged as gone (499), not as a server error', async (t) => {
  const k = await startHarness({ maxBatch: 1 });
  t.after(() => k.close());
  const { hostname, port } = new URL(k.url);
  for (const path of ['/v1/chat/completions', '/v1/completions', '/v1/clinsum/generate']) {
    const before = k.logs.length;
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => {
        // Content-Length promises 100 bytes; 13 come, then the client goes away.
        socket.end(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"messages":`);
      });
      socket.on('error', reject);
      socket.on('close', () => resolve());
      socket.resume();
    });
    await until(() => k.logs.slice(before).some((l) => l.includes(` ${path} `)), 5000, `the access log line of ${path}`);
    const lines = k.logs.slice(before);
    assert.ok(lines.some((l) => new RegExp(`^POST ${path.replaceAll('/', '\\/')} 499 \\d+ms\\n$`).test(l)), lines.join(''));
    assert.ok(!lines.some((l) => /error|aborted/.test(l)), lines.join(''));
  }
  // The server goes on serving.
  const res = await post(`${k.url}/v1/completions`, { prompt: 'x', max_tokens: 2 });
  assert.equal(res.status, 200);
});
