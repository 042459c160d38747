/**
 * Paired bootstrap test between two systems scored on the same pairs (Koehn 2004, "Statistical
 * Significance Tests for Machine Translation Evaluation", §4; as used for ROUGE by Dror et al.
 * 2018): let d_i = a_i − b_i per pair and δ = mean(d). Draw `samples` resamples of the pair
 * indices with replacement (clinsum's seeded `Prng`) and compute δ* = mean(d) on each. The
 * one-sided p-value is the fraction of resamples whose δ* does not keep the sign of δ (δ* ≤ 0
 * when δ > 0, δ* ≥ 0 when δ < 0); p = 1 when δ = 0. A p of 0 means below 1/samples. The
 * interval is the percentile interval of the δ*.
 *
 * With several strata (languages), a resample draws each stratum's pairs within that stratum
 * and δ* is the mean of the per-stratum means: the test of the macro average.
 */
import { groupPrng, intervalOf, mean, type ResolvedBootstrap } from './bootstrap.js';
import type { Prng } from '../../util/prng.js';

export interface PairedSample {
  /** Scores of system A, one per pair. */
  a: ArrayLike<number>;
  /** Scores of system B on the same pairs, in the same order. */
  b: ArrayLike<number>;
}

export interface PairedBootstrapResult {
  pairs: number;
  meanA: number;
  meanB: number;
  /** meanA − meanB (for strata: the difference of the macro averages). */
  delta: number;
  /** Percentile interval of the resampled differences. */
  low: number;
  high: number;
  /** One-sided p-value that the sign of `delta` is due to chance. */
  p: number;
}

function differences(s: PairedSample): Float64Array {
  if (s.a.length !== s.b.length) throw new RangeError(`paired bootstrap needs equal lengths, got ${s.a.length} and ${s.b.length}`);
  if (s.a.length === 0) throw new RangeError('paired bootstrap needs at least one pair');
  const d = new Float64Array(s.a.length);
  for (let i = 0; i < d.length; i++) d[i] = s.a[i]! - s.b[i]!;
  return d;
}

/** Paired bootstrap over strata (one stratum: the plain test). `rngs[k]` resamples stratum k. */
export function pairedBootstrapStrata(strata: readonly PairedSample[], rngs: readonly Prng[], samples: number, confidence: number): PairedBootstrapResult {
  if (strata.length === 0) throw new RangeError('paired bootstrap needs at least one stratum');
  const diffs = strata.map(differences);
  const meanA = mean(strata.map((s) => mean(s.a)));
  const meanB = mean(strata.map((s) => mean(s.b)));
  const delta = mean(diffs.map((d) => mean(d)));
  const resampled = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    let total = 0;
    for (let k = 0; k < diffs.length; k++) {
      const d = diffs[k]!;
      const rng = rngs[k]!;
      const n = d.length;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += d[rng.int(n)]!;
      total += sum / n;
    }
    resampled[s] = total / diffs.length;
  }
  let against = 0;
  for (let s = 0; s < samples; s++) {
    const x = resampled[s]!;
    if ((delta > 0 && x <= 0) || (delta < 0 && x >= 0)) against++;
  }
  const { low, high } = intervalOf(resampled, confidence);
  return {
    pairs: diffs.reduce((n, d) => n + d.length, 0),
    meanA,
    meanB,
    delta,
    low,
    high,
    p: delta === 0 ? 1 : against / samples,
  };
}

/** The plain paired bootstrap on one set of pairs, seeded by `group` (e.g. a language). */
export function pairedBootstrap(sample: PairedSample, bootstrap: ResolvedBootstrap, group: string): PairedBootstrapResult {
  return pairedBootstrapStrata([sample], [groupPrng(bootstrap.seed, group)], bootstrap.samples, bootstrap.confidence);
}
