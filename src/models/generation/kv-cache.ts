/**
 * The key/value cache of a decoder during generation: per layer one key and one value tensor
 * (B, Hkv, capacity, D). Rows are sequences; columns are shared and right-aligned: every step
 * writes its new columns at `length` for all rows at once (one copy per layer, whatever B), and
 * row b's real tokens occupy columns [start(b), length) — the columns before are padding that the
 * key mask hides. A fresh batch of prompts is left-padded to one length; the padding of each row is
 * given to `beginStep`.
 *
 * Rows can leave (`keepRows`: finished sequences stop costing anything) and join (`appendRows`:
 * another cache's rows, right-aligned with these), which is what continuous batching needs: a
 * sequence joining or leaving costs one copy of the cache, a decoding step costs nothing extra.
 * Capacity grows by doubling when a step needs more columns (`reserve`), or is set up front.
 *
 * A step: `beginStep(t, pads?)` → for each layer `write(layer, k, v)` (returns all keys and values
 * so far, views) → `endStep()`. The step context carries the key mask and the causal flag.
 */
import { elementSize, inferenceMode, tensor, tidy, zeros, type DType, type Device, type Tensor } from '../../engine/index.js';

export interface KVCacheShape {
  layers: number;
  kvHeads: number;
  headDim: number;
  dtype: DType;
  device: Device;
}

/** What attention needs for one step. */
export interface StepContext {
  /** Columns this step adds. */
  readonly newTokens: number;
  /** Columns before this step (the offset of the new ones). */
  readonly pastLength: number;
  /** (B, pastLength + newTokens) bool, true where a key exists; undefined when no row has padding. */
  readonly keyPadding: Tensor | undefined;
  /** Whether the new columns need a causal mask among themselves (more than one new column). */
  readonly causal: boolean;
}

export class KVCache implements Disposable {
  readonly shape: KVCacheShape;
  #keys: Tensor[] = [];
  #values: Tensor[] = [];
  /** Per row: first real column. */
  #starts: number[];
  #length = 0;
  #capacity = 0;
  #step: { t: number; keyPadding: Tensor | undefined } | undefined;
  #disposed = false;

  /** An empty cache of `batch` rows with room for `capacity` columns (allocated now). */
  constructor(shape: KVCacheShape, batch: number, capacity = 0) {
    if (!Number.isInteger(batch) || batch < 0) throw new RangeError(`batch must be a non-negative integer, got ${batch}`);
    this.shape = Object.freeze({ ...shape });
    this.#starts = new Array<number>(batch).fill(0);
    if (capacity > 0) this.#grow(capacity);
  }

  get batchSize(): number {
    return this.#starts.length;
  }

