/**
 * Bootstrap confidence intervals, as rouge-score's `BootstrapAggregator` computes them:
 * draw `samples` (1000) resamples of the n pairs with replacement, take the mean of each, and
 * report the percentiles `(1−c)/2`, 50 and `1−(1−c)/2` of those means (c = 0.95) as low, mid
 * and high, interpolated linearly between order statistics exactly as `numpy.percentile`'s
 * default method does.
 *
 * Resampling uses clinsum's documented `Prng` (xoshiro128**, util/prng.ts), seeded, so the
 * intervals are identical on every machine; they are not numpy's random stream, so low/mid/high
 * differ from a rouge-score run by sampling noise (the means themselves are exact). One set of
 * indices per resample serves every column of a table, so intervals of different metrics come
 * from the same resamples.
 */
import { ConfigError } from '../../util/errors.js';
import { Prng } from '../../util/prng.js';

export interface BootstrapOptions {
  /** Resamples; rouge-score's default 1000. */
  samples?: number;
  /** Confidence of the interval; rouge-score's default 0.95. */
  confidence?: number;
  /** Base seed; each group (language, ...) derives its own with `Prng.deriveSeed`. Default 42. */
  seed?: number;
}

export interface ResolvedBootstrap {
  samples: number;
  confidence: number;
  seed: number;
}

export const DEFAULT_BOOTSTRAP: Readonly<ResolvedBootstrap> = Object.freeze({ samples: 1000, confidence: 0.95, seed: 42 });

export function resolveBootstrap(options: BootstrapOptions = {}): ResolvedBootstrap {
  const r = { ...DEFAULT_BOOTSTRAP, ...options };
  if (!Number.isInteger(r.samples) || r.samples < 1) throw new ConfigError(`bootstrap samples must be a positive integer, got ${r.samples}`);
  if (!(r.confidence >= 0 && r.confidence <= 1)) throw new ConfigError(`bootstrap confidence must be in [0, 1], got ${r.confidence}`);
  if (!Number.isInteger(r.seed) || r.seed < 0 || r.seed > 0xffffffff) throw new ConfigError(`bootstrap seed must be an integer in [0, 2^32), got ${r.seed}`);
  return r;
}

export interface Interval {
  low: number;
  mid: number;
  high: number;
}

/** The resampling generator for one group (e.g. a language), derived from the base seed. */
export function groupPrng(seed: number, group: string): Prng {
  return new Prng(Prng.deriveSeed(seed, group));
}

/**
 * `samples` bootstrap means of every column: result[c][s] is the mean of column c over
 * resample s. All columns share resample s's indices. Columns must have equal, non-zero length.
 */
export function bootstrapMeans(columns: readonly ArrayLike<number>[], samples: number, rng: Prng): Float64Array[] {
  const n = columns[0]?.length ?? 0;
  if (n === 0) throw new RangeError('bootstrap needs at least one value');
  for (const c of columns) if (c.length !== n) throw new RangeError('bootstrap columns differ in length');
  const out = columns.map(() => new Float64Array(samples));
  const idx = new Int32Array(n);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]!;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += col[idx[i]!]!;
      out[c]![s] = sum / n;
    }
  }
  return out;
}

/**
 * numpy.percentile(values, q) with the default 'linear' method, for q in [0, 100], on values
 * sorted ascending: virtual index (n−1)·q/100, and numpy's two-sided lerp.
 */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('percentile of no values');
  const virtual = (n - 1) * (q / 100);
  if (virtual <= 0) return sorted[0]!;
  if (virtual >= n - 1) return sorted[n - 1]!;
  const below = Math.floor(virtual);
  const gamma = virtual - below;
  const a = sorted[below]!;
  const b = sorted[below + 1]!;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** rouge-score's low/mid/high of a bootstrap distribution (mid is the median, not the mean). */
export function intervalOf(means: ArrayLike<number>, confidence: number): Interval {
  const sorted = Float64Array.from(means).sort();
  const delta = (1 - confidence) / 2;
  return {
    low: percentileSorted(sorted, 100 * delta),
    mid: percentileSorted(sorted, 100 * 0.5),
    high: percentileSorted(sorted, 100 * (1 - delta)),
  };
}

/** Arithmetic mean, summed left to right (as Python's `sum(x) / len(x)`). */
export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}
