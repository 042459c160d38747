/** Continuous batching: BatchScheduler over the fake StepModel (the contract is checked on every call). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qwen25Tokenizer } from '../src/models/tokenizer/index.js';
import { GenerationError, type GenerationRequest, type GenerationResult } from '../src/stages/generate/backend.js';
import { BatchScheduler } from '../src/stages/generate/scheduler.js';
import { FakeStepModel, type FakeStepModelOptions } from './support/server-fake-model.js';

const tokenizer = qwen25Tokenizer();
const EOS = 151645;
const greedy = { temperature: 0, topP: 1, topK: 0 };

function setup(maxBatch: number, options: FakeStepModelOptions = {}, extra: { maxWaiting?: number; maxPrefillTokens?: number } = {}) {
  const model = new FakeStepModel({ maxSlots: 16, ...options });
  const backend = new BatchScheduler(model, { modelId: 'fake', tokenizer, maxBatch, randomSeed: () => 7, ...extra });
  return { model, backend };
}

const prompt = (k: number, n = 5): number[] => Array.from({ length: n }, (_, i) => 100 + k * 7 + i);

test('requests submitted together share every step: 8 × 16 tokens in 1 prefill + 15 decodes', async () => {
  const { model, backend } = setup(8);
  const results = await Promise.all(Array.from({ length: 8 }, (_, k) => backend.submit({ promptIds: prompt(k), maxNewTokens: 16, sampling: greedy })));
  const tokens = results.reduce((n, r) => n + r.completionIds.length, 0);
  assert.equal(tokens, 128);
  assert.ok(results.every((r) => r.finishReason === 'length'));
  assert.equal(model.prefillCalls, 1);
  assert.equal(model.decodeCalls, 15);
  assert.ok(model.steps.every((s) => s.slots.length === 8));
  assert.deepEqual(backend.stats(), { running: 0, waiting: 0, prefillSteps: 1, decodeSteps: 15, generatedTokens: 128 });
  assert.deepEqual(model.activeSlots, []);
  assert.equal(model.released, 8);
});

test('results are identical with batching on and off (greedy, seeded sampling, eos, stop)', async () => {
  const script = (ids: readonly number[]) => (ids[0] === 100 + 3 * 7 ? [11, 12, 13] : undefined);
  const requests = (): { req: GenerationRequest; stopAt?: number }[] =>
    Array.from({ length: 12 }, (_, k) => ({
      req: {
        promptIds: prompt(k, 3 + (k % 4)),
        maxNewTokens: 4 + ((k * 5) % 11),
        sampling: k % 3 === 0 ? { temperature: 0.8, topP: 0.9, topK: 50, seed: 1000 + k } : greedy,
      },
      stopAt: k === 5 ? 3 : undefined,
    }));
  const run = async (maxBatch: number) => {
    const { model, backend } = setup(maxBatch, { script });
    const out = await Promise.all(
      requests().map(({ req, stopAt }) => {
        let n = 0;
        return backend.submit(req, () => (++n === stopAt ? 'stop' : undefined));
      }),
    );
    return { out, model };
  };
  const on = await run(4);
  const off = await run(1);
  assert.deepEqual(on.out, off.out);
  const tokens = on.out.reduce((n, r) => n + r.completionIds.length, 0);
  // Off: one call per token (a prefill gives the first token, each decode one more).
  assert.equal(off.model.steps.length, tokens);
  assert.ok(off.model.steps.every((s) => s.slots.length === 1));
  assert.ok(on.model.steps.length < tokens / 2, `batched run took ${on.model.steps.length} calls for ${tokens} tokens`);
  assert.deepEqual(on.out[3], { completionIds: [11, 12, 13, EOS], finishReason: 'eos' });
  assert.equal(on.out[5]!.finishReason, 'stop');
  assert.equal(on.out[5]!.completionIds.length, 3);
  // Different seeds give different samples; the same seed the same.
  const { backend } = setup(2);
  const a = await backend.submit({ promptIds: prompt(0), maxNewTokens: 8, sampling: { temperature: 1, topP: 1, topK: 0, seed: 1 } });
  const b = await backend.submit({ promptIds: prompt(0), maxNewTokens: 8, sampling: { temperature: 1, topP: 1, topK: 0, seed: 2 } });
  const c = await backend.submit({ promptIds: prompt(0), maxNewTokens: 8, sampling: { temperature: 1, topP: 1, topK: 0, seed: 1 } });
  assert.notDeepEqual(a.completionIds, b.completionIds);
  assert.deepEqual(a.completionIds, c.completionIds);
});

test('a request arriving while another runs joins the next step', async () => {
  const { model, backend } = setup(4);
  let second: Promise<GenerationResult> | undefined;
  let n = 0;
  const first = backend.submit({ promptIds: prompt(0), maxNewTokens: 10, sampling: greedy }, () => {
    if (++n === 3) second = backend.submit({ promptIds: prompt(1), maxNewTokens: 4, sampling: greedy });
  });
  await first;
  assert.ok(second);
  assert.equal((await second).completionIds.length, 4);
  // A: prefill + 2 decodes (its 3rd token submits B); B: prefill, then A and B share 3 decodes
  // (B's 4 tokens); A alone for its last 4.
  assert.deepEqual(
    model.steps.map((s) => `${s.kind[0]}${s.slots.join('')}`),
    ['p0', 'd0', 'd0', 'p1', 'd01', 'd01', 'd01', 'd0', 'd0', 'd0', 'd0'],
  );
});

test('queue: first come first served, a finished sequence frees its slot for the next step', async () => {
  const { model, backend } = setup(2);
  const order: string[] = [];
  const go = (name: string, k: number, maxNewTokens: number) =>
    backend.submit({ promptIds: prompt(k), maxNewTokens, sampling: greedy }).then((r) => {
      order.push(name);
      return r;
    });
  const all = await Promise.all([go('A', 0, 2), go('B', 1, 6), go('C', 2, 3), go('D', 3, 1)]);
  assert.deepEqual(all.map((r) => r.completionIds.length), [2, 6, 3, 1]);
  assert.deepEqual(
    model.steps.map((s) => `${s.kind[0]}${s.slots.join('')}`),
    // A and B start; A ends after its decode, so C takes slot 0 in the next step; C ends after two
    // decodes, D takes slot 0 (1 token: done at its prefill); B finishes alone.
    ['p01', 'd01', 'p0', 'd10', 'd10', 'p0', 'd1', 'd1'],
  );
  assert.deepEqual(order, ['A', 'C', 'D', 'B']);
  assert.ok(model.steps.every((s) => s.slots.length <= 2));
});

test('abort: a queued request leaves at once, a running one frees its slot after the step', async () => {
  const { model, backend } = setup(1, { cost: { stepMs: 2 } });
  const ac1 = new AbortController();
  const ac2 = new AbortController();
  let n = 0;
  const running = backend.submit({ promptIds: prompt(0), maxNewTokens: 1000, sampling: greedy, signal: ac1.signal }, () => {
    if (++n === 5) ac1.abort();
  });
  const queued = backend.submit({ promptIds: prompt(1), maxNewTokens: 1000, sampling: greedy, signal: ac2.signal });
  const third = backend.submit({ promptIds: prompt(2), maxNewTokens: 3, sampling: greedy });
  // Admission happens in the scheduler's next iteration: all three wait for now.
  assert.equal(backend.stats().waiting, 3);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(backend.stats().waiting, 2);
  ac2.abort();
  assert.deepEqual(await queued, { completionIds: [], finishReason: 'abort' });
  assert.equal(backend.stats().waiting, 1);
  const r = await running;
  assert.equal(r.finishReason, 'abort');
  assert.equal(r.completionIds.length, 5);
  assert.equal((await third).completionIds.length, 3);
  assert.deepEqual(model.activeSlots, []);
  assert.equal(model.released, 2);
  // Aborted before submitting: nothing runs.
  const steps = model.steps.length;
  assert.deepEqual(await backend.submit({ promptIds: prompt(3), maxNewTokens: 3, sampling: greedy, signal: AbortSignal.abort() }), { completionIds: [], finishReason: 'abort' });
  assert.equal(model.steps.length, steps);
});

test('abort during a model call frees the slot as soon as the call returns', async () => {
  const { model, backend } = setup(1, { cost: { stepMs: 5 } });
  const ac = new AbortController();
  const decode = model.decode.bind(model);
  let calls = 0;
  model.decode = (seqs) => {
    const pending = decode(seqs);
    if (++calls === 2) ac.abort(); // while the model is busy with this call
    return pending;
  };
  const r = await backend.submit({ promptIds: prompt(0), maxNewTokens: 1000, sampling: greedy, signal: ac.signal });
  assert.equal(r.finishReason, 'abort');
  assert.equal(r.completionIds.length, 2, 'prefill and first decode; the token of the interrupted call is dropped');
  assert.deepEqual(model.steps.map((s) => s.kind), ['prefill', 'decode', 'decode'], 'no call after the interrupted one');
  assert.deepEqual(model.activeSlots, []);
  assert.equal(backend.stats().running, 0);
});

test('eos ends a sequence (counted, not passed to onToken); stop after a token; context and length limits', async () => {
  const { backend } = setup(4, { script: () => [5, 6, 7], maxContextTokens: 12 });
  const seen: number[] = [];
  assert.deepEqual(await backend.submit({ promptIds: prompt(0), maxNewTokens: 10, sampling: greedy }, (t) => void seen.push(t)), {
    completionIds: [5, 6, 7, EOS],
    finishReason: 'eos',
  });
  assert.deepEqual(seen, [5, 6, 7]);
  assert.deepEqual(await backend.submit({ promptIds: prompt(0), maxNewTokens: 10, sampling: greedy }, (t) => (t === 6 ? 'stop' : undefined)), {
    completionIds: [5, 6],
    finishReason: 'stop',
  });
  assert.deepEqual(await backend.submit({ promptIds: prompt(0), maxNewTokens: 2, sampling: greedy }), { completionIds: [5, 6], finishReason: 'length' });
  // 10 prompt tokens + 2 generated fill the 12-token context.
  assert.deepEqual(await backend.submit({ promptIds: prompt(0, 10), maxNewTokens: 10, sampling: greedy }), { completionIds: [5, 6], finishReason: 'length' });
  assert.throws(() => backend.submit({ promptIds: prompt(0, 12), maxNewTokens: 1, sampling: greedy }), (e: unknown) => e instanceof GenerationError && e.kind === 'context' && /12 tokens/.test(e.message));
  assert.throws(() => backend.submit({ promptIds: [], maxNewTokens: 1, sampling: greedy }), (e: unknown) => e instanceof GenerationError && e.kind === 'invalid');
  assert.throws(() => backend.submit({ promptIds: [1], maxNewTokens: 0, sampling: greedy }), (e: unknown) => e instanceof GenerationError && e.kind === 'invalid');
  assert.throws(() => backend.submit({ promptIds: [999999], maxNewTokens: 1, sampling: greedy }), (e: unknown) => e instanceof GenerationError && e.kind === 'invalid');
  // A callback that throws fails only its own sequence.
  const boom = backend.submit({ promptIds: prompt(1), maxNewTokens: 5, sampling: greedy }, () => {
    throw new Error('sink failed');
  });
  const fine = backend.submit({ promptIds: prompt(2), maxNewTokens: 5, sampling: greedy });
  await assert.rejects(boom, /sink failed/);
  assert.equal((await fine).finishReason, 'eos');
});

test('a failing model call fails its sequences, frees their slots, and the scheduler goes on', async () => {
  const { model, backend } = setup(4);
  const decode = model.decode.bind(model);
  let failNext = true;
  model.decode = async (seqs) => {
    if (failNext) {
      failNext = false;
      throw new Error('CUDA out of memory');
    }
    return decode(seqs);
  };
  const a = backend.submit({ promptIds: prompt(0), maxNewTokens: 5, sampling: greedy });
  const b = backend.submit({ promptIds: prompt(1), maxNewTokens: 5, sampling: greedy });
  for (const p of [a, b]) await assert.rejects(p, (e: unknown) => e instanceof GenerationError && e.kind === 'model' && /CUDA out of memory/.test(e.message));
  assert.deepEqual(model.activeSlots, []);
  assert.equal((await backend.submit({ promptIds: prompt(2), maxNewTokens: 5, sampling: greedy })).completionIds.length, 5);
});

test('admission limits: maxWaiting refuses, maxPrefillTokens splits a prefill', async () => {
  const { backend } = setup(1, {}, { maxWaiting: 3 });
  const ps = [0, 1, 2].map((k) => backend.submit({ promptIds: prompt(k), maxNewTokens: 2, sampling: greedy }));
  assert.throws(() => backend.submit({ promptIds: prompt(3), maxNewTokens: 2, sampling: greedy }), (e: unknown) => e instanceof GenerationError && e.kind === 'overloaded');
  await Promise.all(ps);

  const s2 = setup(8, {}, { maxPrefillTokens: 12 });
  await Promise.all([0, 1, 2, 3].map((k) => s2.backend.submit({ promptIds: prompt(k, 5), maxNewTokens: 3, sampling: greedy })));
  assert.deepEqual(
    s2.model.steps.filter((s) => s.kind === 'prefill').map((s) => s.slots),
    [[0, 1], [2, 3]],
  );
});

test('close: refuses new requests, lets running ones finish, or aborts them', async () => {
  const { backend } = setup(2, { cost: { stepMs: 1 } });
  const a = backend.submit({ promptIds: prompt(0), maxNewTokens: 6, sampling: greedy });
  const closed = backend.close();
  assert.throws(() => backend.submit({ promptIds: prompt(1), maxNewTokens: 1, sampling: greedy }), (e: unknown) => e instanceof GenerationError && e.kind === 'closed');
  await closed;
  assert.equal((await a).finishReason, 'length');

  const s2 = setup(1, { cost: { stepMs: 1 } });
  const b = s2.backend.submit({ promptIds: prompt(0), maxNewTokens: 100000, sampling: greedy });
  const c = s2.backend.submit({ promptIds: prompt(1), maxNewTokens: 5, sampling: greedy });
  await new Promise((r) => setTimeout(r, 10));
  await s2.backend.close({ abort: true });
  assert.equal((await b).finishReason, 'abort');
  assert.deepEqual(await c, { completionIds: [], finishReason: 'abort' });
  assert.deepEqual(s2.model.activeSlots, []);
});

test('maxBatch must fit the model', () => {
  const model = new FakeStepModel({ maxSlots: 4 });
  assert.throws(() => new BatchScheduler(model, { modelId: 'x', tokenizer, maxBatch: 5 }), (e: unknown) => e instanceof GenerationError && e.kind === 'invalid' && /maxBatch must be an integer in \[1, 4\] \(the model's slots\), got 5/.test(e.message));
  assert.equal(new BatchScheduler(model, { modelId: 'x', tokenizer }).maxBatch, 4);
});
