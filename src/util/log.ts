/**
 * Diagnostics go to stderr through one logger, so that `--quiet` and `CLINSUM_LOG` govern them
 * all. Never pass clinical text (reports, summaries, model answers) to the logger: log ids,
 * counts and hashes instead.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  readonly level: LogLevel;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; defaults to process.stderr. */
  write?: (line: string) => void;
}

function envLevel(): LogLevel {
  const v = process.env.CLINSUM_LOG;
  return v === 'debug' || v === 'info' || v === 'warn' || v === 'error' || v === 'silent' ? v : 'info';
}

/** Whether `log` prints messages of `level`. */
export function logsAt(log: Pick<Logger, 'level'>, level: Exclude<LogLevel, 'silent'>): boolean {
  return order[level] >= order[log.level];
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? envLevel();
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const at = (l: LogLevel, prefix: string) => (msg: string) => {
    if (order[l] >= order[level]) write(`${prefix}${msg}\n`);
  };
  return {
    level,
    debug: at('debug', 'debug: '),
    info: at('info', ''),
    warn: at('warn', 'warning: '),
    error: at('error', 'error: '),
  };
}

/** A logger that drops everything (tests, libraries used quietly). */
export const silentLogger: Logger = createLogger({ level: 'silent' });
