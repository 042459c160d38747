/**
 * Parameters built by path (tch-rs `nn::Path`): a model asks `p.sub('model').sub('layers').sub(0)
 * .param('weight', shape)` and gets the tensor named `model.layers.0.weight` — exactly the key of a
 * Hugging Face safetensors checkpoint, so loading is a walk with no rename table. Where a tensor
 * comes from is the `ParamSource`'s business: fresh (`emptySource`, then the model's init method)
 * or a checkpoint (`checkpointSource`, strict: every missing, unexpected, misshapen or non-float
 * tensor is reported by name, all at once). Shared by every architecture (Qwen2, BERT).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { empty, type Device, type FloatDType, type SafetensorsCheckpoint, type Tensor, INDEX_FILE, SINGLE_FILE } from '../engine/index.js';
import { InputError } from '../util/errors.js';
import { readUtf8Strict } from '../util/fs.js';

/** Where parameter tensors come from while a model is built. */
export interface ParamSource {
  /** The tensor for parameter `name` of `shape` (owned by the store from then on). */
  take(name: string, shape: readonly number[]): Tensor;
}

/** The named parameters of one model, in registration order. */
export class ParamStore implements Disposable {
  readonly #params = new Map<string, Tensor>();
  readonly #source: ParamSource;

  constructor(source: ParamSource) {
    this.#source = source;
  }

  /** The root path (empty prefix). */
  root(): ParamPath {
    return new ParamPath(this, '');
  }

