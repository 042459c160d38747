/**
 * Typed errors shared by every layer. A `ClinsumError` carries a message meant for a user:
 * it names the file, line, field or value at fault and says how to fix it. The CLI prints
 * `clinsum: error: <message>` on one line for these, and exits with `exitCode`.
 *
 * Messages must never contain clinical text (report, summary or answer contents).
 */
export class ClinsumError extends Error {
  /** Machine-readable kind, stable across versions (e.g. `input`, `config`, `usage`, `torch`). */
  readonly code: string;
  /** Process exit status the CLI uses for this error. */
  readonly exitCode: number;

  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** Where in an external input a problem sits. */
export interface InputLocation {
  file?: string;
  /** 1-based line number (JSONL, YAML). */
  line?: number;
  /** Dotted field path, e.g. `teacher.base_url` or `rows[3].summary`. */
  field?: string;
}

export function formatLocation(loc: InputLocation): string {
  let s = loc.file ?? '';
  if (loc.line !== undefined) s += `${s ? ':' : 'line '}${loc.line}`;
  if (loc.field !== undefined) s += `${s ? ': ' : ''}field \`${loc.field}\``;
  return s;
}

/** Bad external input: a file, a JSONL line, an HTTP body. `fix` says what to do about it. */
export class InputError extends ClinsumError {
  readonly location: InputLocation;
  readonly fix: string | undefined;

  constructor(location: InputLocation, problem: string, fix?: string, options?: { cause?: unknown }) {
    const where = formatLocation(location);
    super('input', `${where ? `${where}: ` : ''}${problem}${fix ? ` (${fix})` : ''}`, options);
    this.location = location;
    this.fix = fix;
  }
}

/** A configuration value that is missing, malformed or inconsistent. */
export class ConfigError extends ClinsumError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config', message, options);
  }
}

/** Wrong command-line usage: unknown flag, missing argument. Exit status 2. */
export class UsageError extends ClinsumError {
  constructor(message: string) {
    super('usage', message, { exitCode: 2 });
  }
}

/** A run stopped on purpose (budget reached, user interrupt) — not a failure of the program. */
export class StoppedError extends ClinsumError {
  constructor(message: string, exitCode = 0) {
    super('stopped', message, { exitCode });
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
