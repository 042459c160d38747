/**
 * A deterministic `StepModel` for tests and `bench/serve`: no weights, but the same contract as a
 * real KV-cache model, checked on every call (slot in range, prefill only into a free slot, decode
 * only a prefilled slot with the token it sampled last and the right position).
 *
 * Tokens: each slot keeps a running FNV-1a hash of its prompt and of every token fed to it (its
 * "KV cache"); the next token is `vocab[hash % vocab.length]`, mixed with the seed when
 * temperature > 0. A `script` may fix the output instead (tokens by position, eos after them).
 * So a token depends only on its own sequence, and a scheduler that mixed up slots would change it.
 *
 * Cost model (`cost`), one sleep per call: prefill `stepMs + perSeqMs·n + perPromptTokenMs·(prompt
 * tokens)`, decode `stepMs + perSeqMs·n` — a fixed cost per forward (weights read once per step,
 * kernel launches) plus a small cost per sequence, the shape of a memory-bound decoder forward.
 * With `blocking` the time is spent on the event loop instead of in a timer, as the real model's
 * synchronous native forward does (nothing else runs in the process meanwhile).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DecodeInput, PrefillInput, StepModel } from '../../src/stages/generate/step-model.js';

export interface FakeCost {
  stepMs: number;
  perSeqMs: number;
  perPromptTokenMs: number;
  /** Spend the time busy on the event loop (a synchronous forward) rather than asleep. Default false. */
  blocking: boolean;
}

export interface FakeStepModelOptions {
  maxSlots?: number;
  maxContextTokens?: number;
  eosTokenIds?: readonly number[];
  /** Ids sampled from (default: 1000 … 1999, ordinary BPE tokens of the Qwen vocabulary). */
  vocab?: readonly number[];
  /**
   * Fixed output for a prompt: token k of the completion is `script[k]`; after the last one
   * comes the first eos id. Return undefined to fall back to the hash.
   */
  script?: (promptIds: readonly number[]) => readonly number[] | undefined;
  cost?: Partial<FakeCost>;
}

interface SlotState {
  hash: number;
  promptIds: readonly number[];
  seed: number;
  temperature: number;
  /** Tokens sampled so far; the last one is the next to be fed. */
  sampled: number[];
  position: number;
}

export interface StepRecord {
  kind: 'prefill' | 'decode';
  slots: number[];
}

const FNV_OFFSET = 0x811c9dc5;
const fnv = (h: number, x: number): number => {
  let v = h;
  for (let k = 0; k < 4; k++) {
    v ^= (x >>> (8 * k)) & 0xff;
    v = Math.imul(v, 0x01000193) >>> 0;
  }
  return v;
};

export class FakeStepModel implements StepModel {
  readonly maxSlots: number;
  readonly maxContextTokens: number;
  readonly eosTokenIds: readonly number[];
  readonly cost: FakeCost;
  /** Every call, in order (slots per call). */
  readonly steps: StepRecord[] = [];
  released = 0;
  private readonly vocab: readonly number[];
  private readonly script: FakeStepModelOptions['script'];
  private readonly slots = new Map<number, SlotState>();
  private busy = false;

  constructor(options: FakeStepModelOptions = {}) {
    this.maxSlots = options.maxSlots ?? 64;
    this.maxContextTokens = options.maxContextTokens ?? 4096;
    this.eosTokenIds = options.eosTokenIds ?? [151645, 151643];
    this.vocab = options.vocab ?? Array.from({ length: 1000 }, (_, i) => 1000 + i);
    this.script = options.script;
    this.cost = { stepMs: 0, perSeqMs: 0, perPromptTokenMs: 0, blocking: false, ...options.cost };
  }

  /** Slots holding a sequence now. */
  get activeSlots(): number[] {
    return [...this.slots.keys()].sort((a, b) => a - b);
  }

  get prefillCalls(): number {
    return this.steps.filter((s) => s.kind === 'prefill').length;
  }

  get decodeCalls(): number {
    return this.steps.filter((s) => s.kind === 'decode').length;
  }

