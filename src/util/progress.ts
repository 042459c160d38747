/**
 * Progress of long work: items done of total, rate, ETA and extra counters (tokens/s,
 * failures). On a TTY one line is redrawn in place, fitted to the terminal's width by leaving out
 * whole fields of low priority (never cutting one); otherwise a line is printed at most every
 * `intervalMs` (default 10 s), so that logs of batch jobs stay readable. Log lines written while
 * the line is shown go through `withProgress`, which clears it first and redraws it after.
 */
import { logsAt, type Logger, type LogLevel } from './log.js';

export interface ProgressOptions {
  /** Short label, e.g. `extract` or `train`. */
  label: string;
  total?: number;
  /** Unit of the items, plural (`reports`, `steps`). */
  unit?: string;
  /** Items already done before this process started (resumed work); excluded from the rate. */
  initial?: number;
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  intervalMs?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
  /** Print nothing (e.g. --quiet). */
  silent?: boolean;
  /**
   * Extras to keep first when a terminal line is too narrow for every field, most important
   * first. The count (and percentage) always stays; then the ETA, these extras, the rate, the
   * other extras, the elapsed time.
   */
  priority?: readonly string[];
}

/** One field of the status line and its rank (lower: kept longer on a narrow terminal). */
interface Field {
  text: string;
  rank: number;
}

const SEP = ' | ';

export type ProgressExtras = Record<string, string | number>;

export class Progress {
  private readonly opts: ProgressOptions;
  private readonly start: number;
  private readonly initial: number;
  private lastPrint = -Infinity;
  private done: number;
  private extras: ProgressExtras = {};
  private readonly tty: boolean;
  private finished = false;
  /** A TTY line is on screen (not yet cleared or ended by a newline). */
  private drawn = false;

  constructor(options: ProgressOptions) {
    this.opts = options;
    this.start = this.now();
    this.initial = options.initial ?? 0;
    this.done = this.initial;
    this.tty = Boolean(options.stream?.isTTY ?? (options.stream === undefined && process.stderr.isTTY));
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : performance.now();
  }

  private get stream(): NodeJS.WritableStream {
    return this.opts.stream ?? process.stderr;
  }

  /** Set the number of items done (absolute) and optional counters; redraws when due. */
  update(done: number, extras?: ProgressExtras): void {
    this.done = done;
    if (extras) this.extras = { ...this.extras, ...extras };
    this.maybePrint(false);
  }

  /** Add `n` items done. */
  tick(n = 1, extras?: ProgressExtras): void {
    this.update(this.done + n, extras);
  }

  /** Items per second since this process started (resumed items excluded). */
  rate(): number {
    const sec = (this.now() - this.start) / 1000;
    return sec > 0 ? (this.done - this.initial) / sec : 0;
  }

  /** Seconds left at the current rate, or undefined when unknown. */
  etaSeconds(): number | undefined {
    const total = this.opts.total;
    const r = this.rate();
    if (total === undefined || r <= 0) return undefined;
    return Math.max(0, (total - this.done) / r);
  }

  /** The fields of the status line, in their order on the line. */
  private fields(): Field[] {
    const { total, unit = 'items' } = this.opts;
    const priority = this.opts.priority ?? [];
    const out: Field[] = [{ text: this.head(), rank: 0 }];
    out.push({ text: `${formatRate(this.rate())} ${unit}/s`, rank: 100 });
    const eta = this.etaSeconds();
    if (eta !== undefined && this.done < (total ?? 0)) out.push({ text: `ETA ${formatDuration(eta)}`, rank: 1 });
    out.push({ text: `elapsed ${formatDuration((this.now() - this.start) / 1000)}`, rank: 300 });
    Object.entries(this.extras).forEach(([k, v], i) => {
      const p = priority.indexOf(k);
      out.push({ text: `${k} ${typeof v === 'number' ? formatNumber(v) : v}`, rank: p >= 0 ? 2 + p : 200 + i });
    });
    return out;
  }

