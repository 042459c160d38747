/**
 * `Tensor`: one owned libtorch tensor. Method names follow ATen in camelCase (`logSoftmax`);
 * a trailing `_` changes the tensor in place. Every method returns a new Tensor that the caller
 * (or the open scope, see scope.ts) owns; `dispose()` frees it, and is idempotent.
 */
import { TorchError } from './errors.js';
import { type DType, type Device, checkDevice, dtypeCode, dtypeFromCode, isDType, isFloatingDType } from './dtype.js';
import { N, type H } from './native.js';
import { TRACKED, keep as keepTracked, track } from './scope.js';
import type { RandomGenerator } from './generator.js';

const NEW: unique symbol = Symbol('clinsum.Tensor.new');

/** Nested arrays of numbers, as `toArray()` returns them. */
export type NestedNumbers = number | NestedNumbers[];

export type TypedArrayOut = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** Options of `to()`. */
export interface ToOptions {
  dtype?: DType;
  device?: Device;
  /** Always return a copy, even when nothing changes. */
  copy?: boolean;
  /** Asynchronous host-device copy where possible. */
  nonBlocking?: boolean;
}

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

let handleOfImpl: (t: Tensor) => H;

export class Tensor {
  #h: H;
  #disposed = false;
  #shape: readonly number[] | undefined;
  #dtype: DType | undefined;
  #device: Device | undefined;

  /** Marks tensors for scope result walks (on the prototype, not per instance). */
  get [TRACKED](): true {
    return true;
  }

  /** Tensors come from the engine's functions (`tensor`, `zeros`, ops), never from `new`. */
  constructor(token: typeof NEW, h: H) {
    if (token !== NEW) throw new TorchError('Tensor cannot be constructed directly; use tensor(), zeros(), ...', 'Tensor', 'argument');
    this.#h = h;
    track(this);
  }

