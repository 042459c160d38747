/**
 * clinsum's own pseudo-random generator, so that seeded shuffles (data splits, batch order)
 * are identical on every machine, Node version and clinsum version.
 *
 * Algorithm (documented in docs/formats.md, never to change silently):
 *  - seeding: a 32-bit unsigned seed goes through SplitMix32 four times
 *    (`z = (s += 0x9e3779b9); z = (z ^ z>>>16) * 0x85ebca6b; z = (z ^ z>>>13) * 0xc2b2ae35;
 *    z ^= z>>>16`, all mod 2^32) to fill the four state words of xoshiro128**;
 *  - `nextUint32()`: xoshiro128** (Blackman & Vigna, 2018);
 *  - `int(n)`: an unbiased integer in [0, n) by rejection: draw u, reject while
 *    u >= 2^32 - (2^32 mod n), return u mod n;
 *  - `float()`: (nextUint32() >>> 8) / 2^24, a multiple of 2^-24 in [0, 1);
 *  - `shuffle(a)`: Fisher–Yates from the end: for i = n−1 down to 1, j = int(i+1), swap a[i], a[j].
 */
export class Prng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`Prng seed must be an integer in [0, 2^32), got ${seed}`);
    }
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A seed derived from a base seed and a label (e.g. a language code), stable everywhere. */
  static deriveSeed(seed: number, label: string): number {
    let h = (seed ^ 0x811c9dc5) >>> 0; // FNV-1a over the UTF-16 code units of the label
    for (let i = 0; i < label.length; i++) {
      h ^= label.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Unbiased integer in [0, n), 1 <= n <= 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) throw new RangeError(`Prng.int(n) needs 1 <= n <= 2^32, got ${n}`);
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const u = this.nextUint32();
      if (u < limit) return u % n;
    }
  }

  /** A float in [0, 1) with 24 random bits. */
  float(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** Shuffle in place (Fisher–Yates from the end) and return the same array. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }

  /** The generator's state, to save in a checkpoint. */
  getState(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new RangeError('Prng state must be four unsigned 32-bit integers');
    }
    [this.s0, this.s1, this.s2, this.s3] = [state[0]!, state[1]!, state[2]!, state[3]!];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
