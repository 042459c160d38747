/**
 * Longest common subsequences over integer token ids, on typed arrays, for rougeL and
 * rougeLsum. The table and the backtracking walk are rouge-score's `_lcs_table` and
 * `_backtrack_norec` exactly: which of several longest subsequences is read out decides the
 * union-LCS of rougeLsum, so the tie rule (step left only when the cell on the left is strictly
 * larger than the cell above) is kept.
 */

/** Length of the LCS of `a` and `b` in O(|a|·|b|) time and O(|b|) memory. */
export function lcsLength(a: Int32Array, b: Int32Array): number {
  const n = b.length;
  if (a.length === 0 || n === 0) return 0;
  let prev = new Int32Array(n + 1);
  let cur = new Int32Array(n + 1);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    for (let j = 1; j <= n; j++) {
      if (ai === b[j - 1]) cur[j] = prev[j - 1]! + 1;
      else {
        const up = prev[j]!;
        const left = cur[j - 1]!;
        cur[j] = up > left ? up : left;
      }
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[n]!;
}

/**
 * Reusable scratch space for `markLcs`, so that scoring many pairs allocates nothing per
 * sentence pair once the largest table has been seen.
 */
export class LcsWorkspace {
  private table = new Int32Array(1024);

  /** A zeroed-row table of at least `size` cells (only row 0 and column 0 need to be zero). */
  tableFor(size: number): Int32Array {
    if (this.table.length < size) {
      let n = this.table.length;
      while (n < size) n *= 2;
      this.table = new Int32Array(n);
    }
    return this.table;
  }
}

/**
 * Set `marks[i] = 1` for every index i of `ref` (from `refStart`, length `refLen`, inside
 * `refIds`) on the LCS with `can` (from `canStart`, length `canLen`, inside `canIds`) that
 * rouge-score's `lcs_ind(ref, can)` returns.
 */
export function markLcs(
  refIds: Int32Array,
  refStart: number,
  refLen: number,
  canIds: Int32Array,
  canStart: number,
  canLen: number,
  marks: Uint8Array,
  ws: LcsWorkspace,
): void {
  if (refLen === 0 || canLen === 0) return;
  const w = canLen + 1;
  const t = ws.tableFor((refLen + 1) * w);
  for (let j = 0; j <= canLen; j++) t[j] = 0;
  for (let i = 1; i <= refLen; i++) {
    const row = i * w;
    const up = row - w;
    t[row] = 0;
    const ri = refIds[refStart + i - 1]!;
    for (let j = 1; j <= canLen; j++) {
      if (ri === canIds[canStart + j - 1]) t[row + j] = t[up + j - 1]! + 1;
      else {
        const a = t[up + j]!;
        const l = t[row + j - 1]!;
        t[row + j] = a > l ? a : l;
      }
    }
  }
  let i = refLen;
  let j = canLen;
  while (i > 0 && j > 0) {
    if (refIds[refStart + i - 1] === canIds[canStart + j - 1]) {
      marks[i - 1] = 1;
      i--;
      j--;
    } else if (t[i * w + j - 1]! > t[(i - 1) * w + j]!) j--;
    else i--;
  }
}
