/**
 * Longest common subsequences over integer token ids, for rougeL and rougeLsum, computed
 * bit-parallel (Hyyrö 2004, "Bit-parallel LCS-length computation revisited"; Allison & Dix
 * 1986): the candidate's positions are the bits of a vector, one table row is one vector
 * update per 32 candidate tokens, and a reference token that does not occur in the candidate
 * leaves the row unchanged.
 *
 * Row i of the vector V holds, for each column j, a 0 bit exactly where the DP table of
 * rouge-score's `_lcs_table` steps up: t[i][j] − t[i][j−1] = 1. So t[i][j] is the number of
 * 0 bits of V_i below bit j, and every cell of the table can be read back. `markLcs` keeps all
 * rows and walks rouge-score's `_backtrack_norec` over them, with its tie rule (step left only
 * when the cell on the left is strictly larger than the cell above): which of several longest
 * subsequences is read out decides the union-LCS of rougeLsum.
 */

/**
 * Bit masks of where each token id occurs in one sequence: id → `words` 32-bit words. Reused
 * from sequence to sequence (`load`), so that scoring allocates nothing once warm. Ids are the
 * scorer's dense token ids.
 */
export class MatchMasks {
  length = 0;
  words = 0;
  /** id → slot + 1 (0: the id does not occur). */
  private slotOf = new Int32Array(1024);
  private masks = new Uint32Array(1024);
  private loaded: number[] = [];

  /** Index `length` ids of `ids` from `start`. */
  load(ids: Int32Array, start = 0, length = ids.length - start): this {
    for (const id of this.loaded) this.slotOf[id] = 0;
    this.loaded.length = 0;
    this.length = length;
    const words = (length + 31) >>> 5;
    this.words = words;
    if (this.masks.length < length * words) this.masks = new Uint32Array(Math.max(length * words, this.masks.length * 2));
    for (let j = 0; j < length; j++) {
      const id = ids[start + j]!;
      if (id >= this.slotOf.length) {
        const grown = new Int32Array(Math.max(id + 1, this.slotOf.length * 2));
        grown.set(this.slotOf);
        this.slotOf = grown;
      }
      let slot = this.slotOf[id]! - 1;
      if (slot < 0) {
        slot = this.loaded.length;
        this.loaded.push(id);
        this.slotOf[id] = slot + 1;
        this.masks.fill(0, slot * words, slot * words + words);
      }
      this.masks[slot * words + (j >>> 5)]! |= 1 << (j & 31);
    }
    return this;
  }

  /** Offset of the mask of `id` in `buffer`, or −1 when the id does not occur. */
  offset(id: number): number {
    const slot = id < this.slotOf.length ? this.slotOf[id]! - 1 : -1;
    return slot < 0 ? -1 : slot * this.words;
  }

  get buffer(): Uint32Array {
    return this.masks;
  }
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** One table row: v ← (v + (v & m)) | (v & ~m), with the carry running across the words. */
function step(v: Uint32Array, vOff: number, out: Uint32Array, outOff: number, m: Uint32Array, mOff: number, words: number): void {
  let carry = 0;
  for (let w = 0; w < words; w++) {
    const x = v[vOff + w]!;
    const mw = m[mOff + w]!;
    const sum = x + ((x & mw) >>> 0) + carry;
    carry = sum > 0xffffffff ? 1 : 0;
    out[outOff + w] = (sum >>> 0) | (x & ~mw);
  }
}

/** Zero bits among the first `bits` bits of the row at `off`: the table cell t[row][bits]. */
function cell(rows: Uint32Array, off: number, bits: number): number {
  let ones = 0;
  const full = bits >>> 5;
  for (let w = 0; w < full; w++) ones += popcount32(rows[off + w]!);
  const rest = bits & 31;
  if (rest > 0) ones += popcount32((rows[off + full]! & ((1 << rest) - 1)) >>> 0);
  return bits - ones;
}

/** Reusable vectors, so that scoring many pairs allocates nothing per sentence pair. */
export class LcsWorkspace {
  private buf = new Uint32Array(1024);

  /** At least `size` words (contents undefined). */
  words(size: number): Uint32Array {
    if (this.buf.length < size) {
      let n = this.buf.length;
      while (n < size) n *= 2;
      this.buf = new Uint32Array(n);
    }
    return this.buf;
  }
}

/** Length of the LCS of `a` and the sequence behind `masks`. */
export function lcsLength(a: Int32Array, masks: MatchMasks, ws: LcsWorkspace): number {
  const words = masks.words;
  if (a.length === 0 || masks.length === 0) return 0;
  const v = ws.words(words);
  v.fill(0xffffffff, 0, words);
  const m = masks.buffer;
  for (let i = 0; i < a.length; i++) {
    const off = masks.offset(a[i]!);
    if (off >= 0) step(v, 0, v, 0, m, off, words);
  }
  return cell(v, 0, masks.length);
}

/**
 * Set `marks[refStart + i] = 1` for every index i of the reference sentence (`refLen` ids of
 * `refIds` from `refStart`) on the LCS with the candidate sentence behind `can` (its ids at
 * `canStart` in `canIds`) that rouge-score's `lcs_ind(ref, can)` returns.
 */
export function markLcs(refIds: Int32Array, refStart: number, refLen: number, can: MatchMasks, canIds: Int32Array, canStart: number, marks: Uint8Array, ws: LcsWorkspace): void {
  const canLen = can.length;
  if (refLen === 0 || canLen === 0) return;
  const words = can.words;
  const rows = ws.words((refLen + 1) * words);
  rows.fill(0xffffffff, 0, words);
  const m = can.buffer;
  let any = false;
  for (let i = 1; i <= refLen; i++) {
    const off = can.offset(refIds[refStart + i - 1]!);
    const prev = (i - 1) * words;
    const cur = i * words;
    if (off < 0) rows.copyWithin(cur, prev, prev + words);
    else {
      step(rows, prev, rows, cur, m, off, words);
      any = true;
    }
  }
  if (!any) return;
  let i = refLen;
  let j = canLen;
  while (i > 0 && j > 0) {
    if (refIds[refStart + i - 1] === canIds[canStart + j - 1]) {
      marks[refStart + i - 1] = 1;
      i--;
      j--;
    } else if (cell(rows, i * words, j - 1) > cell(rows, (i - 1) * words, j)) j--;
    else i--;
  }
}
