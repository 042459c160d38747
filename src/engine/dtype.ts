/** Element types and devices, with the codes the native addon uses (c10::ScalarType values). */
import { TorchError } from './errors.js';

export type DType = 'float32' | 'float64' | 'bfloat16' | 'float16' | 'int64' | 'int32' | 'bool' | 'uint8';
export type FloatDType = 'float32' | 'float64' | 'bfloat16' | 'float16';
/** `cpu`, `cuda` (the current CUDA device) or `cuda:N`. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'bfloat16', 'float16', 'int64', 'int32', 'bool', 'uint8'];

const CODE: Readonly<Record<DType, number>> = {
  uint8: 0,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
  bool: 11,
  bfloat16: 15,
};
const BY_CODE = new Map<number, DType>(Object.entries(CODE).map(([k, v]) => [v, k as DType]));

const SIZE: Readonly<Record<DType, number>> = {
  uint8: 1,
  bool: 1,
  int32: 4,
  int64: 8,
  float16: 2,
  bfloat16: 2,
  float32: 4,
  float64: 8,
};

export function dtypeCode(d: DType): number {
  const c = CODE[d];
  if (c === undefined) throw new TorchError(`unknown dtype ${JSON.stringify(d)} (one of ${DTYPES.join(', ')})`, 'dtype', 'argument');
  return c;
}

export function dtypeFromCode(code: number): DType {
  const d = BY_CODE.get(code);
  if (d === undefined) throw new TorchError(`libtorch returned a tensor of an unsupported scalar type (code ${code})`, 'dtype', 'argument');
  return d;
}

export function isDType(s: string): s is DType {
  return Object.hasOwn(CODE, s);
}

/** Bytes per element. */
export function elementSize(d: DType): number {
  return SIZE[d];
}

export function isFloatingDType(d: DType): d is FloatDType {
  return d === 'float32' || d === 'float64' || d === 'bfloat16' || d === 'float16';
}

const DEVICE_RE = /^(cpu|cuda(:\d+)?)$/;

export function isDevice(s: string): s is Device {
  return DEVICE_RE.test(s);
}

let cudaProbe: (() => boolean) | undefined;
let cudaKnown: boolean | undefined;

/** Installs the CUDA availability probe (native.ts, at load). */
export function setCudaProbe(probe: () => boolean): void {
  cudaProbe = probe;
}

/** A valid device string whose backend exists in this process (CUDA checked once, lazily). */
export function checkDevice(s: string, op: string): Device {
  if (!isDevice(s)) throw new TorchError(`unknown device ${JSON.stringify(s)} (cpu, cuda or cuda:N)`, op, 'argument');
  if (s !== 'cpu' && cudaProbe !== undefined) {
    cudaKnown ??= cudaProbe();
    if (!cudaKnown) throw new TorchError(`device ${s} asked for, but CUDA is not available (a CPU-only libtorch, or no GPU visible)`, op, 'unavailable');
  }
  return s;
}
