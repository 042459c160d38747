/**
 * Batched generation with a KV cache: prefill the prompts, then decode one token per running
 * sequence per step. Architecture-agnostic: any `CausalLM` (Qwen2ForCausalLM is one).
 *
 * - Prefill: prompts of similar lengths go through in one left-padded block (padding is masked,
 *   positions count real tokens only); prompts of very different lengths are prefilled one by one
 *   and their caches joined, so padding never costs more than a quarter of the prefill work.
 *   Either way a sequence's tokens equal those it gets alone (a test checks it).
 * - Decode: one step feeds each running sequence its last token; a sequence that ends (an
 *   end-of-sequence id, its token budget, the context length, or the streaming callback answering
 *   'stop') leaves the batch and the cache at once, so it costs nothing afterwards.
 * - Sampling per sequence (see sampling.ts): greedy, or temperature / top-k / top-p with the
 *   sequence's own seeded generator — the same seed gives the same tokens, whatever the batch.
 * Everything runs under libtorch's inference mode.
 */
import { cat, inferenceMode, tensor, tidy, type Device, type Tensor } from '../../engine/index.js';
import { GenerationError } from './errors.js';
import type { KVCache } from './kv-cache.js';
import { GREEDY, SequenceSampler, pickTokens, type SamplingParams } from './sampling.js';

/** What generation needs from a model. */
export interface CausalLM {
  readonly vocabSize: number;
  /** Positions the model handles (max_position_embeddings): prompt + generated tokens. */
  readonly maxPositions: number;
  readonly device: Device;
  /** An empty cache of `batch` rows with room for `capacity` columns. */
  newCache(batch: number, capacity?: number): KVCache;
  /** Logits (N, V) for the step's tokens (B, t); default N = B (each row's last column). */
  forwardCached(inputIds: Tensor, cache: KVCache, options?: { pads?: readonly number[]; logitsAt?: Tensor }): Tensor;
}

export interface GenerationRequest {
  /** The prompt's token ids (chat template applied); at least one. */
  promptIds: readonly number[];
  /** Overrides `GenerateOptions.maxNewTokens` for this sequence. */
  maxNewTokens?: number;
  /** Overrides `GenerateOptions.sampling` for this sequence. */
  sampling?: SamplingParams;
  /** This sequence's seed (default `GenerateOptions.seed`, else 0). */
  seed?: number;
}

/**
 * Why a sequence ended: `eos` (an end-of-sequence id: not in `tokens`, given as `eosTokenId`),
 * `length` (its token budget, or the model's context, is used up), `stop` (the streaming callback
 * answered 'stop' after the last token of `tokens`).
 */
export type FinishReason = 'eos' | 'length' | 'stop';

export interface GenerationOutput {
  /** Generated ids, without the end-of-sequence id. */
  tokens: number[];
  finishReason: FinishReason;
  eosTokenId?: number;
}

/** Called with each generated token (never the end-of-sequence one), in order; 'stop' ends that sequence. */
export type TokenCallback = (index: number, token: number) => void | 'stop';

export type PrefillMode = 'auto' | 'batch' | 'each';

export interface GenerateOptions {
  maxNewTokens: number;
  /** Ids that end a sequence (generation_config.json `eos_token_id`). */
  eosTokenIds: readonly number[];
  /** Default greedy. */
  sampling?: SamplingParams;
  seed?: number;
  onToken?: TokenCallback;
  /** `batch`: one left-padded block; `each`: one prompt at a time; `auto` (default): batch unless padding would exceed 25 % of the prompt tokens. */
  prefill?: PrefillMode;
}

