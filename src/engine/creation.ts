/** Functions that make tensors: from JS data or bytes, constants, ranges, random draws, and joins. */
import { TorchError } from './errors.js';
import { type DType, type Device, checkDevice, dtypeCode, elementSize, isFloatingDType } from './dtype.js';
import { N } from './native.js';
import { Tensor, handleOf, wrap } from './tensor.js';
import { RandomGenerator } from './generator.js';

export interface CreateOptions {
  /** Element type; default float32 (int64 for `arange` with integer bounds, `randint`). */
  dtype?: DType;
  /** Default `cpu`. */
  device?: Device;
  /** Make the result a leaf that records gradients. */
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreateOptions {
  /** Seeded generator; without it, libtorch's global generator (see `manualSeed`). */
  generator?: RandomGenerator;
  /** Shorthand for a fresh `new RandomGenerator(seed)` used for this call only. */
  seed?: number;
}

function gen(o: RandomOptions, op: string) {
  if (o.seed !== undefined && o.generator !== undefined) throw new TorchError('pass either seed or generator, not both', op, 'argument');
  return o.seed !== undefined ? new RandomGenerator(o.seed).handle : o.generator?.handle;
}

type NestedData = number | boolean | readonly NestedData[];
export type TensorData = NestedData | Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

function finish(h: number, o: CreateOptions): Tensor {
  const t = wrap(h);
  if (o.requiresGrad) t.requiresGrad_(true);
  return t;
}

function dev(o: CreateOptions, op: string): string {
  return o.device === undefined ? 'cpu' : checkDevice(o.device, op);
}

function shapeOf(data: NestedData, op: string): number[] {
  const shape: number[] = [];
  let cur: NestedData = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as NestedData;
  }
  if (shape.length === 0 && typeof data !== 'number' && typeof data !== 'boolean') {
    throw new TorchError('data must be a number, a boolean, nested arrays of them, or a typed array', op, 'argument');
  }
  return shape;
}

function flatten(data: NestedData, shape: readonly number[], out: Float64Array, op: string): boolean {
  let pos = 0;
  let sawBool = false;
  const walk = (v: NestedData, d: number): void => {
    if (d === shape.length) {
      if (typeof v === 'boolean') {
        sawBool = true;
        out[pos++] = v ? 1 : 0;
      } else if (typeof v === 'number') {
        out[pos++] = v;
      } else {
        throw new TorchError(`ragged data: expected a number at depth ${d}, found an array`, op, 'argument');
      }
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d]) {
      throw new TorchError(`ragged data: every array at depth ${d} must have ${shape[d]} elements`, op, 'argument');
    }
    for (const x of v) walk(x, d + 1);
  };
  walk(data, 0);
  return sawBool;
}

function typedDType(data: ArrayBufferView): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  return 'uint8';
}

/**
 * A tensor from JS data: a number, nested arrays (booleans give bool, numbers float32 unless
 * `dtype` says otherwise; integer dtypes need integers), or a typed array (its own dtype, a
 * Uint8Array is bool unless `dtype: 'uint8'`; `shape` defaults to [length]).
 */
export function tensor(data: TensorData, options: CreateOptions & { shape?: readonly number[] } = {}): Tensor {
  const op = 'tensor';
  let h: number;
  let from: DType;
  let target: DType;
  if (ArrayBuffer.isView(data)) {
    from = typedDType(data);
    if (from === 'uint8' && options.dtype !== 'uint8') from = 'bool';
    const shape = options.shape ?? [data.length];
    h = N.fromBytes(data, dtypeCode(from), shape);
    target = options.dtype ?? from;
  } else {
    const shape = shapeOf(data, op);
    if (options.shape !== undefined) throw new TorchError('shape applies to typed arrays only; nested arrays carry their shape', op, 'argument');
    let n = 1;
    for (const d of shape) n *= d;
    const flat = new Float64Array(n);
    const isBool = flatten(data, shape, flat, op);
    target = options.dtype ?? (isBool ? 'bool' : 'float32');
    if (!isFloatingDType(target)) {
      for (let i = 0; i < n; i++) {
        if (!Number.isSafeInteger(flat[i]!)) throw new TorchError(`element ${i} (${flat[i]}) is not an integer, as ${target} needs`, op, 'argument');
      }
    }
    from = 'float64';
    h = N.fromBytes(flat, dtypeCode('float64'), shape);
  }
  const device = dev(options, op);
  if (target !== from || device !== 'cpu') {
    const moved = N.to(h, dtypeCode(target), device, false, false);
    N.free(h);
    h = moved;
  }
  return finish(h, options);
}

