/**
 * Continuous batching over one KV cache: sequences join (`prefill`) and leave (`release`) between
 * steps, and every running sequence advances one token per `decode`. It has the shape of the
 * generate stage's `StepModel` (docs/serve.md), which the server's `BatchScheduler` drives; slots
 * are the scheduler's numbers, mapped here to cache rows.
 *
 * - `prefill` runs the new prompts (left-padded together when their lengths are close, else one
 *   by one, as `generate` does), samples each first token, and joins their rows to the running
 *   cache (right-aligned: one copy of the cache per call, none per step).
 * - `decode` feeds every running sequence its last token in one forward step; the inputs must
 *   list every running slot (the scheduler's contract), at the position the slot has reached.
 * - `release` marks the slot's row as finished; the rows released since the last step leave the
 *   cache together, in one copy (`keepRows`), before the next `prefill` or `decode` — when several
 *   sequences end in the same step the cache is compacted once, not once per sequence. When no row
 *   is left running the cache is emptied at once, so an idle server holds no finished rows.
 * Sampling is per sequence with its own generator seeded from its `seed`, so a sequence's tokens
 * do not depend on what shares its steps. Stopping is the caller's business.
 */
import { inferenceMode, tensor, tidy, type Tensor } from '../../engine/index.js';
import { GenerationError } from './errors.js';
import { prefillRows, type CausalLM } from './generate.js';
import type { KVCache } from './kv-cache.js';
import { SequenceSampler, pickTokens } from './sampling.js';

/** Sampling as the server asks for it. */
export interface SlotSampling {
  temperature: number;
  topP: number;
  topK: number;
  /** > 1 penalises the tokens already in the sequence, prompt included; 1 or absent = off. */
  repetitionPenalty?: number;
  /** Any safe integer; mapped to a non-negative generator seed. */
  seed: number;
}

export interface SlotPrefill {
  slot: number;
  promptIds: readonly number[];
  sampling: SlotSampling;
}

export interface SlotDecode {
  slot: number;
  /** The token this slot sampled last. */
  token: number;
  /** Its position: prompt length + tokens generated before it. */
  position: number;
}

export interface SlotDecoderOptions {
  maxSlots: number;
  eosTokenIds: readonly number[];
  /** Positions per sequence (default: the model's max_position_embeddings). */
  maxContextTokens?: number;
}

/** The generator seed of a request seed (any safe integer, negative too): its low 53 bits. */
export function generatorSeed(seed: number): number {
  return Number(BigInt.asUintN(53, BigInt(seed)));
}

export class SlotDecoder implements Disposable {
  readonly maxSlots: number;
  readonly maxContextTokens: number;
  readonly eosTokenIds: readonly number[];
  readonly #model: CausalLM;
  #cache: KVCache;
  /** The slot of each cache row (released rows included until the next compaction). */
  #slots: number[] = [];
  /** Slots released since the last compaction: their rows are still in the cache. */
  readonly #released = new Set<number>();
  readonly #samplers = new Map<number, SequenceSampler>();
  #compactions = 0;

  constructor(model: CausalLM, options: SlotDecoderOptions) {
    if (!(Number.isInteger(options.maxSlots) && options.maxSlots >= 1)) throw new GenerationError('invalid', `maxSlots must be a positive integer, got ${options.maxSlots}`);
    this.#model = model;
    this.maxSlots = options.maxSlots;
    this.maxContextTokens = Math.min(options.maxContextTokens ?? model.maxPositions, model.maxPositions);
    this.eosTokenIds = Object.freeze([...options.eosTokenIds]);
    this.#cache = model.newCache(0);
  }

  /** Slots holding a sequence (released ones are not listed). */
  get running(): readonly number[] {
    return this.#released.size === 0 ? this.#slots : this.#slots.filter((s) => !this.#released.has(s));
  }

  /** Times the cache has been compacted to drop released rows (one copy of the cache each). */
  get compactions(): number {
    return this.#compactions;
  }

  /** Bytes of the KV cache now. */
  cacheBytes(): number {
    return this.#cache.bytes();
  }

