/**
 * What the trainer's errors and log lines tell the user to do, in the caller's words: `clinsum
 * train` takes flags (`--resume`, `--keyinfo`, `--out`), `clinsum run` a configuration file and
 * the same command again. The trainer never names a flag itself; its caller passes `TrainHints`
 * (default: the CLI's, `CLI_TRAIN_HINTS`).
 */
export interface TrainHints {
  /** Continue this run from its newest checkpoint; a clause before "to continue", e.g. `rerun with --resume`. */
  resume: string;
  /** Keep this run and train elsewhere instead, e.g. `choose another --out`. */
  newRun: string;
  /** Train again from `checkpoint` with other settings (e.g. a lower lr). */
  changeSettings: (checkpoint: string) => string;
  /** Give the training records key information (γ < 1), e.g. `run the teacher stage and pass its keyinfo.jsonl with --keyinfo`. */
  keyinfo: string;
  /** Train without key information, e.g. `set gamma 1 (--gamma 1) for plain fine-tuning`. */
  noKeyinfo: string;
}

/** `clinsum train`'s wording: its flags. */
export const CLI_TRAIN_HINTS: Readonly<TrainHints> = Object.freeze({
  resume: 'rerun with --resume',
  newRun: 'choose another --out',
  changeSettings: (checkpoint: string) => `start a new --out with --model ${checkpoint}`,
  keyinfo: 'run the teacher stage (clinsum extract) and pass its keyinfo.jsonl with --keyinfo',
  noKeyinfo: 'set gamma 1 (--gamma 1) for plain fine-tuning',
});
