/**
 * The distillation objective `L = γ·L_sum + (1−γ)·L_ext` in one pass over a mixed batch.
 *
 * Per optimizer step, over its whole effective batch (every micro-batch of the step, so
 * gradient accumulation gives the gradient of one big batch), with N_sum and N_ext the
 * supervised tokens of each task and lᵢ the cross-entropy of target i:
 *
 * - `mean` (default): wᵢ = γ/N_sum on summary tokens, (1−γ)/N_ext on extraction tokens, and
 *   L = Σ wᵢ·lᵢ = γ·mean(l over sum) + (1−γ)·mean(l over ext);
 * - `sum` (the paper's literal token sums): wᵢ = γ or 1−γ, L = γ·Σ_sum lᵢ + (1−γ)·Σ_ext lᵢ.
 *
 * A step without extraction tokens (a batch of records without key information, or γ = 1) has
 * no L_ext term: L = γ·L_sum. The missing term contributes nothing, and the summary term keeps
 * its weight γ — so the summary gradient has the same scale in every step (AdamW is nearly
 * scale-invariant anyway). Likewise a step without summary tokens has L = (1−γ)·L_ext. The log
 * then shows `loss_ext: null`.
 *
 * L_sum and L_ext are read from the same per-token losses as L (no second pass).
 */
import { crossEntropy, tensor, type Tensor } from '../../engine/index.js';
import { TASK_CODE, type Collated, type TaskCounts } from './batching.js';

export type LossReduction = 'mean' | 'sum';

/** The weight of one supervised token of each task in a step with `counts` tokens. */
export function taskWeights(counts: TaskCounts, gamma: number, reduction: LossReduction): TaskCounts {
  if (reduction === 'sum') return { sum: gamma, ext: 1 - gamma };
  return { sum: counts.sum > 0 ? gamma / counts.sum : 0, ext: counts.ext > 0 ? (1 - gamma) / counts.ext : 0 };
}

/** Per-task sums of the per-token losses of a micro-batch (float64, on the host). */
export interface LossSums {
  sum: number;
  ext: number;
}

/**
 * The weighted loss of one micro-batch, ready for `backward()`, and its per-token losses
 * (detached; read them with `sumsByTask` after the backward, so the host waits once).
 * `logits` (N, V) are the model's logits at `c.logitsAt` (already shifted by `collate`).
 */
export function microBatchLoss(logits: Tensor, c: Collated, weights: TaskCounts): { loss: Tensor; perToken: Tensor } {
  const perToken = crossEntropy(logits, c.targets, { reduction: 'none' });
  const loss = perToken.mul(tensorWeights(c, weights, perToken)).sum();
  return { loss, perToken: perToken.detach() };
}

function tensorWeights(c: Collated, weights: TaskCounts, like: Tensor): Tensor {
  const w = new Float64Array(c.tasks.length);
  const ws = weights.sum;
  const we = weights.ext;
  for (let i = 0; i < w.length; i++) w[i] = c.tasks[i] === TASK_CODE.sum ? ws : we;
  return tensor(w, { device: like.device, dtype: like.dtype });
}

/** Σ lᵢ per task, read back once (N floats). */
export function sumsByTask(perToken: Tensor, tasks: Uint8Array): LossSums {
  const l = perToken.dtype === 'float64' ? perToken.toFloat64Array() : perToken.toFloat32Array();
  let s = 0;
  let e = 0;
  for (let i = 0; i < l.length; i++) {
    if (tasks[i] === TASK_CODE.sum) s += l[i]!;
    else e += l[i]!;
  }
  return { sum: s, ext: e };
}

/** The logged losses of a step (or of an evaluation). */
export interface StepLosses {
  /** γ·loss_sum + (1−γ)·loss_ext (a missing term counts 0). */
  loss: number;
  loss_sum: number | null;
  loss_ext: number | null;
}

/** Combines per-task loss sums and token counts into L, L_sum, L_ext under `reduction`. */
export function combineLosses(sums: LossSums, counts: TaskCounts, gamma: number, reduction: LossReduction): StepLosses {
  const part = (s: number, n: number): number | null => (n === 0 ? null : reduction === 'mean' ? s / n : s);
  const ls = part(sums.sum, counts.sum);
  const le = part(sums.ext, counts.ext);
  return { loss: gamma * (ls ?? 0) + (1 - gamma) * (le ?? 0), loss_sum: ls, loss_ext: le };
}