  /** Registers `name` (called by `ParamPath.param`). */
  add(name: string, shape: readonly number[]): Tensor {
    if (this.#params.has(name)) throw new Error(`parameter ${name} is registered twice`);
    const t = this.#source.take(name, shape).keep();
    this.#params.set(name, t);
    return t;
  }

  get(name: string): Tensor {
    const t = this.#params.get(name);
    if (t === undefined) throw new Error(`no parameter ${name}`);
    return t;
  }

  has(name: string): boolean {
    return this.#params.has(name);
  }

  names(): string[] {
    return [...this.#params.keys()];
  }

  /** [name, tensor] in registration order. */
  entries(): [string, Tensor][] {
    return [...this.#params.entries()];
  }

  tensors(): Tensor[] {
    return [...this.#params.values()];
  }

  /** Number of scalar parameters (each tensor once). */
  count(): number {
    let n = 0;
    for (const t of this.#params.values()) n += t.numel;
    return n;
  }

  /** Replaces every parameter by `fn(old)` (a cast or a move); the old tensors are freed. */
  map(fn: (t: Tensor, name: string) => Tensor): void {
    for (const [name, t] of this.#params) {
      const n = fn(t, name);
      if (n === t) continue;
      n.keep();
      this.#params.set(name, n);
      t.dispose();
    }
  }

  dispose(): void {
    for (const t of this.#params.values()) t.dispose();
    this.#params.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** A prefix in a `ParamStore`; `sub` extends it, `param` registers a tensor under it. */
export class ParamPath {
  readonly store: ParamStore;
  readonly prefix: string;

  constructor(store: ParamStore, prefix: string) {
    this.store = store;
    this.prefix = prefix;
  }

  sub(name: string | number): ParamPath {
    return new ParamPath(this.store, this.#name(String(name)));
  }

  param(name: string, shape: readonly number[]): Tensor {
    return this.store.add(this.#name(name), shape);
  }

  #name(name: string): string {
    return this.prefix === '' ? name : `${this.prefix}.${name}`;
  }
}

/** Uninitialised tensors (`empty`); the model's init method fills them. */
export function emptySource(options: { dtype: FloatDType; device?: Device }): ParamSource {
  return { take: (_name, shape) => empty(shape, { dtype: options.dtype, device: options.device ?? 'cpu' }) };
}

export interface CheckpointSourceOptions {
  /** Cast every tensor to this dtype (default: as stored). */
  dtype?: FloatDType;
  device?: Device;
  /** Checkpoint names that may be present without a parameter (e.g. a tied `lm_head.weight`). */
  ignore?: ReadonlySet<string>;
  /** Added to shape errors, e.g. which config.json fields set the expected shape. */
  shapeHint?: (name: string) => string | undefined;
}

/**
 * Reads parameters from a checkpoint folder, strictly. Problems do not stop the walk: each is
 * recorded (a placeholder stands in) and `finish()` raises one `InputError` listing them all,
 * naming the file and the tensors.
 */
export class CheckpointSource implements ParamSource {
  readonly #ckpt: SafetensorsCheckpoint;
  readonly #options: CheckpointSourceOptions;
  readonly #taken = new Set<string>();
  readonly #missing: string[] = [];
  readonly #problems: { name: string; file: string; text: string }[] = [];
  readonly #shards: Map<string, string> | undefined;

  /** `ckpt` must be open on a folder (SafetensorsCheckpoint.open has validated its index). */
  constructor(ckpt: SafetensorsCheckpoint, options: CheckpointSourceOptions = {}) {
    this.#ckpt = ckpt;
    this.#options = options;
    this.#shards = readShardMap(ckpt.dir);
  }

  take(name: string, shape: readonly number[]): Tensor {
    this.#taken.add(name);
    const placeholder = (): Tensor => empty([0], { dtype: this.#options.dtype ?? 'float32' });
    if (!this.#ckpt.has(name)) {
      this.#missing.push(name);
      return placeholder();
    }
    const info = this.#ckpt.info(name);
    const file = this.#fileOf(name);
    if (info.dtype !== 'float32' && info.dtype !== 'bfloat16' && info.dtype !== 'float16' && info.dtype !== 'float64') {
      this.#problems.push({ name, file, text: `has dtype ${info.dtype}; model weights must be floating point (F32, BF16, F16 or F64)` });
      return placeholder();
    }
    if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
      const hint = this.#options.shapeHint?.(name);
      this.#problems.push({ name, file, text: `has shape [${info.shape.join(', ')}], expected [${shape.join(', ')}]${hint ? ` (${hint})` : ''}` });
      return placeholder();
    }
    return this.#ckpt.load(name, { dtype: this.#options.dtype, device: this.#options.device });
  }

  /** Raises the recorded problems, plus every checkpoint tensor no parameter took. */
  finish(): void {
    const ignore = this.#options.ignore ?? new Set<string>();
    const unexpected = this.#ckpt.names().filter((n) => !this.#taken.has(n) && !ignore.has(n));
    const parts: string[] = [];
    let field: string | undefined;
    let file = join(this.#ckpt.dir, this.#shards === undefined ? SINGLE_FILE : INDEX_FILE);
    if (this.#missing.length > 0) {
      parts.push(`${this.#missing.length} missing tensor${this.#missing.length === 1 ? '' : 's'}: ${listNames(this.#missing)}`);
      field = this.#missing[0];
    }
    if (unexpected.length > 0) {
      parts.push(`${unexpected.length} unexpected tensor${unexpected.length === 1 ? '' : 's'}: ${listNames(unexpected)}`);
      field ??= unexpected[0];
    }
    for (const p of this.#problems.slice(0, 5)) parts.push(`${p.name} ${p.text}`);
    if (this.#problems.length > 5) parts.push(`and ${this.#problems.length - 5} more tensors with a wrong shape or dtype`);
    if (parts.length === 0) return;
    if (this.#missing.length === 0 && unexpected.length === 0) {
      file = this.#problems[0]!.file;
      field = this.#problems[0]!.name;
    }
    throw new InputError(
      { file, field },
      `does not match the model's parameters: ${parts.join('; ')}`,
      'the weights and config.json must describe the same architecture; point at the complete folder the model was saved to',
    );
  }

  #fileOf(name: string): string {
    const shard = this.#shards?.get(name);
    return join(this.#ckpt.dir, shard ?? SINGLE_FILE);
  }
}

/** tensor name → shard file, from `model.safetensors.index.json` (undefined for a single file). */
export function readShardMap(dir: string): Map<string, string> | undefined {
  const path = join(dir, INDEX_FILE);
  if (!existsSync(path)) return undefined;
  const json = JSON.parse(readUtf8Strict(path)) as { weight_map?: Record<string, string> };
  return new Map(Object.entries(json.weight_map ?? {}));
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 8).join(', ');
  return names.length > 8 ? `${shown}, … (${names.length - 8} more)` : shown;
}
