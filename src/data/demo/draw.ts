/** Seeded draws for the demo generator, over clinsum's `Prng` (so every machine draws the same). */
import { Prng } from '../../util/prng.js';

export class Draw {
  private readonly prng: Prng;

  constructor(seed: number) {
    this.prng = new Prng(seed);
  }

  /** An integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) throw new RangeError(`Draw.int needs integers lo <= hi, got ${lo}, ${hi}`);
    return lo + this.prng.int(hi - lo + 1);
  }

  /** An integer in [lo, hi] that is a multiple of `step` (lo and hi are multiples too). */
  step(lo: number, hi: number, step: number): number {
    return this.int(lo / step, hi / step) * step;
  }

  /** One of `items`, each equally likely. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Draw.pick needs at least one item');
    return items[this.prng.int(items.length)]!;
  }

  /** True with probability `p` (a multiple of 2^-24 suffices: the float has 24 random bits). */
  chance(p: number): boolean {
    return this.prng.float() < p;
  }

  /** Shuffle in place and return the same array. */
  shuffle<T>(items: T[]): T[] {
    return this.prng.shuffle(items);
  }
}
