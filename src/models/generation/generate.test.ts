// Batched generation: batch == one at a time (prefill batched, one by one, auto), end-of-sequence
// stopping, token budgets and the context length, streaming, seeded sampling, repetition penalty,
// no leaked tensors. A small random Qwen2 with a wide init gives varied tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensorCount, testDevice } from '../../engine/index.js';
import { qwen2Config } from '../qwen2/config.js';
import { randomQwen2 } from '../qwen2/random.js';
import { generate, type GenerateOptions, type GenerationRequest } from './generate.js';
import type { SamplingParams } from './sampling.js';
import { GenerationError, type GenerationErrorKind } from './errors.js';
import { ClinsumError } from '../../util/errors.js';

const device = testDevice();
const config = qwen2Config({
  vocabSize: 512,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  ropeTheta: 10000,
  maxPositionEmbeddings: 96,
  initializerRange: 0.5,
});
const model = randomQwen2(config, 7, 'float32', device);
const NO_EOS = [511];

function prompt(len: number, seed: number): number[] {
  return Array.from({ length: len }, (_, i) => (seed * 131 + i * 17 + ((i * i) % 7)) % 500);
}

const run = (reqs: GenerationRequest[], o: Partial<GenerateOptions> = {}): number[][] =>
  generate(model, reqs, { maxNewTokens: 12, eosTokenIds: NO_EOS, ...o }).map((r) => r.tokens);

test('a batch of very different lengths gives each sequence its one-at-a-time greedy tokens', () => {
  const prompts = [prompt(40, 1), prompt(2, 2), prompt(17, 3), prompt(1, 4), prompt(33, 5)];
  const alone = prompts.map((p) => run([{ promptIds: p }])[0]!);
  assert.ok(new Set(alone.flat()).size > 20, 'the model produces varied tokens');
  for (const mode of ['auto', 'each', 'batch'] as const) {
    assert.deepEqual(run(prompts.map((p) => ({ promptIds: p })), { prefill: mode }), alone, `prefill ${mode}`);
  }
});

test('end-of-sequence ids stop a sequence (not returned); the others go on', () => {
  const p = prompt(9, 8);
  const free = run([{ promptIds: p }], { maxNewTokens: 16 })[0]!;
  const stopAt = free[5]!;
  const first = free.indexOf(stopAt);
  const out = generate(model, [{ promptIds: p }, { promptIds: prompt(20, 9) }], { maxNewTokens: 16, eosTokenIds: [999, stopAt] });
  assert.deepEqual(out[0]!.tokens, free.slice(0, first));
  assert.equal(out[0]!.finishReason, 'eos');
  assert.equal(out[0]!.eosTokenId, stopAt);
  const other = run([{ promptIds: prompt(20, 9) }], { maxNewTokens: 16, eosTokenIds: [999, stopAt] })[0]!;
  assert.deepEqual(out[1]!.tokens, other);
});

test('token budgets (per request), the context length and the streaming callback end sequences', () => {
  const out = generate(model, [{ promptIds: prompt(5, 1), maxNewTokens: 3 }, { promptIds: prompt(90, 2) }, { promptIds: prompt(7, 3) }], {
    maxNewTokens: 10,
    eosTokenIds: NO_EOS,
  });
  assert.equal(out[0]!.tokens.length, 3);
  assert.equal(out[0]!.finishReason, 'length');
  assert.equal(out[1]!.tokens.length, 96 - 90, 'stops at max_position_embeddings');
  assert.equal(out[2]!.tokens.length, 10);
  const seen: [number, number][] = [];
  const streamed = generate(model, [{ promptIds: prompt(5, 1) }, { promptIds: prompt(6, 2) }], {
    maxNewTokens: 10,
    eosTokenIds: NO_EOS,
    onToken: (i, t) => {
      seen.push([i, t]);
      return i === 1 && seen.filter(([j]) => j === 1).length === 4 ? 'stop' : undefined;
    },
  });
  assert.equal(streamed[1]!.finishReason, 'stop');
  assert.equal(streamed[1]!.tokens.length, 4);
  assert.deepEqual(seen.filter(([i]) => i === 0).map(([, t]) => t), streamed[0]!.tokens);
  assert.deepEqual(seen.filter(([i]) => i === 1).map(([, t]) => t), streamed[1]!.tokens);
});