/** A tensor whose elements are the little-endian `bytes` of `dtype` in row-major order (copied). */
export function fromBytes(bytes: Uint8Array, dtype: DType, shape: readonly number[], options: Omit<CreateOptions, 'dtype'> = {}): Tensor {
  let h = N.fromBytes(bytes, dtypeCode(dtype), shape);
  const device = dev(options, 'fromBytes');
  if (device !== 'cpu') {
    const moved = N.to(h, undefined, device, false, false);
    N.free(h);
    h = moved;
  }
  return finish(h, options);
}

/** Uninitialised memory. */
export function empty(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return finish(N.empty(shape, dtypeCode(options.dtype ?? 'float32'), dev(options, 'empty')), options);
}

export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return finish(N.zeros(shape, dtypeCode(options.dtype ?? 'float32'), dev(options, 'zeros')), options);
}

export function ones(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return finish(N.ones(shape, dtypeCode(options.dtype ?? 'float32'), dev(options, 'ones')), options);
}

export function full(shape: readonly number[], value: number | boolean, options: CreateOptions = {}): Tensor {
  const dtype = options.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  return finish(N.full(shape, value, dtypeCode(dtype), dev(options, 'full')), options);
}

/** zeros/ones/full with the shape, dtype and device of `like` (options override). */
export function zerosLike(like: Tensor, options: CreateOptions = {}): Tensor {
  return zeros(like.shape, { dtype: like.dtype, device: like.device, ...options });
}

export function onesLike(like: Tensor, options: CreateOptions = {}): Tensor {
  return ones(like.shape, { dtype: like.dtype, device: like.device, ...options });
}

export function fullLike(like: Tensor, value: number | boolean, options: CreateOptions = {}): Tensor {
  return full(like.shape, value, { dtype: like.dtype, device: like.device, ...options });
}

/**
 * `[start, end)` in steps of `step`: `arange(5)` or `arange(2, 10, 2)`. int64 when every bound
 * is an integer (as in PyTorch), else float32, unless `dtype` says otherwise.
 */
export function arange(end: number, options?: CreateOptions): Tensor;
export function arange(start: number, end: number, step?: number, options?: CreateOptions): Tensor;
export function arange(a: number, b?: number | CreateOptions, c?: number, d?: CreateOptions): Tensor {
  let start = 0;
  let end: number;
  let step = 1;
  let o: CreateOptions;
  if (typeof b === 'number') {
    start = a;
    end = b;
    step = c ?? 1;
    o = d ?? {};
  } else {
    end = a;
    o = b ?? {};
  }
  const integral = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = o.dtype ?? (integral ? 'int64' : 'float32');
  return finish(N.arange(start, end, step, dtypeCode(dtype), dev(o, 'arange')), o);
}

export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  return finish(N.linspace(start, end, steps, dtypeCode(options.dtype ?? 'float32'), dev(options, 'linspace')), options);
}

export function eye(n: number, m = n, options: CreateOptions = {}): Tensor {
  return finish(N.eye(n, m, dtypeCode(options.dtype ?? 'float32'), dev(options, 'eye')), options);
}

/** U[0, 1). */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return finish(N.rand(shape, dtypeCode(options.dtype ?? 'float32'), dev(options, 'rand'), gen(options, 'rand')), options);
}

/** N(0, 1). */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return finish(N.randn(shape, dtypeCode(options.dtype ?? 'float32'), dev(options, 'randn'), gen(options, 'randn')), options);
}

/** Integers in [low, high); int64 by default. */
export function randint(low: number, high: number, shape: readonly number[], options: RandomOptions = {}): Tensor {
  return finish(N.randint(low, high, shape, dtypeCode(options.dtype ?? 'int64'), dev(options, 'randint'), gen(options, 'randint')), options);
}

/** Joins tensors along an existing dimension. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return wrap(N.cat(tensors.map(handleOf), dim));
}

/** Joins tensors along a new dimension. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return wrap(N.stack(tensors.map(handleOf), dim));
}

/** Element-wise `cond ? x : y` (broadcast); one of x, y may be a number. */
export function where(cond: Tensor, x: Tensor | number, y: Tensor | number): Tensor {
  const xs = typeof x === 'number';
  const ys = typeof y === 'number';
  if (xs && ys) throw new TorchError('where needs a tensor for x or y (both are numbers)', 'where', 'argument');
  return wrap(N.where(handleOf(cond), xs ? x : handleOf(x), ys ? y : handleOf(y), xs ? 1 : ys ? 2 : 0));
}

/** Einstein summation, e.g. `einsum('bhqd,bhkd->bhqk', q, k)`. */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  return wrap(N.einsum(equation, operands.map(handleOf)));
}

/** For each value, its insertion index in the sorted last dimension of `sorted`. */
export function searchsorted(sorted: Tensor, values: Tensor, right = false): Tensor {
  return wrap(N.searchsorted(handleOf(sorted), handleOf(values), right));
}

/** Bytes one element of `dtype` takes (re-exported for callers sizing buffers). */
export { elementSize };
