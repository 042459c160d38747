/**
 * `metrics.jsonl` of a training run (docs/run-directory.md): one row per logged optimizer step
 * and one per evaluation, appended and fsynced as they happen. On resume the rows past the
 * checkpoint's step (written by the interrupted process after its last checkpoint) are dropped,
 * so the file reads as one uninterrupted run.
 */
import { existsSync } from 'node:fs';
import { appendJsonl, readJsonlTolerant, writeJsonlAtomic } from '../../util/jsonl.js';
import { z } from '../../util/schema.js';
import type { EvalResult } from './validate.js';

export interface TrainRow {
  step: number;
  epoch: number;
  loss: number;
  loss_sum: number | null;
  loss_ext: number | null;
  lr: number;
  grad_norm: number;
  /** Supervised tokens of the step. */
  tokens: number;
  /** Supervised tokens per second of the step (forward, backward and update). */
  tokens_per_s: number;
  time: string;
}

export interface EvalRow {
  step: number;
  eval: EvalResult & { best: boolean };
}

export type MetricsRow = TrainRow | EvalRow;

const anyRow = z.looseObject({ step: z.number().int().nonnegative() });

export class MetricsFile {
  constructor(readonly file: string) {}

  /** Starts an empty file (a new run). */
  reset(): void {
    writeJsonlAtomic(this.file, []);
  }

  /** Keeps the rows of steps ≤ `step` (and drops a torn last line); returns how many were dropped. */
  truncateAfter(step: number): number {
    if (!existsSync(this.file)) {
      this.reset();
      return 0;
    }
    const { rows, torn } = readJsonlTolerant(this.file, anyRow);
    const kept = rows.filter((r) => r.value.step <= step).map((r) => r.value);
    const dropped = rows.length - kept.length + (torn ? 1 : 0);
    if (dropped > 0) writeJsonlAtomic(this.file, kept);
    return dropped;
  }

  append(row: MetricsRow): void {
    appendJsonl(this.file, [row]);
  }

  /** Whether an evaluation row of `step` was written. */
  hasEvalAt(step: number): boolean {
    if (!existsSync(this.file)) return false;
    return readJsonlTolerant(this.file, anyRow).rows.some((r) => r.value.step === step && 'eval' in r.value);
  }

  /** Whether the file exists and has rows (a run already wrote here). */
  hasRows(): boolean {
    if (!existsSync(this.file)) return false;
    return readJsonlTolerant(this.file, anyRow).rows.length > 0;
  }
}