  /** Columns written so far. */
  get length(): number {
    return this.#length;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Real tokens of each row (its next position). */
  rowLengths(): number[] {
    return this.#starts.map((s) => this.#length - s);
  }

  /** First real column of each row. */
  rowStarts(): readonly number[] {
    return this.#starts;
  }

  /** Bytes held by the cache tensors. */
  bytes(): number {
    let n = 0;
    for (const t of [...this.#keys, ...this.#values]) n += t.numel * elementSize(this.shape.dtype);
    return n;
  }

  /** Makes room for `t` more columns (doubling, so that growing one column at a time stays linear). */
  reserve(t: number): void {
    const need = this.#length + t;
    if (need <= this.#capacity) return;
    this.#grow(Math.max(need, this.#capacity * 2, 16));
  }

  /**
   * Starts a step adding `t` columns. `pads[b]` (default 0) columns at the left of row b's new
   * block are padding; only a row with no real token yet may have padding (a fresh prompt).
   */
  beginStep(t: number, pads?: readonly number[]): StepContext {
    this.#check();
    if (this.#step !== undefined) throw new Error('KVCache.beginStep: the previous step was not ended');
    if (!Number.isInteger(t) || t < 1) throw new RangeError(`a step adds at least one column, got ${t}`);
    if (pads !== undefined) {
      if (pads.length !== this.batchSize) throw new RangeError(`pads has ${pads.length} rows, the cache ${this.batchSize}`);
      pads.forEach((p, b) => {
        if (p === 0) return;
        if (!Number.isInteger(p) || p < 0 || p >= t) throw new RangeError(`row ${b}: padding ${p} must be in [0, ${t})`);
        if (this.#starts[b] !== this.#length) throw new Error(`row ${b} already holds tokens; only a fresh row may be padded`);
      });
    }
    this.reserve(t);
    const starts = this.#starts.map((s, b) => (s === this.#length && pads !== undefined ? s + pads[b]! : s));
    this.#starts = starts;
    const total = this.#length + t;
    let keyPadding: Tensor | undefined;
    if (starts.some((s) => s > 0)) {
      const m = new Uint8Array(this.batchSize * total);
      starts.forEach((s, b) => m.fill(1, b * total + s, (b + 1) * total));
      keyPadding = tensor(m, { shape: [this.batchSize, total], device: this.shape.device }).keep();
    }
    this.#step = { t, keyPadding };
    return { newTokens: t, pastLength: this.#length, keyPadding, causal: t > 1 };
  }

  /** Writes layer `layer`'s new keys and values (B, Hkv, t, D); returns all of them so far (views). */
  write(layer: number, k: Tensor, v: Tensor): { keys: Tensor; values: Tensor } {
    const step = this.#step;
    if (step === undefined) throw new Error('KVCache.write outside a step');
    const total = this.#length + step.t;
    this.#keys[layer]!.narrow(2, this.#length, step.t).copy_(k);
    this.#values[layer]!.narrow(2, this.#length, step.t).copy_(v);
    return { keys: this.#keys[layer]!.narrow(2, 0, total), values: this.#values[layer]!.narrow(2, 0, total) };
  }

  /** Ends the step: its columns become part of the cache. */
  endStep(): void {
    const step = this.#step;
    if (step === undefined) throw new Error('KVCache.endStep without beginStep');
    this.#length += step.t;
    step.keyPadding?.dispose();
    this.#step = undefined;
  }

  /** Drops a step that failed half-way (its columns are not counted). */
  abortStep(): void {
    this.#step?.keyPadding?.dispose();
    this.#step = undefined;
  }

  /**
   * Keeps only `rows` (in that order; duplicates not allowed) — finished sequences leave the
   * batch. Columns no remaining row uses (left of every start) are dropped too.
   */
  keepRows(rows: readonly number[]): void {
    this.#check();
    if (this.#step !== undefined) throw new Error('KVCache.keepRows inside a step');
    const seen = new Set<number>();
    for (const r of rows) {
      if (!Number.isInteger(r) || r < 0 || r >= this.batchSize || seen.has(r)) throw new RangeError(`keepRows: bad or repeated row ${r}`);
      seen.add(r);
    }
    if (rows.length === this.batchSize && rows.every((r, i) => r === i)) return;
    const starts = rows.map((r) => this.#starts[r]!);
    const first = rows.length === 0 ? this.#length : Math.min(...starts);
    const keepCols = this.#length - first;
    const newCap = Math.max(this.#capacity - first, keepCols);
    if (this.#capacity > 0) inferenceMode(() => tidy(() => {
      const idx = tensor(Int32Array.from(rows), { device: this.shape.device }).long();
      const move = (t: Tensor): Tensor => {
        const out = zeros([rows.length, this.shape.kvHeads, newCap, this.shape.headDim], { dtype: this.shape.dtype, device: this.shape.device }).keep();
        if (rows.length > 0 && keepCols > 0) out.narrow(2, 0, keepCols).copy_(t.narrow(2, first, keepCols).indexSelect(0, idx));
        t.dispose();
        return out;
      };
      this.#keys = this.#keys.map(move);
      this.#values = this.#values.map(move);
    }));
    this.#starts = starts.map((s) => s - first);
    this.#length = keepCols;
    this.#capacity = this.#capacity > 0 ? newCap : 0;
  }

  /**
   * Adds the rows of `other` after these, aligning both on their last column (the shorter side
   * gets padding on the left). `other` is left empty (its tensors are freed).
   */
  appendRows(other: KVCache): void {
    this.#check();
    other.#check();
    if (this.#step !== undefined || other.#step !== undefined) throw new Error('KVCache.appendRows inside a step');
    const s = this.shape;
    const o = other.shape;
    if (s.layers !== o.layers || s.kvHeads !== o.kvHeads || s.headDim !== o.headDim || s.dtype !== o.dtype || s.device !== o.device) {
      throw new Error('KVCache.appendRows: the caches have different shapes');
    }
    const length = Math.max(this.#length, other.#length);
    const capacity = Math.max(length, this.#capacity + (length - this.#length), other.#capacity + (length - other.#length));
    const b1 = this.batchSize;
    const b2 = other.batchSize;
    const shift1 = length - this.#length;
    const shift2 = length - other.#length;
    const merge = (a: Tensor | undefined, b: Tensor | undefined): Tensor => {
      const out = zeros([b1 + b2, s.kvHeads, capacity, s.headDim], { dtype: s.dtype, device: s.device }).keep();
      if (a !== undefined && b1 > 0 && this.#length > 0) out.narrow(0, 0, b1).narrow(2, shift1, this.#length).copy_(a.narrow(2, 0, this.#length));
      if (b !== undefined && b2 > 0 && other.#length > 0) out.narrow(0, b1, b2).narrow(2, shift2, other.#length).copy_(b.narrow(2, 0, other.#length));
      a?.dispose();
      b?.dispose();
      return out;
    };
    const keys: Tensor[] = [];
    const values: Tensor[] = [];
    inferenceMode(() => tidy(() => {
      for (let l = 0; l < s.layers; l++) {
        keys.push(merge(this.#keys[l], other.#keys[l]));
        values.push(merge(this.#values[l], other.#values[l]));
      }
    }));
    this.#keys = keys;
    this.#values = values;
    this.#starts = [...this.#starts.map((x) => x + shift1), ...other.#starts.map((x) => x + shift2)];
    this.#length = length;
    this.#capacity = capacity;
    other.#keys = [];
    other.#values = [];
    other.#starts = [];
    other.#length = 0;
    other.#capacity = 0;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.abortStep();
    for (const t of [...this.#keys, ...this.#values]) t.dispose();
    this.#keys = [];
    this.#values = [];
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #grow(capacity: number): void {
    const s = this.shape;
    const realloc = (old: Tensor | undefined): Tensor => {
      const t = zeros([this.batchSize, s.kvHeads, capacity, s.headDim], { dtype: s.dtype, device: s.device }).keep();
      if (old !== undefined) {
        if (this.#length > 0) t.narrow(2, 0, this.#length).copy_(old.narrow(2, 0, this.#length));
        old.dispose();
      }
      return t;
    };
    const keys: Tensor[] = [];
    const values: Tensor[] = [];
    inferenceMode(() => tidy(() => {
      for (let l = 0; l < s.layers; l++) {
        keys.push(realloc(this.#keys[l]));
        values.push(realloc(this.#values[l]));
      }
    }));
    this.#keys = keys;
    this.#values = values;
    this.#capacity = capacity;
  }

  #check(): void {
    if (this.#disposed) throw new Error('the KV cache was disposed');
  }
}
