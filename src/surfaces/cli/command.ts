/** The shape of one CLI command. Commands only parse arguments into typed options and call a stage. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  /** Words that select it, e.g. `data stats`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full help text (flags and an example). */
  usage: string;
  /** Runs the command; returns the exit status. Throws ClinsumError for expected failures. */
  run(argv: string[], io: CliIO): Promise<number>;
}
