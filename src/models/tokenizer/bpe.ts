/**
 * Byte-level BPE, as the `BPE` model of Hugging Face tokenizers runs it (no dropout, no
 * byte fallback, merges always applied): a word's UTF-8 bytes start as one symbol each; then,
 * repeatedly, the adjacent pair with the lowest merge rank (leftmost on ties) is merged, until no
 * adjacent pair has a merge. Results are cached per word, which is what makes tokenizing
 * clinical text fast (its words repeat).
 */
import { BYTE_TO_CHAR } from './bytelevel.js';

/** Pairs are keyed `left * PAIR_BASE + right`; ids must stay below PAIR_BASE. */
const PAIR_BASE = 2 ** 21;

export class BytePairEncoder {
  /** id of the one-byte token for each byte value. */
  private readonly byteIds: Int32Array;
  /** pair key → rank * PAIR_BASE + merged id. */
  private readonly merges: Map<number, number>;
  private readonly cache = new Map<string, readonly number[]>();
  private readonly encoder = new TextEncoder();
  /** Words cached at most; the cache is emptied when full. */
  readonly cacheLimit: number;

  constructor(vocab: ReadonlyMap<string, number>, merges: readonly (readonly [string, string])[], cacheLimit = 200_000) {
    this.cacheLimit = cacheLimit;
    this.byteIds = new Int32Array(256);
    for (let b = 0; b < 256; b++) {
      const id = vocab.get(BYTE_TO_CHAR[b]!);
      if (id === undefined) throw new Error(`byte-level vocabulary lacks the token for byte ${b}`);
      this.byteIds[b] = id;
    }
    this.merges = new Map();
    for (let rank = 0; rank < merges.length; rank++) {
      const [a, b] = merges[rank]!;
      const ia = vocab.get(a);
      const ib = vocab.get(b);
      const im = vocab.get(a + b);
      if (ia === undefined || ib === undefined || im === undefined) {
        throw new Error(`merge ${rank + 1} ("${a}" "${b}") uses a token that is not in the vocabulary`);
      }
      if (ia >= PAIR_BASE || ib >= PAIR_BASE || im >= PAIR_BASE || rank >= PAIR_BASE) throw new Error('vocabulary or merge list too large');
      const key = ia * PAIR_BASE + ib;
      if (!this.merges.has(key)) this.merges.set(key, rank * PAIR_BASE + im);
    }
  }

  /** Append the ids of one pre-tokenized word (before byte-level mapping) to `out`. */
  encodeWord(word: string, out: number[]): void {
    let ids = this.cache.get(word);
    if (ids === undefined) {
      ids = this.bpe(this.encoder.encode(word));
      if (this.cache.size >= this.cacheLimit) this.cache.clear();
      this.cache.set(word, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
  }

  private bpe(bytes: Uint8Array): number[] {
    const n = bytes.length;
    const sym: number[] = new Array<number>(n);
    for (let i = 0; i < n; i++) sym[i] = this.byteIds[bytes[i]!]!;
    if (n < 2) return sym;
    return n <= 64 ? this.mergeSmall(sym) : this.mergeLarge(sym);
  }

  /** O(n²) merging for short words: scan for the best pair, merge it, repeat. */
  private mergeSmall(sym: number[]): number[] {
    for (;;) {
      let best = -1;
      let bestVal = Infinity;
      for (let i = 0; i + 1 < sym.length; i++) {
        const v = this.merges.get(sym[i]! * PAIR_BASE + sym[i + 1]!);
        if (v !== undefined && v < bestVal) {
          bestVal = v;
          best = i;
        }
      }
      if (best < 0) return sym;
      sym.splice(best, 2, bestVal % PAIR_BASE);
    }
  }

  /**
   * O(n log n) merging for long words: a doubly linked list of symbols and a binary heap of
   * candidate pairs ordered by (rank, position); stale candidates are skipped when popped.
   */
  private mergeLarge(init: number[]): number[] {
    const n = init.length;
    const id = Int32Array.from(init);
    const prev = new Int32Array(n);
    const next = new Int32Array(n);
    const alive = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    // Heap entries: [rank*PAIR_BASE + merged, leftPos, leftId, rightId].
    const heap: [number, number, number, number][] = [];
    const less = (a: [number, number, number, number], b: [number, number, number, number]): boolean =>
      a[0] - (a[0] % PAIR_BASE) !== b[0] - (b[0] % PAIR_BASE) ? a[0] < b[0] : a[1] < b[1];
    const push = (e: [number, number, number, number]): void => {
      heap.push(e);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!less(heap[i]!, heap[p]!)) break;
        [heap[i], heap[p]] = [heap[p]!, heap[i]!];
        i = p;
      }
    };
    const pop = (): [number, number, number, number] | undefined => {
      const top = heap[0];
      const last = heap.pop();
      if (heap.length > 0 && last) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      }
      return top;
    };
    const consider = (i: number): void => {
      const j = next[i]!;
      if (i < 0 || j < 0) return;
      const v = this.merges.get(id[i]! * PAIR_BASE + id[j]!);
      if (v !== undefined) push([v, i, id[i]!, id[j]!]);
    };
    for (let i = 0; i + 1 < n; i++) consider(i);
    for (let e = pop(); e !== undefined; e = pop()) {
      const [v, i, a, b] = e;
      const j = next[i]!;
      if (!alive[i] || j < 0 || id[i] !== a || id[j] !== b) continue; // stale
      id[i] = v % PAIR_BASE;
      alive[j] = 0;
      const k = next[j]!;
      next[i] = k;
      if (k >= 0) prev[k] = i;
      if (prev[i]! >= 0) consider(prev[i]!);
      consider(i);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0; i = next[i]!) out.push(id[i]!);
    return out;
  }
}