/** Generates for every request; outputs are in the order of the requests. */
export function generate(model: CausalLM, requests: readonly GenerationRequest[], options: GenerateOptions): GenerationOutput[] {
  if (!(Number.isInteger(options.maxNewTokens) && options.maxNewTokens >= 1)) throw new GenerationError('invalid', `maxNewTokens must be a positive integer, got ${options.maxNewTokens}`);
  if (options.eosTokenIds.length === 0) throw new GenerationError('invalid', 'generate needs at least one end-of-sequence id (eosTokenIds is empty)');
  const eos = new Set(options.eosTokenIds);
  const budgets = requests.map((r, i) => {
    checkPrompt(r.promptIds, model, i);
    const want = r.maxNewTokens ?? options.maxNewTokens;
    if (!(Number.isInteger(want) && want >= 1)) throw new GenerationError('invalid', `request ${i}: maxNewTokens must be a positive integer, got ${want}`);
    return Math.min(want, model.maxPositions - r.promptIds.length);
  });
  const outputs: GenerationOutput[] = requests.map(() => ({ tokens: [], finishReason: 'length' }));
  if (requests.length === 0) return outputs;
  const samplers = requests.map((r) => new SequenceSampler(r.sampling ?? options.sampling ?? GREEDY, r.seed ?? options.seed ?? 0, r.promptIds));

  return inferenceMode(() => {
    const cache = prefillRows(model, requests.map((r) => r.promptIds), Math.max(...budgets), options.prefill ?? 'auto');
    try {
      let logits: Tensor | undefined = cache.logits;
      let active = requests.map((_, i) => i); // request index of each cache row
      while (active.length > 0) {
        const next = pickTokens(logits!, active.map((i) => samplers[i]!));
        logits!.dispose();
        logits = undefined;
        const last: number[] = [];
        const keep: number[] = [];
        next.forEach((token, row) => {
          const i = active[row]!;
          const out = outputs[i]!;
          if (eos.has(token)) {
            out.finishReason = 'eos';
            out.eosTokenId = token;
            return;
          }
          out.tokens.push(token);
          samplers[i]!.observe(token);
          if (options.onToken?.(i, token) === 'stop') {
            out.finishReason = 'stop';
            return;
          }
          if (out.tokens.length >= budgets[i]!) {
            out.finishReason = 'length';
            return;
          }
          keep.push(row);
          last.push(token);
        });
        if (keep.length === 0) break;
        if (keep.length < active.length) {
          cache.kv.keepRows(keep);
          active = keep.map((row) => active[row]!);
        }
        logits = tidy(() => model.forwardCached(tensor(Int32Array.from(last), { shape: [last.length, 1], device: model.device }).long(), cache.kv));
      }
      logits?.dispose();
      return outputs;
    } finally {
      cache.kv.dispose();
    }
  });
}

function checkPrompt(ids: readonly number[], model: CausalLM, i: number): void {
  if (ids.length === 0) throw new GenerationError('invalid', `request ${i}: the prompt is empty`);
  if (ids.length >= model.maxPositions) {
    throw new GenerationError('context', `request ${i}: the prompt has ${ids.length} tokens; the model handles ${model.maxPositions} positions, so it must be shorter (truncate it first)`);
  }
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= model.vocabSize) throw new GenerationError('invalid', `request ${i}: token id ${id} is outside the vocabulary (0 … ${model.vocabSize - 1})`);
  }
}

/**
 * Runs prompts through the model (in inference mode): returns a cache whose rows are the prompts
 * in order, with room for `extra` more columns, and the logits (B, V) of each prompt's last
 * position. `mode` as in `GenerateOptions.prefill`.
 */
export function prefillRows(model: CausalLM, prompts: readonly (readonly number[])[], extra: number, mode: PrefillMode): { kv: KVCache; logits: Tensor } {
  const lens = prompts.map((p) => p.length);
  const maxLen = Math.max(...lens);
  const total = lens.reduce((a, b) => a + b, 0);
  const batched = mode === 'batch' || (mode === 'auto' && prompts.length * maxLen - total <= total / 4);
  const maxBudget = extra;
  if (batched) {
    const B = prompts.length;
    const ids = new Int32Array(B * maxLen);
    const pads = lens.map((n) => maxLen - n);
    prompts.forEach((p, b) => ids.set(p, b * maxLen + pads[b]!));
    const kv = model.newCache(B, maxLen + maxBudget);
    try {
      const logits = tidy(() => model.forwardCached(tensor(ids, { shape: [B, maxLen], device: model.device }).long(), kv, { pads }));
      return { kv, logits };
    } catch (e) {
      kv.dispose();
      throw e;
    }
  }
  const kv = model.newCache(0);
  const rows: Tensor[] = [];
  try {
    for (const p of prompts) {
      const one = model.newCache(1, p.length + maxBudget);
      try {
        rows.push(tidy(() => model.forwardCached(tensor(Int32Array.from(p), { shape: [1, p.length], device: model.device }).long(), one)));
        kv.appendRows(one);
      } finally {
        one.dispose();
      }
    }
    const logits = tidy(() => cat(rows, 0));
    return { kv, logits };
  } catch (e) {
    kv.dispose();
    throw e;
  } finally {
    for (const t of rows) t.dispose();
  }
}
