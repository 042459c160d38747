/**
 * The native addon (native/*.cc over libtorch), loaded once, with the exact shape of every
 * function it exports. Tensor handles are numbers (a slot and a generation); generators are
 * opaque externals. Nothing outside src/engine should import this module: use the `Tensor` API.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClinsumError } from '../util/errors.js';
import { TorchError } from './errors.js';
import { setCudaProbe } from './dtype.js';

/** A tensor handle (a number the addon hands out; 0 never is one). */
export type H = number;
/** A CPU random generator handle. */
export type GeneratorHandle = { readonly __generator: unique symbol };
type Opt<T> = T | undefined;
type Ints = readonly number[];
type Bytes = ArrayBufferView | ArrayBuffer;

export interface CudaDeviceInfo {
  index: number;
  name: string;
  totalMemory: number;
  capability: string;
  driverVersion: number;
}

export interface CudaMemoryStats {
  allocated: number;
  reserved: number;
  peakAllocated: number;
  peakReserved: number;
}

export interface NativeBuildInfo {
  torchVersion: string;
  method: string;
  cudaCompiled: boolean;
  cudaMemoryStats: boolean;
  cxx11Abi: number;
  compiler: string;
  cplusplus: number;
  napiVersion: number;
  config: string;
  parallel: string;
}

type Unary = (x: H) => H;
type Binary = (x: H, y: H) => H;
type WithScalar = (x: H, s: number | boolean) => H;
type InPlace = (x: H, y: H) => void;
type InPlaceScalar = (x: H, s: number) => void;