  async prefill(seqs: readonly PrefillInput[]): Promise<readonly number[]> {
    this.enter();
    try {
      const seen = new Set<number>();
      let promptTokens = 0;
      for (const s of seqs) {
        this.checkSlot(s.slot, seen);
        if (this.slots.has(s.slot)) throw new Error(`contract: prefill into slot ${s.slot}, which holds a sequence`);
        if (s.promptIds.length === 0 || s.promptIds.length >= this.maxContextTokens) throw new Error(`contract: prompt of ${s.promptIds.length} tokens`);
        promptTokens += s.promptIds.length;
      }
      await this.pay(this.cost.stepMs + this.cost.perSeqMs * seqs.length + this.cost.perPromptTokenMs * promptTokens);
      this.steps.push({ kind: 'prefill', slots: seqs.map((s) => s.slot) });
      return seqs.map((s) => {
        let h = FNV_OFFSET;
        for (const id of s.promptIds) h = fnv(h, id);
        const st: SlotState = { hash: h, promptIds: s.promptIds, seed: s.sampling.seed, temperature: s.sampling.temperature, sampled: [], position: s.promptIds.length };
        this.slots.set(s.slot, st);
        return this.sample(st);
      });
    } finally {
      this.busy = false;
    }
  }

  async decode(seqs: readonly DecodeInput[]): Promise<readonly number[]> {
    this.enter();
    try {
      const seen = new Set<number>();
      for (const s of seqs) {
        this.checkSlot(s.slot, seen);
        const st = this.slots.get(s.slot);
        if (st === undefined) throw new Error(`contract: decode of slot ${s.slot}, which holds no sequence`);
        if (s.token !== st.sampled[st.sampled.length - 1]) throw new Error(`contract: slot ${s.slot} fed ${s.token}, but it sampled ${st.sampled[st.sampled.length - 1]}`);
        if (s.position !== st.position) throw new Error(`contract: slot ${s.slot} fed at position ${s.position}, expected ${st.position}`);
        if (s.position >= this.maxContextTokens) throw new Error(`contract: position ${s.position} beyond the context`);
      }
      await this.pay(this.cost.stepMs + this.cost.perSeqMs * seqs.length);
      this.steps.push({ kind: 'decode', slots: seqs.map((s) => s.slot) });
      return seqs.map((s) => {
        const st = this.slots.get(s.slot)!;
        st.hash = fnv(st.hash, s.token);
        st.position++;
        return this.sample(st);
      });
    } finally {
      this.busy = false;
    }
  }

  release(slot: number): void {
    if (this.busy) throw new Error('contract: release during a model call');
    if (!this.slots.delete(slot)) throw new Error(`contract: release of slot ${slot}, which holds no sequence`);
    this.released++;
  }

  private sample(st: SlotState): number {
    const k = st.sampled.length;
    const scripted = this.script?.(st.promptIds);
    let token: number;
    if (scripted !== undefined) token = k < scripted.length ? scripted[k]! : this.eosTokenIds[0]!;
    else {
      const h = st.temperature > 0 ? fnv(fnv(st.hash, st.seed | 0), Math.floor(st.seed / 2 ** 32)) : st.hash;
      token = this.vocab[h % this.vocab.length]!;
    }
    st.sampled.push(token);
    return token;
  }

  private enter(): void {
    if (this.busy) throw new Error('contract: overlapping model calls');
    this.busy = true;
  }

  private checkSlot(slot: number, seen: Set<number>): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.maxSlots) throw new Error(`contract: slot ${slot} outside [0, ${this.maxSlots})`);
    if (seen.has(slot)) throw new Error(`contract: slot ${slot} twice in one call`);
    seen.add(slot);
  }

  private async pay(ms: number): Promise<void> {
    if (ms > 0 && this.cost.blocking) {
      const end = performance.now() + ms;
      while (performance.now() < end);
    } else if (ms > 0) await sleep(ms);
    else await Promise.resolve();
  }
}