  /** `label: done/total unit (pct%)`, or shorter forms for very narrow terminals. */
  private head(form: 0 | 1 | 2 = 0): string {
    const { label, total, unit = 'items' } = this.opts;
    const count = `${this.done}${total !== undefined ? `/${total}` : ''}`;
    const pct = total ? ` (${((100 * this.done) / total).toFixed(1)}%)` : '';
    if (form === 2) return count;
    if (form === 1) return `${count}${pct}`;
    return `${label}: ${count} ${unit}${pct}`;
  }

  /** The status line as it would be printed, every field. */
  line(): string {
    return this.fields()
      .map((f) => f.text)
      .join(SEP);
  }

  /**
   * The status line within `width` characters: whole fields are left out, lowest priority first
   * (a field that does not fit is skipped, a smaller one of lower priority may still fit); no
   * field is ever cut. When even the count does not fit, its shorter forms are tried.
   */
  fitLine(width: number): string {
    const fields = this.fields();
    let head = fields[0]!.text;
    for (const form of [1, 2] as const) if (head.length > width) head = this.head(form);
    const kept = new Set<Field>([fields[0]!]);
    let used = head.length;
    for (const f of [...fields.slice(1)].sort((a, b) => a.rank - b.rank)) {
      if (used + SEP.length + f.text.length > width) continue;
      kept.add(f);
      used += SEP.length + f.text.length;
    }
    return fields
      .filter((f) => kept.has(f))
      .map((f, i) => (i === 0 ? head : f.text))
      .join(SEP);
  }

  /** Removes the line from a terminal (before a log line is written under it). */
  clear(): void {
    if (!this.drawn) return;
    this.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  /** Draws the line again after `clear` (nothing when it was never drawn, or is finished). */
  redraw(): void {
    if (!this.tty || this.lastPrint === -Infinity) return;
    this.maybePrint(true);
  }

  private maybePrint(force: boolean): void {
    if (this.opts.silent || this.finished) return;
    const t = this.now();
    const interval = this.tty ? 200 : (this.opts.intervalMs ?? 10_000);
    if (!force && t - this.lastPrint < interval) return;
    this.lastPrint = t;
    if (this.tty) {
      const cols = (this.opts.stream ?? process.stderr).columns ?? 120;
      this.stream.write(`\r${this.fitLine(cols - 1)}\x1b[K`);
      this.drawn = true;
    } else {
      this.stream.write(`${this.line()}\n`);
    }
  }

  /** Print the final line (always) and stop redrawing. */
  finish(extras?: ProgressExtras): void {
    if (extras) this.extras = { ...this.extras, ...extras };
    this.maybePrint(true);
    if (this.tty && !this.opts.silent) this.stream.write('\n');
    this.drawn = false;
    this.finished = true;
  }
}

/**
 * `log` writing above `progress`: on a terminal the progress line is cleared before each log
 * line and drawn again after it, so that a log line never lands at the end of the progress line.
 * Both must write to the same terminal (as the CLI's logger and progress do, on stderr).
 */
export function withProgress(log: Logger, progress: Progress): Logger {
  const above = (level: Exclude<LogLevel, 'silent'>, write: (msg: string) => void) => (msg: string) => {
    if (!logsAt(log, level)) return;
    progress.clear();
    write(msg);
    progress.redraw();
  };
  return {
    level: log.level,
    debug: above('debug', (m) => log.debug(m)),
    info: above('info', (m) => log.info(m)),
    warn: above('warn', (m) => log.warn(m)),
    error: above('error', (m) => log.error(m)),
  };
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

function formatRate(r: number): string {
  if (r >= 100) return r.toFixed(0);
  if (r >= 10) return r.toFixed(1);
  return r.toFixed(2);
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v >= 100 ? v.toFixed(0) : v.toPrecision(3);
}