  static {
    handleOfImpl = (t) => {
      // A brand check, so that a non-Tensor passed from untyped JS raises a TorchError rather
      // than a TypeError about private fields.
      if (typeof t !== 'object' || t === null || !(#h in t)) {
        const got = t === null ? 'null' : typeof t === 'object' ? ((t as object).constructor?.name ?? 'object') : typeof t;
        throw new TorchError(`expected a Tensor, got ${got}`, 'Tensor', 'argument');
      }
      return t.#h;
    };
  }

  // ---- identity and lifetime

  /** Frees the tensor now (idempotent). Using it afterwards raises a TorchError. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    N.free(this.#h);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Keeps this tensor past the scopes it was created in; the caller owns it. */
  keep(): this {
    return keepTracked(this);
  }

  // ---- metadata

  get shape(): readonly number[] {
    return (this.#shape ??= Object.freeze(N.shape(this.#h)));
  }

  get dtype(): DType {
    return (this.#dtype ??= dtypeFromCode(N.dtype(this.#h)));
  }

  /** `cpu` or `cuda:N`. */
  get device(): Device {
    return (this.#device ??= N.device(this.#h) as Device);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  get numel(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }

  /** Size of dimension `dim` (negative counts from the end). */
  size(dim: number): number {
    const s = this.shape;
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) throw new TorchError(`dimension ${dim} is out of range for shape [${s.join(', ')}]`, 'size', 'argument');
    return s[d]!;
  }

  get requiresGrad(): boolean {
    return N.requiresGrad(this.#h);
  }

  get isLeaf(): boolean {
    return N.isLeaf(this.#h);
  }

  get isContiguous(): boolean {
    return N.isContiguous(this.#h);
  }

  /** Name of the autograd node that made this tensor (e.g. `MulBackward0`), if any. */
  get gradFn(): string | undefined {
    return N.gradFn(this.#h);
  }

  toString(): string {
    if (this.#disposed) return 'Tensor(disposed)';
    return `Tensor(${this.dtype} [${this.shape.join(', ')}] ${this.device}${this.requiresGrad ? ' requiresGrad' : ''})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- autograd

  /** Turns gradient recording for this (leaf) tensor on or off. Returns this tensor. */
  requiresGrad_(on = true): this {
    N.requiresGrad_(this.#h, on);
    return this;
  }

  /**
   * Back-propagates from this tensor, accumulating into the `.grad` of every leaf that requires
   * it. Without `grad` the tensor must hold one element (a loss).
   */
  backward(grad?: Tensor, options: { retainGraph?: boolean } = {}): void {
    N.backward(this.#h, grad === undefined ? undefined : hOf(grad), options.retainGraph ?? false);
  }

  /** The accumulated gradient (a new owned Tensor each time), or undefined. */
  get grad(): Tensor | undefined {
    const g = N.grad(this.#h);
    return g === undefined ? undefined : wrap(g);
  }

  /** Sets (or with undefined, drops) the accumulated gradient. */
  set grad(g: Tensor | undefined) {
    N.setGrad(this.#h, g === undefined ? undefined : hOf(g));
  }

  get hasGrad(): boolean {
    return N.hasGrad(this.#h);
  }

  /** Drops the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    N.setGrad(this.#h, undefined);
  }

  /** Keeps `.grad` for this non-leaf tensor after backward. */
  retainGrad(): this {
    N.retainGrad(this.#h);
    return this;
  }

  /** The same data, cut from the autograd graph. */
  detach(): Tensor {
    return wrap(N.detach(this.#h));
  }

  // ---- conversion

  to(dtype: DType): Tensor;
  to(device: Device): Tensor;
  to(options: ToOptions): Tensor;
  to(arg: DType | Device | ToOptions): Tensor {
    const o: ToOptions = typeof arg === 'string' ? (isDType(arg) ? { dtype: arg } : { device: checkDevice(arg, 'to') }) : arg;
    if (o.device !== undefined) checkDevice(o.device, 'to');
    return wrap(N.to(this.#h, o.dtype === undefined ? undefined : dtypeCode(o.dtype), o.device, o.nonBlocking ?? false, o.copy ?? false));
  }

  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  half(): Tensor {
    return this.to('float16');
  }
  bfloat16(): Tensor {
    return this.to('bfloat16');
  }
  long(): Tensor {
    return this.to('int64');
  }
  int(): Tensor {
    return this.to('int32');
  }
  bool(): Tensor {
    return this.to('bool');
  }
  cpu(): Tensor {
    return this.to('cpu');
  }
  cuda(index = 0): Tensor {
    return this.to(`cuda:${index}`);
  }
  contiguous(): Tensor {
    return wrap(N.contiguous(this.#h));
  }
  clone(): Tensor {
    return wrap(N.clone(this.#h));
  }

  // ---- readback (copies to the host)

  /** The single element as a number (booleans as 0/1). */
  item(): number {
    return N.item(this.#h);
  }

  /** Raw little-endian bytes of the elements in row-major order. */
  toBytes(): Uint8Array {
    return new Uint8Array(N.toBytes(this.#h));
  }

  /**
   * The elements in row-major order: Float32Array (float32, and float16/bfloat16 converted),
   * Float64Array, Int32Array, BigInt64Array (int64) or Uint8Array (bool, uint8).
   */
  toTypedArray(): TypedArrayOut {
    switch (this.dtype) {
      case 'float32':
        return new Float32Array(N.toBytes(this.#h));
      case 'float16':
      case 'bfloat16':
        return this.toFloat32Array();
      case 'float64':
        return new Float64Array(N.toBytes(this.#h));
      case 'int32':
        return new Int32Array(N.toBytes(this.#h));
      case 'int64':
        return new BigInt64Array(N.toBytes(this.#h));
      case 'bool':
      case 'uint8':
        return new Uint8Array(N.toBytes(this.#h));
    }
  }

  toFloat32Array(): Float32Array {
    return new Float32Array(this.#bytesAs(6));
  }

  toFloat64Array(): Float64Array {
    return new Float64Array(this.#bytesAs(7));
  }

  toInt32Array(): Int32Array {
    return new Int32Array(this.#bytesAs(3));
  }

  toBigInt64Array(): BigInt64Array {
    return new BigInt64Array(this.#bytesAs(4));
  }

  /** The elements as a flat number[] (int64 beyond 2^53 raise). */
  toNumbers(): number[] {
    const d = this.dtype;
    if (d === 'int64') {
      const big = this.toBigInt64Array();
      const out = new Array<number>(big.length);
      for (let i = 0; i < big.length; i++) {
        const v = big[i]!;
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new TorchError(`element ${i} (${v}) is beyond JavaScript's safe integers; use toBigInt64Array()`, 'toNumbers', 'argument');
        }
        out[i] = Number(v);
      }
      return out;
    }
    const arr = d === 'float64' ? this.toFloat64Array() : d === 'int32' ? this.toInt32Array() : d === 'bool' || d === 'uint8' ? (this.toTypedArray() as Uint8Array) : this.toFloat32Array();
    return Array.from(arr);
  }

  /** The elements as nested arrays following the shape (a number for a 0-d tensor). */
  toArray(): NestedNumbers {
    const flat = this.toNumbers();
    const shape = this.shape;
    if (shape.length === 0) return flat[0]!;
    let pos = 0;
    const build = (d: number): NestedNumbers[] => {
      const n = shape[d]!;
      const out: NestedNumbers[] = new Array(n);
      if (d === shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = flat[pos++]!;
      } else {
        for (let i = 0; i < n; i++) out[i] = build(d + 1);
      }
      return out;
    };
    return build(0);
  }

  #bytesAs(code: number): ArrayBuffer {
    if (N.dtype(this.#h) === code) return N.toBytes(this.#h);
    const c = N.to(this.#h, code, 'cpu', false, false);
    try {
      return N.toBytes(c);
    } finally {
      N.free(c);
    }
  }

  // ---- element-wise

  add(other: Tensor | number, alpha?: number): Tensor {
    if (other instanceof Tensor) return wrap(N.add(this.#h, hOf(other), alpha));
    return wrap(N.addScalar(this.#h, alpha === undefined ? other : other * alpha));
  }
  sub(other: Tensor | number, alpha?: number): Tensor {
    if (other instanceof Tensor) return wrap(N.sub(this.#h, hOf(other), alpha));
    return wrap(N.subScalar(this.#h, alpha === undefined ? other : other * alpha));
  }
  /** `value - this`. */
  rsub(value: number): Tensor {
    return wrap(N.rsub(this.#h, value));
  }
  mul(other: Tensor | number): Tensor {
    return wrap(other instanceof Tensor ? N.mul(this.#h, hOf(other)) : N.mulScalar(this.#h, other));
  }
  /** True division, or `trunc`/`floor` rounding. */
  div(other: Tensor | number, roundingMode?: 'trunc' | 'floor'): Tensor {
    return wrap(other instanceof Tensor ? N.div(this.#h, hOf(other), roundingMode) : N.divScalar(this.#h, other, roundingMode));
  }
  pow(exponent: Tensor | number): Tensor {
    return wrap(exponent instanceof Tensor ? N.pow(this.#h, hOf(exponent)) : N.powScalar(this.#h, exponent));
  }
  remainder(other: Tensor | number): Tensor {
    return wrap(other instanceof Tensor ? N.remainder(this.#h, hOf(other)) : N.remainderScalar(this.#h, other));
  }
  maximum(other: Tensor): Tensor {
    return wrap(N.maximum(this.#h, hOf(other)));
  }
  minimum(other: Tensor): Tensor {
    return wrap(N.minimum(this.#h, hOf(other)));
  }
  neg(): Tensor {
    return wrap(N.neg(this.#h));
  }
  exp(): Tensor {
    return wrap(N.exp(this.#h));
  }
  log(): Tensor {
    return wrap(N.log(this.#h));
  }
  log1p(): Tensor {
    return wrap(N.log1p(this.#h));
  }
  expm1(): Tensor {
    return wrap(N.expm1(this.#h));
  }
  sqrt(): Tensor {
    return wrap(N.sqrt(this.#h));
  }
  rsqrt(): Tensor {
    return wrap(N.rsqrt(this.#h));
  }
  abs(): Tensor {
    return wrap(N.abs(this.#h));
  }
  sign(): Tensor {
    return wrap(N.sign(this.#h));
  }
  sin(): Tensor {
    return wrap(N.sin(this.#h));
  }
  cos(): Tensor {
    return wrap(N.cos(this.#h));
  }
  tanh(): Tensor {
    return wrap(N.tanh(this.#h));
  }
  sigmoid(): Tensor {
    return wrap(N.sigmoid(this.#h));
  }
  relu(): Tensor {
    return wrap(N.relu(this.#h));
  }
  silu(): Tensor {
    return wrap(N.silu(this.#h));
  }
  /** GELU, exact (`none`, erf) or the `tanh` approximation. */
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return wrap(N.gelu(this.#h, approximate));
  }
  erf(): Tensor {
    return wrap(N.erf(this.#h));
  }
  floor(): Tensor {
    return wrap(N.floor(this.#h));
  }
  ceil(): Tensor {
    return wrap(N.ceil(this.#h));
  }
  round(): Tensor {
    return wrap(N.round(this.#h));
  }
  trunc(): Tensor {
    return wrap(N.trunc(this.#h));
  }
  reciprocal(): Tensor {
    return wrap(N.reciprocal(this.#h));
  }
  square(): Tensor {
    return wrap(N.square(this.#h));
  }
  clamp(min?: number, max?: number): Tensor {
    return wrap(N.clamp(this.#h, min, max));
  }
  logicalNot(): Tensor {
    return wrap(N.logicalNot(this.#h));
  }
  logicalAnd(other: Tensor): Tensor {
    return wrap(N.logicalAnd(this.#h, hOf(other)));
  }
  logicalOr(other: Tensor): Tensor {
    return wrap(N.logicalOr(this.#h, hOf(other)));
  }
  logicalXor(other: Tensor): Tensor {
    return wrap(N.logicalXor(this.#h, hOf(other)));
  }
  isnan(): Tensor {
    return wrap(N.isnan(this.#h));
  }
  isinf(): Tensor {
    return wrap(N.isinf(this.#h));
  }
  isfinite(): Tensor {
    return wrap(N.isfinite(this.#h));
  }
  eq(other: Tensor | number): Tensor {
    return wrap(other instanceof Tensor ? N.eq(this.#h, hOf(other)) : N.eqScalar(this.#h, other));
  }
  ne(other: Tensor | number): Tensor {
    return wrap(other instanceof Tensor ? N.ne(this.#h, hOf(other)) : N.neScalar(this.#h, other));
  }
  lt(other: Tensor | number): Tensor {
    return wrap(other instanceof Tensor ? N.lt(this.#h, hOf(other)) : N.ltScalar(this.#h, other));
  }
  le(other: Tensor | number): Tensor {
    return wrap(other instanceof Tensor ? N.le(this.#h, hOf(other)) : N.leScalar(this.#h, other));
  }
  gt(other: Tensor | number): Tensor {
    return wrap(other instanceof Tensor ? N.gt(this.#h, hOf(other)) : N.gtScalar(this.#h, other));
  }
  ge(other: Tensor | number): Tensor {
    return wrap(other instanceof Tensor ? N.ge(this.#h, hOf(other)) : N.geScalar(this.#h, other));
  }
  /** Same shape and elements. */
  equal(other: Tensor): boolean {
    return N.equal(this.#h, hOf(other));
  }
  allclose(other: Tensor, rtol = 1e-5, atol = 1e-8, equalNan = false): boolean {
    return N.allclose(this.#h, hOf(other), rtol, atol, equalNan);
  }
  maskedFill(mask: Tensor, value: number | boolean): Tensor {
    return wrap(N.maskedFill(this.#h, hOf(mask), value));
  }

  // ---- in place (no-grad paths: optimizers, initialisation, caches)

  add_(other: Tensor | number, alpha?: number): this {
    if (other instanceof Tensor) N.add_(this.#h, hOf(other), alpha);
    else N.addScalar_(this.#h, alpha === undefined ? other : other * alpha);
    return this;
  }
  sub_(other: Tensor | number): this {
    if (other instanceof Tensor) N.sub_(this.#h, hOf(other));
    else N.subScalar_(this.#h, other);
    return this;
  }
  mul_(other: Tensor | number): this {
    if (other instanceof Tensor) N.mul_(this.#h, hOf(other));
    else N.mulScalar_(this.#h, other);
    return this;
  }
  div_(other: Tensor | number): this {
    if (other instanceof Tensor) N.div_(this.#h, hOf(other));
    else N.divScalar_(this.#h, other);
    return this;
  }
  /** Copies `src` (broadcast, cast, moved across devices as needed) into this tensor. */
  copy_(src: Tensor): this {
    N.copy_(this.#h, hOf(src));
    return this;
  }
  fill_(value: number | boolean): this {
    N.fill_(this.#h, value);
    return this;
  }
  zero_(): this {
    N.zero_(this.#h);
    return this;
  }
  clamp_(min?: number, max?: number): this {
    N.clamp_(this.#h, min, max);
    return this;
  }
  maskedFill_(mask: Tensor, value: number | boolean): this {
    N.maskedFill_(this.#h, hOf(mask), value);
    return this;
  }
  /** Fills with U(from, to); a generator draws on the CPU so a seed gives the same values everywhere. */
  uniform_(from = 0, to = 1, options: { generator?: RandomGenerator } = {}): this {
    N.uniform_(this.#h, from, to, options.generator?.handle);
    return this;
  }
  /** Fills with N(mean, std²). */
  normal_(mean = 0, std = 1, options: { generator?: RandomGenerator } = {}): this {
    N.normal_(this.#h, mean, std, options.generator?.handle);
    return this;
  }

  // ---- matrix products

  matmul(other: Tensor): Tensor {
    return wrap(N.matmul(this.#h, hOf(other)));
  }
  mm(other: Tensor): Tensor {
    return wrap(N.mm(this.#h, hOf(other)));
  }
  bmm(other: Tensor): Tensor {
    return wrap(N.bmm(this.#h, hOf(other)));
  }
  outer(other: Tensor): Tensor {
    return wrap(N.outer(this.#h, hOf(other)));
  }

  // ---- reductions (dim: a number, a list, or undefined = all)

  sum(dim?: number | readonly number[], keepdim = false, dtype?: DType): Tensor {
    return wrap(N.sum(this.#h, dims(dim), keepdim, dtype === undefined ? undefined : dtypeCode(dtype)));
  }
  mean(dim?: number | readonly number[], keepdim = false, dtype?: DType): Tensor {
    return wrap(N.mean(this.#h, dims(dim), keepdim, dtype === undefined ? undefined : dtypeCode(dtype)));
  }
  prod(dim?: number, keepdim = false): Tensor {
    return wrap(N.prod(this.#h, dim, keepdim));
  }
  /** Largest element (0-d). */
  max(): Tensor {
    return wrap(N.maxAll(this.#h));
  }
  min(): Tensor {
    return wrap(N.minAll(this.#h));
  }
  /** Largest values along `dim` and where they are. */
  maxDim(dim: number, keepdim = false): ValuesIndices {
    return pair(N.maxDim(this.#h, dim, keepdim));
  }
  minDim(dim: number, keepdim = false): ValuesIndices {
    return pair(N.minDim(this.#h, dim, keepdim));
  }
  amax(dim: number | readonly number[], keepdim = false): Tensor {
    return wrap(N.amax(this.#h, dims(dim) ?? [], keepdim));
  }
  amin(dim: number | readonly number[], keepdim = false): Tensor {
    return wrap(N.amin(this.#h, dims(dim) ?? [], keepdim));
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return wrap(N.argmax(this.#h, dim, keepdim));
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return wrap(N.argmin(this.#h, dim, keepdim));
  }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor {
    return wrap(N.logsumexp(this.#h, dims(dim) ?? [], keepdim));
  }
  var(dim: number | readonly number[], unbiased = true, keepdim = false): Tensor {
    return wrap(N.var(this.#h, dims(dim) ?? [], unbiased, keepdim));
  }
  std(dim: number | readonly number[], unbiased = true, keepdim = false): Tensor {
    return wrap(N.std(this.#h, dims(dim) ?? [], unbiased, keepdim));
  }
  /** Vector p-norm over `dim` (all elements by default); p may be Infinity. */
  norm(p = 2, dim?: number | readonly number[], keepdim = false): Tensor {
    return wrap(N.norm(this.#h, p, dims(dim), keepdim));
  }
  all(dim?: number, keepdim = false): Tensor {
    return wrap(N.all(this.#h, dim, keepdim));
  }
  any(dim?: number, keepdim = false): Tensor {
    return wrap(N.any(this.#h, dim, keepdim));
  }
  countNonzero(dim?: number): Tensor {
    return wrap(N.countNonzero(this.#h, dim));
  }
  cumsum(dim: number, dtype?: DType): Tensor {
    return wrap(N.cumsum(this.#h, dim, dtype === undefined ? undefined : dtypeCode(dtype)));
  }
  cumprod(dim: number, dtype?: DType): Tensor {
    return wrap(N.cumprod(this.#h, dim, dtype === undefined ? undefined : dtypeCode(dtype)));
  }
  topk(k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
    return pair(N.topk(this.#h, k, dim, largest, sorted));
  }
  sort(dim = -1, descending = false, stable = false): ValuesIndices {
    return pair(N.sort(this.#h, dim, descending, stable));
  }
  argsort(dim = -1, descending = false, stable = false): Tensor {
    return wrap(N.argsort(this.#h, dim, descending, stable));
  }
  softmax(dim: number, dtype?: DType): Tensor {
    return wrap(N.softmax(this.#h, dim, dtype === undefined ? undefined : dtypeCode(dtype)));
  }
  logSoftmax(dim: number, dtype?: DType): Tensor {
    return wrap(N.logSoftmax(this.#h, dim, dtype === undefined ? undefined : dtypeCode(dtype)));
  }

  // ---- shape

  /** A tensor of `shape` (one size may be -1) with the same elements; a view when possible. */
  reshape(shape: readonly number[]): Tensor {
    return wrap(N.reshape(this.#h, shape));
  }
  /** Like reshape, but always a view (fails on incompatible strides). */
  view(shape: readonly number[]): Tensor {
    return wrap(N.view(this.#h, shape));
  }
  permute(dims: readonly number[]): Tensor {
    return wrap(N.permute(this.#h, dims));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return wrap(N.transpose(this.#h, dim0, dim1));
  }
  /** Transpose of a 2-d tensor. */
  t(): Tensor {
    if (this.ndim !== 2) throw new TorchError(`t() needs a 2-d tensor, got shape [${this.shape.join(', ')}]`, 't', 'argument');
    return this.transpose(0, 1);
  }
  /** `length` elements of `dim` from `start` (a view). */
  narrow(dim: number, start: number, length: number): Tensor {
    return wrap(N.narrow(this.#h, dim, start, length));
  }
  /** Python's `x[..., start:end:step, ...]` on `dim` (a view); negative bounds count from the end. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return wrap(N.slice(this.#h, dim, start, end, step));
  }
  /** Index `index` of `dim`, removing that dimension (a view). */
  select(dim: number, index: number): Tensor {
    return wrap(N.select(this.#h, dim, index));
  }
  split(sizeOrSizes: number | readonly number[], dim = 0): Tensor[] {
    return N.split(this.#h, sizeOrSizes, dim).map(wrap);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return N.chunk(this.#h, chunks, dim).map(wrap);
  }
  unbind(dim = 0): Tensor[] {
    return N.unbind(this.#h, dim).map(wrap);
  }
  /** Broadcast view to `shape` (-1 keeps a size). */
  expand(shape: readonly number[]): Tensor {
    return wrap(N.expand(this.#h, shape));
  }
  expandAs(other: Tensor): Tensor {
    return this.expand(other.shape);
  }
  squeeze(dim?: number): Tensor {
    return wrap(N.squeeze(this.#h, dim));
  }
  unsqueeze(dim: number): Tensor {
    return wrap(N.unsqueeze(this.#h, dim));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return wrap(N.flatten(this.#h, startDim, endDim));
  }
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return wrap(N.unflatten(this.#h, dim, sizes));
  }
  /** Tiles the tensor `repeats[i]` times along each dimension. */
  repeat(repeats: readonly number[]): Tensor {
    return wrap(N.repeat(this.#h, repeats));
  }
  /** Repeats each element (along `dim`, or of the flattened tensor) `repeats` times. */
  repeatInterleave(repeats: number | Tensor, dim?: number): Tensor {
    if (repeats instanceof Tensor) return wrap(N.repeatInterleaveTensor(this.#h, hOf(repeats), dim));
    return wrap(N.repeatInterleave(this.#h, repeats, dim));
  }
  flip(dims: readonly number[]): Tensor {
    return wrap(N.flip(this.#h, dims));
  }
  roll(shifts: readonly number[], dims: readonly number[]): Tensor {
    return wrap(N.roll(this.#h, shifts, dims));
  }
  /** Upper triangle (elements below diagonal `k` set to zero) of the last two dimensions. */
  triu(k = 0): Tensor {
    return wrap(N.triu(this.#h, k));
  }
  tril(k = 0): Tensor {
    return wrap(N.tril(this.#h, k));
  }
  /** Constant padding: `pads` = [lastLeft, lastRight, secondLastLeft, ...] as torch.nn.functional.pad. */
  pad(pads: readonly number[], value = 0): Tensor {
    return wrap(N.pad(this.#h, pads, value));
  }

  // ---- indexing

  /** Rows (along `dim`) picked by an int64 index vector. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return wrap(N.indexSelect(this.#h, dim, hOf(index)));
  }
  gather(dim: number, index: Tensor): Tensor {
    return wrap(N.gather(this.#h, dim, hOf(index)));
  }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor {
    if (src instanceof Tensor) return wrap(N.scatter(this.#h, dim, hOf(index), hOf(src)));
    return wrap(N.scatterScalar(this.#h, dim, hOf(index), src));
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return wrap(N.scatterAdd(this.#h, dim, hOf(index), hOf(src)));
  }
  indexAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return wrap(N.indexAdd(this.#h, dim, hOf(index), hOf(src)));
  }
  maskedSelect(mask: Tensor): Tensor {
    return wrap(N.maskedSelect(this.#h, hOf(mask)));
  }
  /** Indices (n, ndim) of the non-zero elements. */
  nonzero(): Tensor {
    return wrap(N.nonzero(this.#h));
  }
  /** int64 class indices to a one-hot int64 tensor with a new last dimension. */
  oneHot(numClasses: number): Tensor {
    return wrap(N.oneHot(this.#h, numClasses));
  }
}

/** The handle of another tensor argument, with the brand check of `handleOf`. */
function hOf(t: Tensor): H {
  return handleOfImpl(t);
}

/** Wraps a fresh native handle (the new Tensor is recorded in the open scope). */
export function wrap(h: H): Tensor {
  return new Tensor(NEW, h);
}

/** The native handle of a tensor (engine-internal). */
export function handleOf(t: Tensor): H {
  return handleOfImpl(t);
}

function pair([v, i]: [H, H]): ValuesIndices {
  return { values: wrap(v), indices: wrap(i) };
}

function dims(d: number | readonly number[] | undefined): readonly number[] | undefined {
  return typeof d === 'number' ? [d] : d;
}

/** Checks that a tensor has a floating dtype (for ops that need one). */
export function requireFloat(t: Tensor, op: string): void {
  if (!isFloatingDType(t.dtype)) throw new TorchError(`needs a floating-point tensor, got ${t.dtype}`, op, 'argument');
}
