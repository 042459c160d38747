// Continuous batching over one KV cache: sequences join and leave between steps and each gets
// exactly the tokens it gets alone (greedy and seeded sampling); contract violations are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensorCount, testDevice } from '../../engine/index.js';
import { qwen2Config } from '../qwen2/config.js';
import { randomQwen2 } from '../qwen2/random.js';
import { generate } from './generate.js';
import { SlotDecoder, generatorSeed, type SlotSampling } from './slots.js';
import { GenerationError, type GenerationErrorKind } from './errors.js';

const refused = (kind: GenerationErrorKind, re: RegExp) => (e: unknown): boolean => e instanceof GenerationError && e.kind === kind && re.test(e.message);

const device = testDevice();
const model = randomQwen2(
  qwen2Config({ vocabSize: 400, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, maxPositionEmbeddings: 128, initializerRange: 0.5 }),
  3,
  'float32',
  device,
);
const EOS = [399];
const byNumber = (a: number, b: number): number => a - b;
const prompt = (n: number, s: number): number[] => Array.from({ length: n }, (_, i) => (s * 97 + i * 31) % 390);

/** A sequence of a continuous-batching test: its slot, prompt, sampling, token budget and tokens so far. */
interface Seq { slot: number; prompt: number[]; sampling: SlotSampling; want: number; got: number[] }

/** Prefills `list` into its slots: each sequence gets its first token and joins `running`. */
async function prefillInto(slots: SlotDecoder, list: Seq[], running: Seq[]): Promise<void> {
  const first = await slots.prefill(list.map((s) => ({ slot: s.slot, promptIds: s.prompt, sampling: s.sampling })));
  list.forEach((s, i) => {
    s.got.push(first[i]!);
    running.push(s);
  });
}

/** What a sequence gets alone, through `generate`. */
function alone(promptIds: number[], n: number, sampling: SlotSampling): number[] {
  const s = { temperature: sampling.temperature, topK: sampling.topK, topP: sampling.topP, repetitionPenalty: 1 };
  return generate(model, [{ promptIds, seed: generatorSeed(sampling.seed) }], { maxNewTokens: n, eosTokenIds: EOS, sampling: s })[0]!.tokens;
}

test('sequences joining and leaving between steps each get their tokens alone', async () => {
  const slots = new SlotDecoder(model, { maxSlots: 4, eosTokenIds: EOS });
  const greedy: SlotSampling = { temperature: 0, topK: 0, topP: 1, seed: 0 };
  const sampled: SlotSampling = { temperature: 0.8, topK: 30, topP: 0.9, seed: -12345 };
  const seqs: Seq[] = [
    { slot: 0, prompt: prompt(30, 1), sampling: greedy, want: 12, got: [] },
    { slot: 1, prompt: prompt(3, 2), sampling: sampled, want: 5, got: [] },
    { slot: 2, prompt: prompt(11, 3), sampling: { ...sampled, seed: 2 ** 40 + 7 }, want: 9, got: [] },
    { slot: 1, prompt: prompt(50, 4), sampling: greedy, want: 6, got: [] }, // reuses slot 1 after it is released
  ];
  const running: Seq[] = [];
  const start = (list: Seq[]): Promise<void> => prefillInto(slots, list, running);
  await start([seqs[0]!, seqs[1]!]);
  for (let step = 0; running.length > 0; step++) {
    if (step === 2) await start([seqs[2]!]);
    const next = await slots.decode(running.map((s) => ({ slot: s.slot, token: s.got.at(-1)!, position: s.prompt.length + s.got.length - 1 })));
    running.forEach((s, i) => s.got.push(next[i]!));
    for (const s of [...running]) {
      if (s.got.length >= s.want) {
        running.splice(running.indexOf(s), 1);
        slots.release(s.slot);
        if (s === seqs[1]) await start([seqs[3]!]);
      }
    }
  }
  assert.deepEqual(slots.running, []);
  for (const s of seqs) assert.deepEqual(s.got, alone(s.prompt, s.want, s.sampling), `slot ${s.slot}, prompt of ${s.prompt.length}`);
  slots.dispose();
});

