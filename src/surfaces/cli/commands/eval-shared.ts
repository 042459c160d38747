/** Flags and helpers shared by the `eval` commands: ROUGE settings, bootstrap, progress. */
import { UsageError } from '../../../util/errors.js';
import { Progress } from '../../../util/progress.js';
import type { BootstrapOptions } from '../../../stages/evaluate/bootstrap.js';
import type { EvalProgress } from '../../../stages/evaluate/run.js';
import { SUMMARY_SPLITS, type SummarySplit } from '../../../stages/evaluate/rouge/sentences.js';
import { int, str, type FlagSpec, type ParsedFlags } from '../args.js';
import type { CliIO } from '../command.js';

export const BOOTSTRAP_FLAGS: FlagSpec = {
  samples: { type: 'string' },
  seed: { type: 'string' },
};

export const BOOTSTRAP_USAGE = `  --samples N          bootstrap resamples for the intervals (default 1000, as rouge-score)
  --seed N             seed of the resampling (default 42)`;

export function bootstrapFlags(f: ParsedFlags): BootstrapOptions {
  const samples = int(f, 'samples', { min: 1, max: 1_000_000 });
  const seed = int(f, 'seed', { min: 0, max: 0xffffffff });
  return { ...(samples !== undefined && { samples }), ...(seed !== undefined && { seed }) };
}

export function oneOf<T extends string>(f: ParsedFlags, name: string, allowed: readonly T[], fallback: T): T {
  const v = str(f, name);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

export function splitFlag(f: ParsedFlags): SummarySplit {
  return oneOf(f, 'split', SUMMARY_SPLITS, 'newline');
}

/** Progress lines on an interactive stderr only (ROUGE takes seconds; BERTScore may take minutes). */
export function progressReporter(io: CliIO): { onProgress: EvalProgress | undefined; finish(): void } {
  if ((io.stderr as { isTTY?: boolean }).isTTY !== true) return { onProgress: undefined, finish: () => undefined };
  const bars = new Map<string, Progress>();
  return {
    onProgress: ({ system, metric, done, total }) => {
      const key = `${system} ${metric}`;
      let bar = bars.get(key);
      if (bar === undefined) {
        bar = new Progress({ label: key, total, unit: 'pairs', stream: io.stderr });
        bars.set(key, bar);
      }
      bar.update(done);
      if (done === total) {
        bar.finish();
        bars.delete(key);
      }
    },
    finish: () => {
      bars.forEach((b) => b.finish());
      bars.clear();
    },
  };
}