  async prefill(seqs: readonly SlotPrefill[]): Promise<readonly number[]> {
    if (seqs.length === 0) return [];
    this.#compact();
    const seen = new Set<number>();
    for (const s of seqs) {
      if (!Number.isInteger(s.slot) || s.slot < 0 || s.slot >= this.maxSlots) throw new GenerationError('invalid', `slot ${s.slot} is outside 0 … ${this.maxSlots - 1}`);
      if (this.#samplers.has(s.slot) || seen.has(s.slot)) throw new GenerationError('invalid', `slot ${s.slot} is not free`);
      if (s.promptIds.length === 0) throw new GenerationError('invalid', `slot ${s.slot}: the prompt is empty`);
      if (s.promptIds.length >= this.maxContextTokens) throw new GenerationError('context', `slot ${s.slot}: a prompt of ${s.promptIds.length} tokens does not fit ${this.maxContextTokens} positions`);
      const vocab = this.#model.vocabSize;
      for (const id of s.promptIds) {
        if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new GenerationError('invalid', `slot ${s.slot}: token id ${id} is outside the vocabulary (0 … ${vocab - 1})`);
      }
      seen.add(s.slot);
    }
    const samplers = seqs.map(
      (s) =>
        new SequenceSampler(
          { temperature: s.sampling.temperature, topK: s.sampling.topK, topP: s.sampling.topP, repetitionPenalty: s.sampling.repetitionPenalty ?? 1 },
          generatorSeed(s.sampling.seed),
          s.promptIds,
        ),
    );
    const tokens = inferenceMode(() => {
      const { kv, logits } = prefillRows(this.#model, seqs.map((s) => s.promptIds), 0, 'auto');
      try {
        const next = pickTokens(logits, samplers);
        next.forEach((t, i) => samplers[i]!.observe(t));
        this.#cache.appendRows(kv);
        return next;
      } finally {
        logits.dispose();
        kv.dispose();
      }
    });
    seqs.forEach((s, i) => {
      this.#slots.push(s.slot);
      this.#samplers.set(s.slot, samplers[i]!);
    });
    return tokens;
  }

  async decode(seqs: readonly SlotDecode[]): Promise<readonly number[]> {
    if (seqs.length === 0) return [];
    this.#compact();
    if (seqs.length !== this.#slots.length) throw new GenerationError('invalid', `decode lists ${seqs.length} sequences but ${this.#slots.length} are running; every running slot decodes each step`);
    const rowOf = new Map(this.#slots.map((slot, row) => [slot, row]));
    const ids = new Int32Array(this.#slots.length);
    const lengths = this.#cache.rowLengths();
    const rows: number[] = [];
    for (const s of seqs) {
      const row = rowOf.get(s.slot);
      if (row === undefined) throw new GenerationError('invalid', `slot ${s.slot} is not running`);
      if (s.position !== lengths[row]) throw new GenerationError('invalid', `slot ${s.slot}: position ${s.position}, but its cache holds ${lengths[row]} tokens`);
      if (s.position >= this.maxContextTokens) throw new GenerationError('context', `slot ${s.slot}: position ${s.position} is past the context (${this.maxContextTokens})`);
      ids[row] = s.token;
      rows.push(row);
    }
    return inferenceMode(() => {
      const logits = tidy((): Tensor => this.#model.forwardCached(tensor(ids, { shape: [ids.length, 1], device: this.#model.device }).long(), this.#cache));
      try {
        const samplers = this.#slots.map((slot) => this.#samplers.get(slot)!);
        const next = pickTokens(logits, samplers);
        next.forEach((t, row) => samplers[row]!.observe(t));
        return rows.map((row) => next[row]!);
      } finally {
        logits.dispose();
      }
    });
  }

  /**
   * The sequence in `slot` is over. Its row leaves the cache with the other rows released before
   * the next step (one compaction for all of them), or at once when it was the last one running.
   * Releasing a free slot does nothing.
   */
  release(slot: number): void {
    if (!this.#samplers.has(slot)) return;
    this.#samplers.delete(slot);
    this.#released.add(slot);
    if (this.#released.size === this.#slots.length) this.#compact();
  }

  dispose(): void {
    this.#cache.dispose();
    this.#slots = [];
    this.#released.clear();
    this.#samplers.clear();
  }

  /** Drops the rows of the released slots from the cache, in one copy. */
  #compact(): void {
    if (this.#released.size === 0) return;
    const keep = this.#slots.flatMap((slot, row) => (this.#released.has(slot) ? [] : [row]));
    this.#cache.keepRows(keep);
    this.#slots = keep.map((r) => this.#slots[r]!);
    this.#released.clear();
    this.#compactions++;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
