/** `train/<model>/metrics.jsonl` → training and validation curves. */
import { readJsonlTolerant } from '../../../util/jsonl.js';
import { z } from '../../../util/schema.js';
import type { EvalPoint, TrainLog, TrainPoint } from '../model.js';
import { parseMetricsRow } from '../schemas.js';

/** Keep the last row of each step (a resumed run logs the steps after its checkpoint again), sorted by step. */
function lastPerStep<T extends { step: number }>(rows: readonly T[]): { points: T[]; repeated: number } {
  const byStep = new Map<number, T>();
  let repeated = 0;
  for (const r of rows) {
    if (byStep.has(r.step)) repeated++;
    byStep.set(r.step, r);
  }
  return { points: [...byStep.values()].sort((a, b) => a.step - b.step), repeated };
}

/**
 * Read a metrics file. Every line is checked (a bad line is an error naming file, line and
 * field); a torn last line, the trace of a trainer still appending or killed mid-write, is left
 * out and reported in `torn`.
 */
export function readTrainLog(file: string): TrainLog {
  const { rows, torn } = readJsonlTolerant(file, z.unknown());
  const steps: TrainPoint[] = [];
  const evals: EvalPoint[] = [];
  for (const { value, line } of rows) {
    const parsed = parseMetricsRow(value, { file, line });
    if (parsed.kind === 'train') {
      const r = parsed.row;
      steps.push({ step: r.step, loss: r.loss, lossSum: r.loss_sum ?? null, lossExt: r.loss_ext ?? null, lr: r.lr ?? null });
    } else {
      const { step, eval: e } = parsed.row;
      evals.push({
        step,
        loss: e.loss ?? null,
        lossSum: e.loss_sum ?? null,
        lossExt: e.loss_ext ?? null,
        rouge1: e.rouge1 ?? null,
        rouge2: e.rouge2 ?? null,
        rougeL: e.rougeL ?? null,
        rougeLsum: e.rougeLsum ?? null,
        metric: e.metric ?? null,
        score: e.score ?? null,
        best: e.best ?? false,
      });
    }
  }
  const s = lastPerStep(steps);
  const e = lastPerStep(evals);
  return { file, steps: s.points, evals: e.points, repeated: s.repeated + e.repeated, torn };
}
