// The Qwen2 model behind `clinsum serve`: loadBackend wires a tiny model folder into the
// continuous-batching scheduler; concurrent requests (greedy and seeded sampling, repetition
// penalty, different lengths, arriving together and mid-generation) get exactly the tokens they
// get alone; the OpenAI-compatible endpoint answers over HTTP.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../src/models/generation/index.js';
import { generatorSeed } from '../src/models/generation/slots.js';
import { initTinyQwen2, loadQwen2 } from '../src/models/qwen2/index.js';
import type { GenerationBackend, GenerationRequest } from '../src/stages/generate/backend.js';
import { loadBackend, startServer } from '../src/surfaces/server/index.js';
import { createLogger } from '../src/util/log.js';
import { post } from './support/server-harness.js';

const tmp = mkdtempSync(join(tmpdir(), 'clinsum-model-serve-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const dir = join(tmp, 'tiny');
initTinyQwen2(dir, { seed: 5, layers: 2, hidden: 32, heads: 4, kvHeads: 2, intermediate: 64, initializerRange: 0.4 });
const logger = createLogger({ level: 'silent' });

const prompt = (n: number, s: number): number[] => Array.from({ length: n }, (_, i) => (s * 7919 + i * 104729) % 151643);
const REQUESTS: GenerationRequest[] = [
  { promptIds: prompt(40, 1), maxNewTokens: 12, sampling: { temperature: 0, topP: 1, topK: 0 } },
  { promptIds: prompt(3, 2), maxNewTokens: 6, sampling: { temperature: 0.9, topP: 0.9, topK: 40, seed: 11 } },
  { promptIds: prompt(17, 3), maxNewTokens: 9, sampling: { temperature: 0.7, topP: 1, topK: 0, seed: -3 } },
  { promptIds: prompt(8, 4), maxNewTokens: 4, sampling: { temperature: 0, topP: 1, topK: 0 } },
  { promptIds: prompt(25, 5), maxNewTokens: 10, sampling: { temperature: 1.2, topP: 0.8, topK: 20, seed: 2 ** 45 } },
  { promptIds: prompt(12, 7), maxNewTokens: 8, sampling: { temperature: 0, topP: 1, topK: 0, repetitionPenalty: 1.3 } },
  { promptIds: prompt(30, 8), maxNewTokens: 8, sampling: { temperature: 0.8, topP: 0.9, topK: 0, repetitionPenalty: 1.1, seed: 4 } },
];

async function runAll(backend: GenerationBackend, late: GenerationRequest[] = []): Promise<number[][]> {
  const first = REQUESTS.map((r) => backend.submit(r));
  // more requests arrive while those run
  await new Promise((r) => setTimeout(r, 5));
  const second = late.map((r) => backend.submit(r));
  return (await Promise.all([...first, ...second])).map((r) => r.completionIds);
}

test('concurrent requests through the scheduler get the tokens each gets alone', async () => {
  const late: GenerationRequest[] = [{ promptIds: prompt(60, 6), maxNewTokens: 7, sampling: { temperature: 0, topP: 1, topK: 0 } }];
  const batched = await loadBackend(dir, { maxBatch: 4, logger, device: 'cpu' });
  const together = await runAll(batched, late);
  assert.ok(batched.stats().decodeSteps < together.flat().length, 'sequences shared decoding steps');
  await batched.close();
  const serial = await loadBackend(dir, { maxBatch: 1, logger, device: 'cpu' });
  const oneByOne = await runAll(serial, late);
  await serial.close();
  assert.deepEqual(together, oneByOne);
  // and equal to the batch generator, sequence by sequence
  const { model, generation } = loadQwen2(dir);
  try {
    [...REQUESTS, ...late].forEach((r, i) => {
      const out = generate(model, [{ promptIds: r.promptIds, seed: generatorSeed(r.sampling.seed ?? 0) }], {
        maxNewTokens: r.maxNewTokens,
        eosTokenIds: generation.eosTokenIds,
        sampling: { temperature: r.sampling.temperature, topK: r.sampling.topK, topP: r.sampling.topP, repetitionPenalty: r.sampling.repetitionPenalty ?? 1 },
      })[0]!;
      assert.deepEqual(together[i], out.eosTokenId === undefined ? out.tokens : [...out.tokens, out.eosTokenId], `request ${i}`);
    });
    // The repetition penalty is applied: without it the greedy request repeats a token.
    const penalised = REQUESTS.findIndex((r) => r.sampling.temperature === 0 && (r.sampling.repetitionPenalty ?? 1) > 1);
    const plain = generate(model, [{ promptIds: REQUESTS[penalised]!.promptIds }], { maxNewTokens: 8, eosTokenIds: generation.eosTokenIds, sampling: { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1 } })[0]!;
    assert.notDeepEqual(together[penalised], plain.tokens);
  } finally {
    model.dispose();
  }
});

test('clinsum serve answers an OpenAI chat completion with the tiny model', async () => {
  const backend = await loadBackend(dir, { maxBatch: 2, logger, device: 'cpu' });
  assert.equal(backend.modelId, 'tiny');
  assert.deepEqual(backend.defaultSampling, { temperature: 0.7, topP: 0.8, topK: 20, repetitionPenalty: 1.1 });
  const running = await startServer(backend, { host: '127.0.0.1', port: 0, logger });
  try {
    const r = await post(`${running.url}/v1/chat/completions`, {
      model: 'tiny',
      messages: [{ role: 'user', content: 'Summarize clinical text: a 54-year-old man with chest pain.' }],
      max_tokens: 8,
      temperature: 0,
    });
    assert.equal(r.status, 200, await r.clone().text());
    const body = (await r.json()) as { choices: { message: { content: string }; finish_reason: string }[]; usage: { completion_tokens: number } };
    assert.equal(typeof body.choices[0]!.message.content, 'string');
    assert.ok(body.usage.completion_tokens >= 1 && body.usage.completion_tokens <= 8);
  } finally {
    await running.close({ graceMs: 1000 });
  }
});