test('sampling: a seed gives the same tokens, alone or in any batch; top-k 1 and a tiny top-p are greedy', () => {
  const sampling: SamplingParams = { temperature: 0.9, topK: 40, topP: 0.95, repetitionPenalty: 1 };
  const p = prompt(11, 4);
  const a = run([{ promptIds: p, seed: 5 }], { sampling })[0]!;
  const b = run([{ promptIds: prompt(30, 1), seed: 1 }, { promptIds: p, seed: 5 }, { promptIds: prompt(3, 2), seed: 9 }], { sampling })[1]!;
  assert.deepEqual(b, a);
  const c = run([{ promptIds: p, seed: 6 }], { sampling })[0]!;
  assert.notDeepEqual(c, a);
  const greedy = run([{ promptIds: p }])[0]!;
  assert.deepEqual(run([{ promptIds: p, seed: 3 }], { sampling: { temperature: 1.5, topK: 1, topP: 1, repetitionPenalty: 1 } })[0], greedy);
  assert.deepEqual(run([{ promptIds: p, seed: 3 }], { sampling: { temperature: 1, topK: 0, topP: 1e-6, repetitionPenalty: 1 } })[0], greedy);
});

test('repetition penalty: a huge one never repeats a token of the prompt or of the output', () => {
  const p = prompt(6, 2);
  const out = run([{ promptIds: p }], { maxNewTokens: 20, sampling: { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1e30 } })[0]!;
  assert.equal(new Set([...p, ...out]).size, new Set(p).size + out.length);
});

/** A GenerationError of `kind` whose message matches `re` (a ClinsumError: the CLI prints it on one line). */
const refused = (kind: GenerationErrorKind, re: RegExp) => (e: unknown): boolean =>
  e instanceof GenerationError && e instanceof ClinsumError && e.code === 'generate' && e.kind === kind && re.test(e.message);

test('bad requests are refused with a GenerationError before any work; generation leaks no tensors', () => {
  assert.throws(() => run([{ promptIds: [] }]), refused('invalid', /^request 0: the prompt is empty$/));
  assert.throws(() => run([{ promptIds: [1, 2] }, { promptIds: [1, 512] }]), refused('invalid', /^request 1: token id 512 is outside the vocabulary \(0 … 511\)$/));
  assert.throws(() => run([{ promptIds: [-1] }]), refused('invalid', /token id -1 is outside the vocabulary/));
  assert.throws(() => run([{ promptIds: [1.5] }]), refused('invalid', /token id 1\.5 is outside the vocabulary/));
  assert.throws(() => run([{ promptIds: prompt(96, 1) }]), refused('context', /the prompt has 96 tokens; the model handles 96 positions, so it must be shorter/));
  assert.throws(() => run([{ promptIds: [1] }], { maxNewTokens: 0 }), refused('invalid', /^maxNewTokens must be a positive integer, got 0$/));
  assert.throws(() => run([{ promptIds: [1], maxNewTokens: 2.5 }]), refused('invalid', /^request 0: maxNewTokens must be a positive integer, got 2\.5$/));
  assert.throws(() => run([{ promptIds: [1] }], { eosTokenIds: [] }), refused('invalid', /at least one end-of-sequence id/));
  const sampling = (p: Partial<SamplingParams>): SamplingParams => ({ temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1, ...p });
  assert.throws(() => run([{ promptIds: [1] }], { sampling: sampling({ temperature: -0.5 }) }), refused('invalid', /^temperature must be ≥ 0, got -0\.5$/));
  assert.throws(() => run([{ promptIds: [1] }], { sampling: sampling({ temperature: Number.NaN }) }), refused('invalid', /^temperature must be ≥ 0, got NaN$/));
  assert.throws(() => run([{ promptIds: [1] }], { sampling: sampling({ topP: 0 }) }), refused('invalid', /^top-p must be in \(0, 1\], got 0$/));
  assert.throws(() => run([{ promptIds: [1] }], { sampling: sampling({ topP: 1.2 }) }), refused('invalid', /^top-p must be in \(0, 1\], got 1\.2$/));
  assert.throws(() => run([{ promptIds: [1] }], { sampling: sampling({ topK: -1 }) }), refused('invalid', /^top-k must be a non-negative integer, got -1$/));
  assert.throws(() => run([{ promptIds: [1] }], { sampling: sampling({ repetitionPenalty: 0 }) }), refused('invalid', /^repetition penalty must be > 0, got 0$/));
  assert.throws(() => run([{ promptIds: [1], sampling: sampling({ topP: -1 }) }]), refused('invalid', /top-p must be in/), 'per-request sampling too');
  run([{ promptIds: [1, 2] }]); // warm-up (rotary table)
  const before = liveTensorCount();
  run([{ promptIds: prompt(10, 1) }, { promptIds: prompt(3, 2) }], { sampling: { temperature: 1, topK: 5, topP: 0.9, repetitionPenalty: 1.2 } });
  run([{ promptIds: prompt(10, 1) }, { promptIds: prompt(3, 2) }], { prefill: 'each' });
  assert.equal(liveTensorCount(), before);
});
