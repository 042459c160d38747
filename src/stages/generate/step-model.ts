/**
 * The model side of continuous batching: what `BatchScheduler` drives. A model implements it over
 * a KV cache with one slot per sequence; the scheduler decides which sequences run in each step.
 * docs/serve.md states the contract in full; in short:
 *
 * - Slots are the integers 0 … maxSlots−1 (the model's, set when it is created). The scheduler
 *   owns the slot numbers: it prefills a free slot, decodes it any number of times, then releases
 *   it, after which it may prefill it again for another sequence.
 * - `prefill` runs each prompt through the model, fills that slot's cache with all prompt
 *   positions, and samples the sequence's first token from the logits of the last position.
 * - `decode` feeds each listed sequence's last sampled token at the next position, extends its
 *   cache by one, and samples the next token. A slot appears at most once per call.
 * - Calls never overlap: the scheduler awaits each one before the next.
 * - Sampling is per sequence (its own `SamplingParams` and a generator seeded with its `seed`, drawn
 *   from in order): a sequence's tokens must not depend on what else shares the step, so results
 *   are the same with batching on and off.
 * - Outputs are in the order of the inputs. A throw fails every sequence of that call; the
 *   scheduler then releases their slots.
 *
 * Implementations need not import this file: TypeScript checks the shape.
 */
import type { SamplingParams } from './backend.js';

export interface PrefillInput {
  /** A free slot: 0 … maxBatch−1 (≤ maxSlots−1), the lowest free one. */
  slot: number;
  /** The whole prompt (≥ 1 id, fewer than `maxContextTokens`). */
  promptIds: readonly number[];
  sampling: SamplingParams;
}

export interface DecodeInput {
  /** A prefilled slot. */
  slot: number;
  /** The token sampled for this slot by the previous call, to be fed at the next position. */
  token: number;
  /** Its position (0-based): prompt length + tokens generated before it. */
  position: number;
}

export interface StepModel {
  /** Slots (KV caches) the model holds; the scheduler's maxBatch must not exceed it. */
  readonly maxSlots: number;
  /** Positions per sequence (prompt + generated); the scheduler never exceeds it. */
  readonly maxContextTokens: number;
  /** Ids that end a sequence (generation_config.json `eos_token_id`, one or several). */
  readonly eosTokenIds: readonly number[];
  /** Start sequences in free slots; returns each one's first sampled token. */
  prefill(seqs: readonly PrefillInput[]): Promise<readonly number[]>;
  /** One decoding step for running sequences; returns each one's next sampled token. */
  decode(seqs: readonly DecodeInput[]): Promise<readonly number[]>;
  /** The sequence in `slot` is over (finished, stopped, aborted or failed): its cache may be dropped. */
  release(slot: number): void;
}