export interface NativeBinding {
  init(errorClass: new (message: string, op: string, kind: string) => Error): void;
  // memory and metadata
  liveCount(): number;
  free(h: H): boolean;
  shape(h: H): number[];
  dtype(h: H): number;
  device(h: H): string;
  requiresGrad(h: H): boolean;
  isLeaf(h: H): boolean;
  isContiguous(h: H): boolean;
  gradFn(h: H): string | undefined;
  version(h: H): number;
  // creation
  fromBytes(bytes: Bytes, dtype: number, shape: Ints): H;
  empty(shape: Ints, dtype: number, device: string): H;
  zeros(shape: Ints, dtype: number, device: string): H;
  ones(shape: Ints, dtype: number, device: string): H;
  full(shape: Ints, value: number | boolean, dtype: number, device: string): H;
  arange(start: number, end: number, step: number, dtype: number, device: string): H;
  linspace(start: number, end: number, steps: number, dtype: number, device: string): H;
  eye(n: number, m: number, dtype: number, device: string): H;
  rand(shape: Ints, dtype: number, device: string, gen: Opt<GeneratorHandle>): H;
  randn(shape: Ints, dtype: number, device: string, gen: Opt<GeneratorHandle>): H;
  randint(low: number, high: number, shape: Ints, dtype: number, device: string, gen: Opt<GeneratorHandle>): H;
  uniform_(h: H, from: number, to: number, gen: Opt<GeneratorHandle>): void;
  normal_(h: H, mean: number, std: number, gen: Opt<GeneratorHandle>): void;
  generatorNew(seed: number): GeneratorHandle;
  generatorState(g: GeneratorHandle): H;
  generatorSetState(g: GeneratorHandle, state: H): void;
  // readback
  toBytes(h: H): ArrayBuffer;
  readBytes(h: H, offset: number, length: number): ArrayBuffer;
  writeBytes(h: H, offset: number, bytes: Uint8Array): void;
  item(h: H): number;
  // autograd
  requiresGrad_(h: H, on: boolean): void;
  backward(h: H, grad: Opt<H>, retainGraph: boolean): void;
  grad(h: H): H | undefined;
  setGrad(h: H, g: Opt<H>): void;
  hasGrad(h: H): boolean;
  retainGrad(h: H): void;
  detach(h: H): H;
  isGradEnabled(): boolean;
  setGradEnabled(on: boolean): boolean;
  inferenceModeEnter(): void;
  inferenceModeExit(): void;
  isInferenceMode(): boolean;
  // element-wise
  neg: Unary;
  exp: Unary;
  log: Unary;
  log1p: Unary;
  expm1: Unary;
  sqrt: Unary;
  rsqrt: Unary;
  abs: Unary;
  sign: Unary;
  sin: Unary;
  cos: Unary;
  tanh: Unary;
  sigmoid: Unary;
  relu: Unary;
  silu: Unary;
  erf: Unary;
  floor: Unary;
  ceil: Unary;
  round: Unary;
  trunc: Unary;
  reciprocal: Unary;
  square: Unary;
  logicalNot: Unary;
  isnan: Unary;
  isinf: Unary;
  isfinite: Unary;
  clone: Unary;
  contiguous: Unary;
  gelu(h: H, approximate: string): H;
  clamp(h: H, min: Opt<number>, max: Opt<number>): H;
  clamp_(h: H, min: Opt<number>, max: Opt<number>): void;
  add(x: H, y: H, alpha?: number): H;
  addScalar: WithScalar;
  sub(x: H, y: H, alpha?: number): H;
  subScalar: WithScalar;
  rsub: WithScalar;
  mul: Binary;
  mulScalar: WithScalar;
  div(x: H, y: H, roundingMode?: string): H;
  divScalar(x: H, s: number, roundingMode?: string): H;
  pow: Binary;
  powScalar: WithScalar;
  powScalarBase(s: number, x: H): H;
  remainder: Binary;
  remainderScalar: WithScalar;
  maximum: Binary;
  minimum: Binary;
  eq: Binary;
  eqScalar: WithScalar;
  ne: Binary;
  neScalar: WithScalar;
  lt: Binary;
  ltScalar: WithScalar;
  le: Binary;
  leScalar: WithScalar;
  gt: Binary;
  gtScalar: WithScalar;
  ge: Binary;
  geScalar: WithScalar;
  logicalAnd: Binary;
  logicalOr: Binary;
  logicalXor: Binary;
  equal(x: H, y: H): boolean;
  allclose(x: H, y: H, rtol: number, atol: number, equalNan: boolean): boolean;
  add_(x: H, y: H, alpha?: number): void;
  addScalar_: InPlaceScalar;
  sub_: InPlace;
  subScalar_: InPlaceScalar;
  mul_: InPlace;
  mulScalar_: InPlaceScalar;
  div_: InPlace;
  divScalar_: InPlaceScalar;
  copy_: InPlace;
  fill_(h: H, value: number | boolean): void;
  zero_(h: H): void;
  maskedFill_(h: H, mask: H, value: number | boolean): void;
  // matrix products
  matmul: Binary;
  mm: Binary;
  bmm: Binary;
  outer: Binary;
  einsum(equation: string, operands: readonly H[]): H;
  // reductions
  sum(h: H, dims: Opt<Ints>, keepdim: boolean, dtype: Opt<number>): H;
  mean(h: H, dims: Opt<Ints>, keepdim: boolean, dtype: Opt<number>): H;
  prod(h: H, dim: Opt<number>, keepdim: boolean): H;
  maxAll: Unary;
  minAll: Unary;
  maxDim(h: H, dim: number, keepdim: boolean): [H, H];
  minDim(h: H, dim: number, keepdim: boolean): [H, H];
  amax(h: H, dims: Ints, keepdim: boolean): H;
  amin(h: H, dims: Ints, keepdim: boolean): H;
  argmax(h: H, dim: Opt<number>, keepdim: boolean): H;
  argmin(h: H, dim: Opt<number>, keepdim: boolean): H;
  logsumexp(h: H, dims: Ints, keepdim: boolean): H;
  var(h: H, dims: Ints, unbiased: boolean, keepdim: boolean): H;
  std(h: H, dims: Ints, unbiased: boolean, keepdim: boolean): H;
  norm(h: H, p: number, dims: Opt<Ints>, keepdim: boolean): H;
  all(h: H, dim: Opt<number>, keepdim: boolean): H;
  any(h: H, dim: Opt<number>, keepdim: boolean): H;
  countNonzero(h: H, dim: Opt<number>): H;
  cumsum(h: H, dim: number, dtype: Opt<number>): H;
  cumprod(h: H, dim: number, dtype: Opt<number>): H;
  topk(h: H, k: number, dim: number, largest: boolean, sorted: boolean): [H, H];
  sort(h: H, dim: number, descending: boolean, stable: boolean): [H, H];
  argsort(h: H, dim: number, descending: boolean, stable: boolean): H;
  // shape
  reshape(h: H, shape: Ints): H;
  view(h: H, shape: Ints): H;
  permute(h: H, dims: Ints): H;
  transpose(h: H, d0: number, d1: number): H;
  narrow(h: H, dim: number, start: number, length: number): H;
  slice(h: H, dim: number, start: Opt<number>, end: Opt<number>, step: number): H;
  select(h: H, dim: number, index: number): H;
  cat(hs: readonly H[], dim: number): H;
  stack(hs: readonly H[], dim: number): H;
  split(h: H, sizeOrSizes: number | Ints, dim: number): H[];
  chunk(h: H, chunks: number, dim: number): H[];
  unbind(h: H, dim: number): H[];
  expand(h: H, shape: Ints): H;
  squeeze(h: H, dim: Opt<number>): H;
  unsqueeze(h: H, dim: number): H;
  flatten(h: H, start: number, end: number): H;
  unflatten(h: H, dim: number, sizes: Ints): H;
  repeat(h: H, repeats: Ints): H;
  repeatInterleave(h: H, repeats: number, dim: Opt<number>): H;
  repeatInterleaveTensor(h: H, repeats: H, dim: Opt<number>): H;
  flip(h: H, dims: Ints): H;
  roll(h: H, shifts: Ints, dims: Ints): H;
  triu(h: H, diagonal: number): H;
  tril(h: H, diagonal: number): H;
  pad(h: H, pads: Ints, value: number): H;
  // indexing
  indexSelect(h: H, dim: number, index: H): H;
  gather(h: H, dim: number, index: H): H;
  scatter(h: H, dim: number, index: H, src: H): H;
  scatterScalar(h: H, dim: number, index: H, value: number): H;
  scatterAdd(h: H, dim: number, index: H, src: H): H;
  indexAdd(h: H, dim: number, index: H, src: H): H;
  maskedSelect(h: H, mask: H): H;
  nonzero: Unary;
  where(cond: H, x: H | number, y: H | number, scalarKind: number): H;
  maskedFill(h: H, mask: H, value: number | boolean): H;
  oneHot(h: H, numClasses: number): H;
  searchsorted(sorted: H, values: H, right: boolean): H;
  to(h: H, dtype: Opt<number>, device: Opt<string>, nonBlocking: boolean, copy: boolean): H;
  // nn
  linear(x: H, w: H, b: Opt<H>): H;
  embedding(w: H, idx: H, paddingIdx: number): H;
  layerNorm(x: H, shape: Ints, w: Opt<H>, b: Opt<H>, eps: number): H;
  rmsNorm(x: H, w: Opt<H>, eps: number): H;
  softmax(h: H, dim: number, dtype: Opt<number>): H;
  logSoftmax(h: H, dim: number, dtype: Opt<number>): H;
  dropout(h: H, p: number, train: boolean): H;
  crossEntropy(logits: H, targets: H, classWeights: Opt<H>, reduction: number, ignoreIndex: number, labelSmoothing: number): H;
  attention(q: H, k: H, v: H, keyPadding: Opt<H>, mask: Opt<H>, causal: boolean, dropoutP: number, scale: Opt<number>): H;
  multinomial(probs: H, n: number, replacement: boolean, gen: Opt<GeneratorHandle>): H;
  adamwStep(params: readonly H[], expAvg: readonly H[], expAvgSq: readonly H[], steps: Ints, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number): void;
  clipGradNorm(params: readonly H[], maxNorm: number, normType: number): number;
  fusedKernels(): { adamw: boolean; rmsNorm: boolean };
  // runtime
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  rngState(device: string): H;
  setRngState(device: string, state: H): void;
  setDeterministic(on: boolean, warnOnly: boolean): void;
  setMatmulPrecision(p: string): void;
  cudaAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(index: number): void;
  cudaDevices(): CudaDeviceInfo[];
  cudaMemoryStats(index: number): CudaMemoryStats | undefined;
  cudaResetPeak(index: number): void;
  cudaEmptyCache(): void;
  profilerStart(cuda: boolean): void;
  profilerStop(): { events: NativeProfilerEvent[]; startNs: string };
  profilerRunning(): boolean;
  autocastState(deviceType: string): [boolean, number];
  autocastSet(deviceType: string, enabled: boolean, dtype: number): void;
  autocastNesting(delta: number): number;
  buildInfo(): NativeBuildInfo;
}

