/**
 * Parameters named by their path, exactly as the Hugging Face safetensors keys (tch-rs
 * `nn::Path`): a module asks its `ParamPath` for `p.sub('attention').param('weight', shape)`
 * and gets a `Param` that knows its full name (`encoder.layer.0.attention.self.query.weight`)
 * and shape. Building a model allocates nothing; `loadParams` (load.ts) then fills every
 * parameter from a checkpoint by name, or `initParams` gives them values, so loading is a
 * strict walk with no rename table.
 */
import { keep, type Tensor } from '../../engine/index.js';

export class Param {
  readonly name: string;
  readonly shape: readonly number[];
  /** Used when the checkpoint lacks this tensor (e.g. DistilBERT's sinusoidal positions). */
  readonly fallback: (() => Tensor) | undefined;
  #value: Tensor | undefined;

  constructor(name: string, shape: readonly number[], fallback?: () => Tensor) {
    this.name = name;
    this.shape = Object.freeze([...shape]);
    this.fallback = fallback;
  }

  get loaded(): boolean {
    return this.#value !== undefined && !this.#value.isDisposed;
  }

  /** The tensor; throws if the parameter was never loaded (a programming error). */
  get value(): Tensor {
    const v = this.#value;
    if (v === undefined || v.isDisposed) throw new Error(`parameter ${this.name} is not loaded`);
    return v;
  }

  /** Take ownership of `t` (kept out of every scope), checking its shape; frees a previous value. */
  set(t: Tensor): void {
    const s = t.shape;
    if (s.length !== this.shape.length || s.some((d, i) => d !== this.shape[i])) {
      throw new RangeError(`parameter ${this.name} needs shape [${this.shape.join(', ')}], got [${s.join(', ')}]`);
    }
    if (this.#value !== undefined && this.#value !== t) this.#value.dispose();
    this.#value = keep(t);
  }

  dispose(): void {
    this.#value?.dispose();
    this.#value = undefined;
  }
}

/** A position in the parameter tree; every `param()` is recorded in the tree's list. */
export class ParamPath {
  readonly prefix: string;
  readonly #list: Param[];

  constructor(prefix = '', list: Param[] = []) {
    this.prefix = prefix;
    this.#list = list;
  }

  /** The path one level down: `p.sub('layer').sub(3)` is `layer.3`. */
  sub(name: string | number): ParamPath {
    return new ParamPath(this.prefix === '' ? String(name) : `${this.prefix}.${name}`, this.#list);
  }

  /** Declare a parameter `prefix.name` of `shape`. */
  param(name: string, shape: readonly number[], options: { fallback?: () => Tensor } = {}): Param {
    const full = this.prefix === '' ? name : `${this.prefix}.${name}`;
    if (this.#list.some((p) => p.name === full)) throw new Error(`parameter ${full} is declared twice`);
    const p = new Param(full, shape, options.fallback);
    this.#list.push(p);
    return p;
  }

  /** Every parameter declared in this tree so far, in declaration order. */
  get params(): readonly Param[] {
    return this.#list;
  }
}

/** Free every parameter of a tree. */
export function disposeParams(params: readonly Param[]): void {
  for (const p of params) p.dispose();
}
