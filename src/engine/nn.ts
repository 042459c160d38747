/**
 * Functional neural-network ops (torch.nn.functional): the pieces a Qwen2 or BERT model, its
 * loss and its sampler are built from. Each returns a new owned Tensor.
 */
import { TorchError } from './errors.js';
import { N } from './native.js';
import { handleOf, wrap, type Tensor } from './tensor.js';
import type { RandomGenerator } from './generator.js';

/** `x @ weight.T + bias`, weight (out, in) as in torch.nn.Linear. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  return wrap(N.linear(handleOf(x), handleOf(weight), bias === undefined ? undefined : handleOf(bias)));
}

/** Rows of `weight` (num, dim) picked by int64 `indices`; `paddingIdx` rows get no gradient. */
export function embedding(weight: Tensor, indices: Tensor, options: { paddingIdx?: number } = {}): Tensor {
  return wrap(N.embedding(handleOf(weight), handleOf(indices), options.paddingIdx ?? -1));
}

/** Layer normalisation over the trailing `normalizedShape` dimensions (BERT: eps 1e-12). */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor, bias?: Tensor, eps = 1e-5): Tensor {
  return wrap(N.layerNorm(handleOf(x), normalizedShape, weight === undefined ? undefined : handleOf(weight), bias === undefined ? undefined : handleOf(bias), eps));
}

/**
 * RMS normalisation over the last dimension exactly as Hugging Face's Qwen2RMSNorm:
 * half-precision input is normalised in float32, cast back, then scaled by `weight`.
 */
export function rmsNorm(x: Tensor, weight?: Tensor, eps = 1e-6): Tensor {
  return wrap(N.rmsNorm(handleOf(x), weight === undefined ? undefined : handleOf(weight), eps));
}

/** Inverted dropout: zeroes with probability p and scales by 1/(1-p) when `training`. */
export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  if (!(p >= 0 && p <= 1)) throw new TorchError(`dropout probability must be in [0, 1], got ${p}`, 'dropout', 'argument');
  return wrap(N.dropout(handleOf(x), p, training));
}

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  /** Targets equal to this contribute nothing (default -100). */
  ignoreIndex?: number;
  /** Default 'mean' (over non-ignored targets, or weighted: Σ w·l / Σ w). */
  reduction?: Reduction;
  /**
   * Per-target weights, the shape of `targets`: each target's loss is multiplied by its weight.
   * With 'sum' this is Σ wᵢ·lᵢ (e.g. γ/N_sum and (1−γ)/N_ext give γ·L_sum + (1−γ)·L_ext in one
   * pass); with 'mean' it is Σ wᵢ·lᵢ / Σ wᵢ over non-ignored targets; 'none' gives wᵢ·lᵢ.
   */
  weights?: Tensor;
  /** Per-class weights (C), as torch's `weight` argument. */
  classWeights?: Tensor;
  labelSmoothing?: number;
}

const REDUCTION: Readonly<Record<Reduction, number>> = { none: 0, mean: 1, sum: 2 };

/**
 * Cross-entropy of `logits` (N, C) — or (N, C, d...) — against int64 class `targets` (N)
 * — or (N, d...) —, as torch.nn.functional.cross_entropy, plus per-target `weights`.
 */
export function crossEntropy(logits: Tensor, targets: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  const code = REDUCTION[reduction];
  if (code === undefined) throw new TorchError(`reduction must be mean, sum or none, got ${String(reduction)}`, 'crossEntropy', 'argument');
  const ignoreIndex = options.ignoreIndex ?? -100;
  const cw = options.classWeights === undefined ? undefined : handleOf(options.classWeights);
  const smoothing = options.labelSmoothing ?? 0;
  const w = options.weights;
  if (w === undefined) return wrap(N.crossEntropy(handleOf(logits), handleOf(targets), cw, code, ignoreIndex, smoothing));
  const ts = targets.shape;
  const ws = w.shape;
  if (ts.length !== ws.length || ts.some((d, i) => d !== ws[i])) {
    throw new TorchError(`weights must have the targets' shape [${ts.join(', ')}], got [${ws.join(', ')}]`, 'crossEntropy', 'argument');
  }
  const hs: number[] = [];
  const own = (h: number): number => {
    hs.push(h);
    return h;
  };
  try {
    const perTarget = own(N.crossEntropy(handleOf(logits), handleOf(targets), cw, 0, ignoreIndex, smoothing));
    const weighted = own(N.mul(perTarget, handleOf(w)));
    if (reduction === 'none') {
      hs.pop();
      return wrap(weighted);
    }
    const total = own(N.sum(weighted, undefined, false, undefined));
    if (reduction === 'sum') {
      hs.pop();
      return wrap(total);
    }
    const valid = own(N.neScalar(handleOf(targets), ignoreIndex));
    const denom = own(N.sum(own(N.mul(handleOf(w), valid)), undefined, false, undefined));
    return wrap(N.div(total, denom));
  } finally {
    for (const h of hs) N.free(h);
  }
}

export interface AttentionOptions {
  /** Causal mask, aligned bottom-right: query i sees keys ≤ i + (Tk − Tq) (KV-cache decoding). */
  causal?: boolean;
  /** (B, Tk) bool, true where a key exists (false = padding). */
  keyPadding?: Tensor;
  /** Further mask broadcastable to (B, H, Tq, Tk): bool (true = attend) or additive float. */
  mask?: Tensor;
  /** Attention dropout probability (pass 0 in evaluation). */
  dropoutP?: number;
  /** Score scale; default 1/√D. */
  scale?: number;
}

/**
 * Scaled dot-product attention: q (B, H, Tq, D), k and v (B, Hk, Tk, D) with H a multiple of
 * Hk (grouped-query attention repeats each key/value head H/Hk times). Uses libtorch's fused
 * kernels (flash / memory-efficient on CUDA) where the mask allows. Query rows that may attend
 * to no key (e.g. left padding) give zeros, not NaN.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  return wrap(
    N.attention(
      handleOf(q),
      handleOf(k),
      handleOf(v),
      options.keyPadding === undefined ? undefined : handleOf(options.keyPadding),
      options.mask === undefined ? undefined : handleOf(options.mask),
      options.causal ?? false,
      options.dropoutP ?? 0,
      options.scale,
    ),
  );
}

/**
 * Draws `numSamples` category indices (int64, shape (..., numSamples)) from probabilities
 * (..., V). With replacement (the default) the uniforms come from `generator` on the CPU, so a
 * seed gives the same tokens on every device; without replacement the probabilities must be
 * on the CPU when a generator is given.
 */
export function multinomial(probs: Tensor, options: { numSamples?: number; replacement?: boolean; generator?: RandomGenerator } = {}): Tensor {
  return wrap(N.multinomial(handleOf(probs), options.numSamples ?? 1, options.replacement ?? true, options.generator?.handle));
}
