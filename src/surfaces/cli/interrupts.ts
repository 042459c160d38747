/**
 * Ctrl-C for long commands (`clinsum extract`, `clinsum generate`): the first SIGINT or SIGTERM
 * aborts the signal handed to `fn`, whose stage stops at its next safe point, keeps what is
 * complete and throws a `StoppedError` (exit status 130); a second one exits at once with 130.
 */
import { StoppedError } from '../../util/errors.js';
import type { CliIO } from './command.js';

export interface InterruptOptions {
  /** The command, for the abort reason (`generate`). */
  command: string;
  /** What the first signal does, e.g. `stopping after the current batch`. */
  stopping: string;
}

export async function withInterrupts<T>(io: CliIO, options: InterruptOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (ac.signal.aborted) process.exit(130);
    io.stderr.write(`\nclinsum: ${name}: ${options.stopping} (again to quit at once)\n`);
    ac.abort(new StoppedError(`${options.command}: ${name}`, 130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
