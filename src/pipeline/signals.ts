/**
 * Ctrl-C for long runs: the first SIGINT/SIGTERM aborts a signal (the stage in progress stops
 * cleanly and leaves resumable state); a second one exits at once with status 130.
 */
import type { Logger } from '../util/log.js';

export interface InterruptSignal {
  readonly signal: AbortSignal;
  /** Removes the handlers. */
  dispose(): void;
}

export function interruptSignal(log: Logger, proc: NodeJS.Process = process): InterruptSignal {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      log.warn(`${sig}: stopping the stage in progress cleanly (send it again to quit at once)`);
      controller.abort();
      return;
    }
    log.warn(`${sig}: quitting now; run the same command to resume from the last saved state`);
    proc.exit(130);
  };
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      proc.off('SIGINT', onSignal);
      proc.off('SIGTERM', onSignal);
    },
  };
}
