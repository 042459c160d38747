/**
 * Optional requests-per-minute and tokens-per-minute limits, as two token buckets shared by all
 * workers. Every attempt (retries included) takes one request and its estimated tokens (prompt +
 * max completion) before it is sent; `settle` returns the difference once the usage is known.
 * Waiters are served first-come first-served.
 */

export interface RateLimits {
  /** Requests sent per minute, retries included. */
  requestsPerMinute?: number;
  /** Prompt + completion tokens per minute (estimated before, corrected after each answer). */
  tokensPerMinute?: number;
}

/** Time source, injectable for tests. */
export interface LimiterClock {
  now(): number;
  schedule(fn: () => void, ms: number): { cancel(): void };
}

const realClock: LimiterClock = {
  now: () => performance.now(),
  schedule(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

/** Seconds of traffic a bucket may release at once: small, so a burst cannot trip a per-second enforcement. */
const BURST_SECONDS = 5;

export class TokenBucket {
  readonly capacity: number;
  private readonly perMs: number;
  private level: number;
  private last: number;

  constructor(perMinute: number, now: number) {
    if (!Number.isFinite(perMinute) || perMinute <= 0) throw new RangeError(`a per-minute limit must be > 0, got ${perMinute}`);
    this.perMs = perMinute / 60_000;
    this.capacity = Math.max(1, (perMinute * BURST_SECONDS) / 60);
    this.level = this.capacity;
    this.last = now;
  }

  private refill(now: number): void {
    this.level = Math.min(this.capacity, this.level + (now - this.last) * this.perMs);
    this.last = now;
  }

  /**
   * Ms until `n` can be taken. A request larger than the bucket waits for a full bucket and then
   * goes into debt, which later requests pay back, so the long-run rate still holds.
   */
  waitMs(n: number, now: number): number {
    this.refill(now);
    const need = Math.min(n, this.capacity);
    return this.level >= need ? 0 : (need - this.level) / this.perMs;
  }

  take(n: number, now: number): void {
    this.refill(now);
    this.level -= n;
  }

  /** Give back (positive) or charge (negative) tokens after the fact. */
  adjust(n: number, now: number): void {
    this.refill(now);
    this.level = Math.min(this.capacity, this.level + n);
  }
}

export interface Reservation {
  tokens: number;
}

interface Waiter {
  tokens: number;
  resolve: (r: Reservation) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class RateLimiter {
  private readonly requests: TokenBucket | undefined;
  private readonly tokens: TokenBucket | undefined;
  private readonly clock: LimiterClock;
  private readonly queue: Waiter[] = [];
  private timer: { cancel(): void } | undefined;

  constructor(limits: RateLimits, clock: LimiterClock = realClock) {
    this.clock = clock;
    const now = clock.now();
    this.requests = limits.requestsPerMinute !== undefined ? new TokenBucket(limits.requestsPerMinute, now) : undefined;
    this.tokens = limits.tokensPerMinute !== undefined ? new TokenBucket(limits.tokensPerMinute, now) : undefined;
  }

  get active(): boolean {
    return this.requests !== undefined || this.tokens !== undefined;
  }

  /** Wait for room for one request of about `tokens` tokens. Rejects with the signal's reason when aborted. */
  acquire(tokens: number, signal?: AbortSignal): Promise<Reservation> {
    if (!this.active) return Promise.resolve({ tokens: 0 });
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Reservation>((resolve, reject) => {
      const w: Waiter = { tokens: this.tokens ? tokens : 0, resolve, reject, signal, onAbort: undefined };
      if (signal) {
        w.onAbort = () => {
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal.reason);
          this.pump();
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.queue.push(w);
      if (this.queue.length === 1) this.pump();
    });
  }

  /** Correct the token bucket once the real usage of a reserved request is known. */
  settle(reservation: Reservation, actualTokens: number): void {
    if (!this.tokens || reservation.tokens <= 0) return;
    this.tokens.adjust(reservation.tokens - actualTokens, this.clock.now());
    if (this.queue.length > 0) this.pump();
  }

  private pump(): void {
    this.timer?.cancel();
    this.timer = undefined;
    for (;;) {
      const w = this.queue[0];
      if (!w) return;
      const now = this.clock.now();
      const wait = Math.max(this.requests?.waitMs(1, now) ?? 0, this.tokens?.waitMs(w.tokens, now) ?? 0);
      if (wait > 0) {
        this.timer = this.clock.schedule(() => this.pump(), Math.ceil(wait));
        return;
      }
      this.requests?.take(1, now);
      this.tokens?.take(w.tokens, now);
      this.queue.shift();
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.resolve({ tokens: w.tokens });
    }
  }
}
