/**
 * One optimizer step over its micro-batches — the unit `train()` repeats and the GPU benchmark
 * times: set the learning rate, for each micro-batch collate, forward, weighted loss and
 * backward (gradients accumulate), check the loss is finite, clip, check the norm is finite,
 * update, zero the gradients.
 */
import { AdamW, autocast, clipGradNorm, keep, tidy, type Device, type Tensor } from '../../engine/index.js';
import type { FormattedExample } from '../../data/format.js';
import { collate, countTokens, type Collated, type TaskCounts } from './batching.js';
import type { TrainConfig } from './config.js';
import type { TrainableLM } from './lm.js';
import { microBatchLoss, sumsByTask, taskWeights, type LossReduction, type LossSums } from './objective.js';

/** Runs model computations in the run's precision: bf16 autocast (fp32 master weights) or plain fp32. */
export type Compute = <T>(fn: () => T) => T;

/** bf16 autocast on CUDA for `auto`; `bf16` forces it (CPU autocast too); `fp32` never. */
export function precisionCompute(precision: TrainConfig['precision'], device: Device): { bf16: boolean; compute: Compute } {
  const bf16 = precision === 'bf16' || (precision === 'auto' && device !== 'cpu');
  const deviceType = device === 'cpu' ? 'cpu' : 'cuda';
  return { bf16, compute: <T>(fn: () => T): T => (bf16 ? autocast(fn, { deviceType, dtype: 'bfloat16' }) : fn()) };
}

/** The paper's AdamW settings (`optimizer` of configs/train.default.yaml; a test keeps them equal). */
export const PAPER_OPTIMIZER: Readonly<TrainConfig['optimizer']> = Object.freeze({ lr: 1e-5, weight_decay: 0.01, betas: [0.9, 0.999] as [number, number], eps: 1e-8, no_decay: ['norm', 'bias'] });

/** Parameters split into AdamW groups: weight decay except where the name contains a `no_decay` pattern. */
export function parameterGroups(model: TrainableLM, weightDecay: number, noDecay: readonly string[]): { decay: [string, Tensor][]; noDecay: [string, Tensor][] } {
  const decay: [string, Tensor][] = [];
  const nd: [string, Tensor][] = [];
  for (const [n, p] of model.namedParameters()) (noDecay.some((s) => n.includes(s)) ? nd : decay).push([n, p]);
  return { decay: weightDecay > 0 ? decay : [], noDecay: weightDecay > 0 ? nd : [...decay, ...nd] };
}

/** AdamW over the model's parameters in two groups (with and without weight decay). */
export function buildOptimizer(model: TrainableLM, o: Readonly<TrainConfig['optimizer']>): AdamW {
  const g = parameterGroups(model, o.weight_decay, o.no_decay);
  return new AdamW(
    [
      { params: g.decay.map(([, p]) => p), weightDecay: o.weight_decay },
      { params: g.noDecay.map(([, p]) => p), weightDecay: 0 },
    ],
    { lr: o.lr, betas: o.betas, eps: o.eps },
  );
}

export interface StepRunner {
  model: TrainableLM;
  optimizer: AdamW;
  gamma: number;
  reduction: LossReduction;
  /** Activation checkpointing. */
  checkpoint: boolean;
  maxGradNorm: number | null;
  padId: number;
  compute: Compute;
}

export type StepOutcome =
  | { ok: true; sums: LossSums; counts: TaskCounts; gradNorm: number }
  /** Not finite: nothing was updated and the gradients are cleared. */
  | { ok: false; what: string };

/** One micro-batch: forward, weighted loss, backward (plain or checkpointed). Returns its per-task loss sums. */
function forwardBackward(r: StepRunner, c: Collated, weights: TaskCounts): LossSums {
  let perToken: Tensor | undefined;
  try {
    r.compute(() =>
      r.model.lossAndBackward(
        { inputIds: c.inputIds, logitsAt: c.logitsAt },
        (logits) => {
          const l = microBatchLoss(logits, c, weights);
          // The (N, V) logits are not needed by the backward pass (log-softmax keeps its own
          // output): freeing the handle now lowers the peak by one (N, V) buffer.
          logits.dispose();
          perToken = keep(l.perToken);
          return l.loss;
        },
        { checkpoint: r.checkpoint },
      ),
    );
    return sumsByTask(perToken!, c.tasks);
  } finally {
    perToken?.dispose();
  }
}

/**
 * One optimizer step at learning rate `lr` over `micro` (the step's micro-batches). The token
 * weights use the counts of the whole step, so accumulation equals one big batch.
 */
export function optimizerStep(r: StepRunner, micro: readonly (readonly FormattedExample[])[], lr: number): StepOutcome {
  const counts = countTokens(micro.flat());
  const weights = taskWeights(counts, r.gamma, r.reduction);
  r.optimizer.setLr(lr);
  const sums: LossSums = { sum: 0, ext: 0 };
  for (const mb of micro) {
    const s = tidy(() => forwardBackward(r, collate(mb, r.padId, r.model.device), weights));
    sums.sum += s.sum;
    sums.ext += s.ext;
    if (!Number.isFinite(s.sum + s.ext)) {
      r.optimizer.zeroGrad();
      return { ok: false, what: `the loss is ${s.sum + s.ext}` };
    }
  }
  const params = r.model.namedParameters().map(([, p]) => p);
  const gradNorm = clipGradNorm(params, r.maxGradNorm ?? Infinity);
  if (!Number.isFinite(gradNorm)) {
    r.optimizer.zeroGrad();
    return { ok: false, what: `the gradient norm is ${gradNorm}` };
  }
  r.optimizer.step();
  r.optimizer.zeroGrad();
  return { ok: true, sums, counts, gradNorm };
}
