/** What the pipeline runner needs to know of a stage. */
import type { Logger } from '../util/log.js';

/** What a stage reads: hashed before it runs, to decide whether it must run at all. */
export interface StageInputs {
  /** The configuration the stage reads (hashed as canonical JSON: key order does not matter). */
  config: unknown;
  /** Files and folders it reads, absolute paths (folders are hashed file by file). */
  files: readonly string[];
}

export interface StageContext {
  /** The run directory (absolute). */
  runDir: string;
  /** Aborted on Ctrl-C / SIGTERM: stop soon, leave resumable state, return `interrupted`. */
  signal: AbortSignal;
  /** Progress and diagnostics (stderr). Never clinical text. */
  log: Logger;
  /** Where progress lines go. */
  progress: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /**
   * True when an earlier attempt with the same inputs did not finish (crash, Ctrl-C, error):
   * a resumable stage continues its work; otherwise the runner called `clean` first.
   */
  resume: boolean;
}

export type StageOutcome =
  /** Finished: `outputs` (relative to the run directory) exist and are complete. */
  | { status: 'done'; outputs: readonly string[]; message?: string }
  /** Stopped by the signal; state is left so that the next run resumes. */
  | { status: 'interrupted'; message?: string }
  /** Stopped on purpose, not by an error (a teacher budget was reached); the next run continues. */
  | { status: 'stopped'; message: string };

export interface Stage {
  /** Unique, no spaces: `split`, `extract`, `train.standard`, … */
  readonly name: string;
  /** One line: what it does. */
  readonly summary: string;
  /** Resumes inside after an interruption (extract, train, generate); others start over. */
  readonly resumable: boolean;
  inputs(): StageInputs;
  /** Removes what an earlier attempt left, before a fresh start (inputs changed, or not resumable). */
  clean(): void;
  run(ctx: StageContext): Promise<StageOutcome>;
}
