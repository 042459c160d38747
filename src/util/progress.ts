/**
 * Progress of long work: items done of total, rate, ETA and extra counters (tokens/s,
 * failures). On a TTY one line is redrawn in place; otherwise a line is printed at most every
 * `intervalMs` (default 10 s), so that logs of batch jobs stay readable.
 */
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
}

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

  /** The status line as it would be printed. */
  line(): string {
    const { label, total, unit = 'items' } = this.opts;
    const parts: string[] = [];
    const pct = total ? ` (${((100 * this.done) / total).toFixed(1)}%)` : '';
    parts.push(`${label}: ${this.done}${total !== undefined ? `/${total}` : ''} ${unit}${pct}`);
    parts.push(`${formatRate(this.rate())} ${unit}/s`);
    const eta = this.etaSeconds();
    if (eta !== undefined && this.done < (total ?? 0)) parts.push(`ETA ${formatDuration(eta)}`);
    parts.push(`elapsed ${formatDuration((this.now() - this.start) / 1000)}`);
    for (const [k, v] of Object.entries(this.extras)) parts.push(`${k} ${typeof v === 'number' ? formatNumber(v) : v}`);
    return parts.join(' | ');
  }

  private maybePrint(force: boolean): void {
    if (this.opts.silent || this.finished) return;
    const t = this.now();
    const interval = this.tty ? 200 : (this.opts.intervalMs ?? 10_000);
    if (!force && t - this.lastPrint < interval) return;
    this.lastPrint = t;
    if (this.tty) {
      const cols = (this.opts.stream ?? process.stderr).columns ?? 120;
      this.stream.write(`\r${this.line().slice(0, cols - 1)}\x1b[K`);
    } else {
      this.stream.write(`${this.line()}\n`);
    }
  }

  /** Print the final line (always) and stop redrawing. */
  finish(extras?: ProgressExtras): void {
    if (extras) this.extras = { ...this.extras, ...extras };
    this.maybePrint(true);
    if (this.tty && !this.opts.silent) this.stream.write('\n');
    this.finished = true;
  }
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
