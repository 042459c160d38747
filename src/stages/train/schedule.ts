/**
 * The learning rate as a pure function of the optimizer step (nanoGPT `get_lr`): linear warm-up,
 * then cosine (or linear, or constant) decay to a floor. Resuming needs no scheduler state.
 */
export interface LrSchedule {
  /** Peak learning rate. */
  lr: number;
  kind: 'cosine' | 'linear' | 'constant';
  /** Warm-up steps (see `warmupSteps`). */
  warmup: number;
  /** Optimizer steps of the whole run. */
  total: number;
  /** Floor as a fraction of `lr`. */
  minLrRatio: number;
}

/** `ceil(ratio · total)`, as Hugging Face's `get_warmup_steps` (3% of 285 steps is 9). */
export function warmupSteps(ratio: number, total: number): number {
  return Math.ceil(ratio * total);
}

/**
 * The learning rate of optimizer step `step` (0-based):
 * - warm-up, `step < warmup`: `lr · (step + 1) / (warmup + 1)` — never 0, so no step is wasted
 *   (Hugging Face's schedule gives 0 to the first step; nanoGPT's does not);
 * - after: `p = (step − warmup) / (total − warmup)` in [0, 1), and
 *   cosine `min + (lr − min) · ½(1 + cos(πp))`, linear `min + (lr − min)(1 − p)`, constant `lr`,
 *   with `min = lr · minLrRatio` (0 by default: the decay ends at 0, like HF's cosine schedule).
 */
export function learningRate(step: number, s: LrSchedule): number {
  if (step < s.warmup) return (s.lr * (step + 1)) / (s.warmup + 1);
  if (s.kind === 'constant') return s.lr;
  const p = Math.min(1, (step - s.warmup) / Math.max(1, s.total - s.warmup));
  const min = s.lr * s.minLrRatio;
  const coeff = s.kind === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * p)) : 1 - p;
  return min + (s.lr - min) * coeff;
}