/** One event recorded by the profiler (libkineto's activity type numbering). */
export interface NativeProfilerEvent {
  name: string;
  device: 'cpu' | 'cuda';
  activity: number;
  /** The host thread of an operator, the stream of a device event. */
  thread: number;
  /** From the session's first event. */
  startNs: number;
  durNs: number;
}

/** Every function the TypeScript side calls; checked at load so that a stale build fails early. */
const FUNCTIONS = {
  init: true,
  liveCount: true,
  free: true,
  shape: true,
  dtype: true,
  device: true,
  requiresGrad: true,
  isLeaf: true,
  isContiguous: true,
  gradFn: true,
  version: true,
  fromBytes: true,
  empty: true,
  zeros: true,
  ones: true,
  full: true,
  arange: true,
  linspace: true,
  eye: true,
  rand: true,
  randn: true,
  randint: true,
  uniform_: true,
  normal_: true,
  generatorNew: true,
  generatorState: true,
  generatorSetState: true,
  toBytes: true,
  readBytes: true,
  writeBytes: true,
  item: true,
  requiresGrad_: true,
  backward: true,
  grad: true,
  setGrad: true,
  hasGrad: true,
  retainGrad: true,
  detach: true,
  isGradEnabled: true,
  setGradEnabled: true,
  inferenceModeEnter: true,
  inferenceModeExit: true,
  isInferenceMode: true,
  neg: true,
  exp: true,
  log: true,
  log1p: true,
  expm1: true,
  sqrt: true,
  rsqrt: true,
  abs: true,
  sign: true,
  sin: true,
  cos: true,
  tanh: true,
  sigmoid: true,
  relu: true,
  silu: true,
  erf: true,
  floor: true,
  ceil: true,
  round: true,
  trunc: true,
  reciprocal: true,
  square: true,
  logicalNot: true,
  isnan: true,
  isinf: true,
  isfinite: true,
  clone: true,
  contiguous: true,
  gelu: true,
  clamp: true,
  clamp_: true,
  add: true,
  addScalar: true,
  sub: true,
  subScalar: true,
  rsub: true,
  mul: true,
  mulScalar: true,
  div: true,
  divScalar: true,
  pow: true,
  powScalar: true,
  powScalarBase: true,
  remainder: true,
  remainderScalar: true,
  maximum: true,
  minimum: true,
  eq: true,
  eqScalar: true,
  ne: true,
  neScalar: true,
  lt: true,
  ltScalar: true,
  le: true,
  leScalar: true,
  gt: true,
  gtScalar: true,
  ge: true,
  geScalar: true,
  logicalAnd: true,
  logicalOr: true,
  logicalXor: true,
  equal: true,
  allclose: true,
  add_: true,
  addScalar_: true,
  sub_: true,
  subScalar_: true,
  mul_: true,
  mulScalar_: true,
  div_: true,
  divScalar_: true,
  copy_: true,
  fill_: true,
  zero_: true,
  maskedFill_: true,
  matmul: true,
  mm: true,
  bmm: true,
  outer: true,
  einsum: true,
  sum: true,
  mean: true,
  prod: true,
  maxAll: true,
  minAll: true,
  maxDim: true,
  minDim: true,
  amax: true,
  amin: true,
  argmax: true,
  argmin: true,
  logsumexp: true,
  var: true,
  std: true,
  norm: true,
  all: true,
  any: true,
  countNonzero: true,
  cumsum: true,
  cumprod: true,
  topk: true,
  sort: true,
  argsort: true,
  reshape: true,
  view: true,
  permute: true,
  transpose: true,
  narrow: true,
  slice: true,
  select: true,
  cat: true,
  stack: true,
  split: true,
  chunk: true,
  unbind: true,
  expand: true,
  squeeze: true,
  unsqueeze: true,
  flatten: true,
  unflatten: true,
  repeat: true,
  repeatInterleave: true,
  repeatInterleaveTensor: true,
  flip: true,
  roll: true,
  triu: true,
  tril: true,
  pad: true,
  indexSelect: true,
  gather: true,
  scatter: true,
  scatterScalar: true,
  scatterAdd: true,
  indexAdd: true,
  maskedSelect: true,
  nonzero: true,
  where: true,
  maskedFill: true,
  oneHot: true,
  searchsorted: true,
  to: true,
  linear: true,
  embedding: true,
  layerNorm: true,
  rmsNorm: true,
  softmax: true,
  logSoftmax: true,
  dropout: true,
  crossEntropy: true,
  attention: true,
  multinomial: true,
  adamwStep: true,
  clipGradNorm: true,
  fusedKernels: true,
  setNumThreads: true,
  getNumThreads: true,
  manualSeed: true,
  rngState: true,
  setRngState: true,
  setDeterministic: true,
  setMatmulPrecision: true,
  cudaAvailable: true,
  cudaDeviceCount: true,
  cudaSynchronize: true,
  cudaDevices: true,
  cudaMemoryStats: true,
  cudaResetPeak: true,
  cudaEmptyCache: true,
  profilerStart: true,
  profilerStop: true,
  profilerRunning: true,
  autocastState: true,
  autocastSet: true,
  autocastNesting: true,
  buildInfo: true,
} as const satisfies Record<keyof NativeBinding, true>;