test('sequences ending in the same step leave the cache in one compaction, with the same tokens', async () => {
  const slots = new SlotDecoder(model, { maxSlots: 5, eosTokenIds: EOS });
  const greedy: SlotSampling = { temperature: 0, topK: 0, topP: 1, seed: 0 };
  const sampled: SlotSampling = { temperature: 0.9, topK: 50, topP: 0.95, seed: 77 };
  // Three end after 4 tokens (same step), one after 6, the last after 9; a late one joins slot 0.
  const seqs: Seq[] = [
    { slot: 0, prompt: prompt(7, 11), sampling: greedy, want: 4, got: [] },
    { slot: 1, prompt: prompt(19, 12), sampling: sampled, want: 4, got: [] },
    { slot: 2, prompt: prompt(4, 13), sampling: { ...sampled, seed: 5 }, want: 4, got: [] },
    { slot: 3, prompt: prompt(25, 14), sampling: greedy, want: 6, got: [] },
    { slot: 4, prompt: prompt(12, 15), sampling: { ...sampled, seed: 9 }, want: 9, got: [] },
  ];
  const late: Seq = { slot: 0, prompt: prompt(9, 16), sampling: greedy, want: 4, got: [] };
  const running: Seq[] = [];
  const start = (list: Seq[]): Promise<void> => prefillInto(slots, list, running);
  await start(seqs);
  let stepsWithEnds = 0;
  while (running.length > 0) {
    const next = await slots.decode(running.map((s) => ({ slot: s.slot, token: s.got.at(-1)!, position: s.prompt.length + s.got.length - 1 })));
    running.forEach((s, i) => s.got.push(next[i]!));
    const ended = running.filter((s) => s.got.length >= s.want);
    if (ended.length === 0) continue;
    stepsWithEnds++;
    const before = slots.compactions;
    const bytes = slots.cacheBytes();
    for (const s of ended) {
      running.splice(running.indexOf(s), 1);
      slots.release(s.slot);
      slots.release(s.slot); // twice: still one row to drop
    }
    assert.deepEqual([...slots.running].sort(byNumber), running.map((s) => s.slot).sort(byNumber));
    // Released rows are dropped when the next step begins (or at once when none is left running).
    assert.equal(slots.compactions, running.length === 0 ? before + 1 : before);
    if (ended.length === 3) {
      assert.equal(slots.cacheBytes(), bytes, 'the three rows are still there until the next step');
      await start([late]);
      assert.equal(slots.compactions, before + 1, 'the next prefill compacted once for the three');
    }
  }
  // Steps where sequences ended: the three, then the 6-token one, the late one, the 9-token one.
  assert.equal(stepsWithEnds, 4);
  assert.equal(slots.compactions, 4);
  assert.deepEqual(slots.running, []);
  assert.equal(slots.cacheBytes(), 0, 'the cache is emptied when the last sequence is released');
  for (const s of [...seqs, late]) assert.deepEqual(s.got, alone(s.prompt, s.want, s.sampling), `slot ${s.slot}, prompt of ${s.prompt.length}`);
  slots.dispose();
});

test('contract violations are refused; nothing leaks', async () => {
  const before = liveTensorCount();
  const slots = new SlotDecoder(model, { maxSlots: 2, eosTokenIds: EOS });
  const g: SlotSampling = { temperature: 0, topK: 0, topP: 1, seed: 1 };
  const [t0] = await slots.prefill([{ slot: 0, promptIds: prompt(5, 1), sampling: g }]);
  await assert.rejects(slots.prefill([{ slot: 0, promptIds: [1], sampling: g }]), refused('invalid', /slot 0 is not free/));
  await assert.rejects(slots.prefill([{ slot: 2, promptIds: [1], sampling: g }]), refused('invalid', /outside 0 … 1/));
  await assert.rejects(slots.prefill([{ slot: 1, promptIds: [1], sampling: g }, { slot: 1, promptIds: [2], sampling: g }]), refused('invalid', /slot 1 is not free/), 'more sequences than free slots');
  await assert.rejects(slots.prefill([{ slot: 1, promptIds: [], sampling: g }]), refused('invalid', /slot 1: the prompt is empty/));
  await assert.rejects(slots.prefill([{ slot: 1, promptIds: [1, 400], sampling: g }]), refused('invalid', /slot 1: token id 400 is outside the vocabulary \(0 … 399\)/));
  await assert.rejects(slots.prefill([{ slot: 1, promptIds: prompt(128, 1), sampling: g }]), refused('context', /does not fit 128 positions/));
  await assert.rejects(slots.prefill([{ slot: 1, promptIds: [1], sampling: { ...g, temperature: -1 } }]), refused('invalid', /temperature must be ≥ 0, got -1/));
  await assert.rejects(slots.prefill([{ slot: 1, promptIds: [1], sampling: { ...g, topP: 2 } }]), refused('invalid', /top-p must be in \(0, 1\], got 2/));
  await assert.rejects(slots.decode([{ slot: 0, token: t0!, position: 4 }]), refused('invalid', /position 4, but its cache holds 5 tokens/));
  await slots.prefill([{ slot: 1, promptIds: prompt(2, 2), sampling: g }]);
  await assert.rejects(slots.decode([{ slot: 0, token: t0!, position: 5 }]), refused('invalid', /every running slot decodes each step/));
  assert.throws(() => new SlotDecoder(model, { maxSlots: 0, eosTokenIds: EOS }), refused('invalid', /maxSlots must be a positive integer, got 0/));
  slots.release(0);
  slots.release(1);
  slots.release(1);
  slots.dispose();
  assert.ok(liveTensorCount() <= before + 1, 'only the model-level rotary table may appear');
});
