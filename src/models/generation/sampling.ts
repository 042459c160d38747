/**
 * Choosing the next token from logits, per sequence, with transformers' semantics and order:
 * repetition penalty (a processor: applies in greedy decoding too), then temperature, top-k,
 * top-p (warpers), then a draw from the softmax. Each sequence owns its random generator, so its
 * tokens depend only on its own seed, never on what else shares the batch.
 */
import { RandomGenerator, multinomial, tensor, tidy, where, type Tensor } from '../../engine/index.js';
import { GenerationError } from './errors.js';

export interface SamplingParams {
  /** 0 = greedy (argmax); otherwise logits are divided by it before the softmax. */
  temperature: number;
  /** Keep only the k most likely tokens (ties with the k-th kept); 0 = off. */
  topK: number;
  /** Keep the smallest set of most likely tokens whose probability reaches topP; 1 = off. */
  topP: number;
  /** > 1 penalises every token already in the sequence (prompt included): logit / p if positive, · p if negative. 1 = off. */
  repetitionPenalty: number;
}

export const GREEDY: Readonly<SamplingParams> = Object.freeze({ temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1 });

/** Checks sampling parameters; throws a GenerationError (`invalid`) naming the bad one. */
export function checkSampling(p: SamplingParams): SamplingParams {
  if (!(Number.isFinite(p.temperature) && p.temperature >= 0)) throw new GenerationError('invalid', `temperature must be ≥ 0, got ${p.temperature}`);
  if (!(Number.isInteger(p.topK) && p.topK >= 0)) throw new GenerationError('invalid', `top-k must be a non-negative integer, got ${p.topK}`);
  if (!(p.topP > 0 && p.topP <= 1)) throw new GenerationError('invalid', `top-p must be in (0, 1], got ${p.topP}`);
  if (!(Number.isFinite(p.repetitionPenalty) && p.repetitionPenalty > 0)) throw new GenerationError('invalid', `repetition penalty must be > 0, got ${p.repetitionPenalty}`);
  return p;
}

/** One sequence's sampling state: its parameters, its generator, the tokens it has seen. */
export class SequenceSampler {
  readonly params: SamplingParams;
  readonly seed: number;
  #generator: RandomGenerator | undefined;
  /** Distinct token ids of the sequence so far (for the repetition penalty), in first-seen order. */
  readonly #seen: number[] = [];
  readonly #seenSet = new Set<number>();

  constructor(params: SamplingParams, seed: number, promptIds: readonly number[] = []) {
    this.params = checkSampling({ ...params });
    this.seed = seed;
    if (params.repetitionPenalty !== 1) for (const id of promptIds) this.observe(id);
  }

  get greedy(): boolean {
    return this.params.temperature === 0;
  }

  get penalised(): boolean {
    return this.params.repetitionPenalty !== 1;
  }

  /** Records a token of the sequence (the repetition penalty's memory). */
  observe(id: number): void {
    if (!this.penalised || this.#seenSet.has(id)) return;
    this.#seenSet.add(id);
    this.#seen.push(id);
  }

  get generator(): RandomGenerator {
    return (this.#generator ??= new RandomGenerator(this.seed));
  }

  /** The next token from this sequence's logits (V), float. */
  pick(logits: Tensor): number {
    return tidy(() => {
      let l = logits.float();
      const p = this.params;
      if (this.penalised && this.#seen.length > 0) {
        const idx = tensor(Int32Array.from(this.#seen), { device: l.device }).long();
        const s = l.gather(0, idx);
        l = l.scatter(0, idx, where(s.lt(0), s.mul(p.repetitionPenalty), s.div(p.repetitionPenalty)));
      }
      if (this.greedy) return l.argmax().item();
      l = l.div(p.temperature);
      const V = l.size(0);
      // Top-k first. When exactly k tokens reach the k-th logit (no tie at the boundary), the
      // rest of the work happens on those k candidates (sorted), not on the whole vocabulary.
      let ids: Tensor | undefined;
      if (p.topK > 0 && p.topK < V) {
        const { values, indices } = l.topk(p.topK);
        const kth = values.narrow(0, p.topK - 1, 1);
        if (l.ge(kth).sum().item() === p.topK) {
          l = values;
          ids = indices;
        } else {
          l = l.maskedFill(l.lt(kth), -Infinity);
        }
      }
      if (p.topP < 1) l = topP(l, p.topP);
      const j = multinomial(l.softmax(0), { generator: this.generator });
      return (ids === undefined ? j : ids.gather(0, j)).item();
    });
  }
}

/** transformers' TopPLogitsWarper on a vector: −inf outside the smallest most-likely set reaching `p` (at least one token). */
function topP(l: Tensor, p: number): Tensor {
  const V = l.size(0);
  const { values, indices } = l.sort(0, false);
  const remove = values.softmax(0).cumsum(0).le(1 - p);
  remove.narrow(0, V - 1, 1).fill_(false);
  return l.maskedFill(remove.scatter(0, indices, remove), -Infinity);
}

/**
 * The next token of every row of `logits` (B, V). Rows that are all greedy without a penalty
 * take one batched argmax; the others go row by row.
 */
export function pickTokens(logits: Tensor, samplers: readonly SequenceSampler[]): number[] {
  return tidy(() => {
    if (samplers.every((s) => s.greedy && !s.penalised)) return logits.argmax(-1).toNumbers();
    return samplers.map((s, b) => s.pick(logits.select(0, b)));
  });
}