/** The repository (or installed package) root: dist/src/engine/native.js sits three folders down. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Where the addon is loaded from (CLINSUM_NATIVE overrides, for tests of other builds). */
export const addonPath = process.env.CLINSUM_NATIVE ?? join(packageRoot, 'build', 'Release', 'clinsum_native.node');

function load(): NativeBinding {
  if (!existsSync(addonPath)) {
    throw new ClinsumError(
      'engine',
      `the native engine is not built (${addonPath} is missing); run \`npm run build:native\` (needs libtorch: see docs/engine.md)`,
    );
  }
  const require = createRequire(import.meta.url);
  let binding: NativeBinding;
  try {
    binding = require(addonPath) as NativeBinding;
  } catch (e) {
    throw new ClinsumError(
      'engine',
      `the native engine at ${addonPath} failed to load (${e instanceof Error ? e.message : String(e)}); rebuild it with \`npm run build:native\``,
      { cause: e },
    );
  }
  const missing = Object.keys(FUNCTIONS).filter((k) => typeof (binding as unknown as Record<string, unknown>)[k] !== 'function');
  if (missing.length > 0) {
    throw new ClinsumError('engine', `the native engine at ${addonPath} is out of date (lacks ${missing.slice(0, 5).join(', ')}); rebuild it with \`npm run build:native\``);
  }
  binding.init(TorchError);
  setCudaProbe(() => binding.cudaAvailable());
  // Threads: libtorch's own default (its count of physical cores, or OMP_NUM_THREADS), the
  // same as PyTorch's; CLINSUM_NUM_THREADS overrides it.
  const raw = process.env.CLINSUM_NUM_THREADS;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new ClinsumError('config', `CLINSUM_NUM_THREADS must be a positive integer, got "${raw}"`);
    binding.setNumThreads(n);
  }
  return binding;
}

/** The loaded addon. */
export const N: NativeBinding = load();
