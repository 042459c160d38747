/**
 * Test helpers for engine users: closeness assertions with the failing element named, and a
 * float64 finite-difference gradient check (torch.autograd.gradcheck's method).
 */
import { TorchError } from './errors.js';
import { noGrad } from './autograd.js';
import { tidy } from './scope.js';
import { tensor } from './creation.js';
import type { Tensor } from './tensor.js';
import { type DType, type Device, type FloatDType, checkDevice } from './dtype.js';
import { cudaAvailable } from './runtime.js';

/**
 * The device tests run on: CLINSUM_TEST_DEVICE (cpu, cuda, cuda:N; default cpu). Asking for
 * CUDA where there is none fails loudly rather than silently testing the CPU.
 */
export function testDevice(): Device {
  const d = checkDevice(process.env.CLINSUM_TEST_DEVICE ?? 'cpu', 'testDevice');
  if (d !== 'cpu' && !cudaAvailable()) throw new TorchError(`CLINSUM_TEST_DEVICE=${d} but CUDA is not available`, 'testDevice', 'unavailable');
  return d;
}

/** The float dtype of forward-value tests: CLINSUM_TEST_DTYPE (float32 or bfloat16; default float32). */
export function testDtype(): FloatDType {
  const d = process.env.CLINSUM_TEST_DTYPE ?? 'float32';
  if (d !== 'float32' && d !== 'bfloat16' && d !== 'float16' && d !== 'float64') throw new TorchError(`CLINSUM_TEST_DTYPE must be a float dtype, got ${d}`, 'testDtype', 'argument');
  return d;
}

/** Comparison tolerances for results computed in `dtype` against a float64 reference. */
export function tolerance(dtype: DType): { rtol: number; atol: number } {
  switch (dtype) {
    case 'float64':
      return { rtol: 1e-10, atol: 1e-12 };
    case 'float32':
      return { rtol: 1e-4, atol: 1e-5 };
    case 'float16':
      return { rtol: 1e-2, atol: 1e-2 };
    case 'bfloat16':
      return { rtol: 4e-2, atol: 4e-2 };
    default:
      return { rtol: 0, atol: 0 };
  }
}

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  /** Prefix of the failure message. */
  message?: string;
}

/** Throws unless |actual − expected| ≤ atol + rtol·|expected| everywhere (shapes must match). */
export function assertClose(actual: Tensor | number[] | number, expected: Tensor | number[] | number, options: CloseOptions = {}): void {
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-8;
  const prefix = options.message ? `${options.message}: ` : '';
  const flat = (x: Tensor | number[] | number): { values: number[]; shape: readonly number[] | undefined } => {
    if (typeof x === 'number') return { values: [x], shape: undefined };
    if (Array.isArray(x)) return { values: x, shape: undefined };
    return { values: x.toNumbers(), shape: x.shape };
  };
  const a = flat(actual);
  const e = flat(expected);
  if (a.shape !== undefined && e.shape !== undefined && (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape![i]))) {
    throw new Error(`${prefix}shape [${a.shape.join(', ')}] differs from the expected [${e.shape.join(', ')}]`);
  }
  if (a.values.length !== e.values.length) throw new Error(`${prefix}${a.values.length} elements, expected ${e.values.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i]!;
    const y = e.values[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    const excess = Math.abs(x - y) - (atol + rtol * Math.abs(y));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${prefix}element ${worst} is ${a.values[worst]}, expected ${e.values[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  atol?: number;
  rtol?: number;
}

/**
 * Compares autograd's gradients of `sum(fn(...inputs) · W)` (W a fixed random weighting) with
 * central finite differences, for every element of every input that requires grad. Inputs
 * must be float64 CPU or CUDA leaves. Throws a TorchError naming the input and element.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): void {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  for (const [k, x] of inputs.entries()) {
    if (x.requiresGrad && x.dtype !== 'float64') throw new TorchError(`input ${k} must be float64 for a gradient check, got ${x.dtype}`, 'gradcheck', 'argument');
  }
  tidy(() => {
    const out0 = noGrad(() => fn(...inputs));
    const weights = tensor(Array.from({ length: out0.numel }, (_, i) => Math.sin(i * 1.7 + 0.3) + 1.1), { dtype: 'float64', device: out0.device }).reshape(out0.shape);
    const objective = (): Tensor => fn(...inputs).mul(weights).sum();
    for (const x of inputs) if (x.requiresGrad) x.zeroGrad();
    objective().backward();
    for (const [k, x] of inputs.entries()) {
      if (!x.requiresGrad) continue;
      const analytic = x.grad?.toNumbers() ?? new Array<number>(x.numel).fill(0);
      const flatX = x.detach().reshape([-1]);
      for (let i = 0; i < x.numel; i++) {
        const numeric = noGrad(() => {
          const orig = flatX.select(0, i).item();
          flatX.select(0, i).fill_(orig + eps);
          const fp = objective().item();
          flatX.select(0, i).fill_(orig - eps);
          const fm = objective().item();
          flatX.select(0, i).fill_(orig);
          return (fp - fm) / (2 * eps);
        });
        const a = analytic[i]!;
        if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
          throw new TorchError(`input ${k} element ${i}: autograd gives ${a}, finite differences ${numeric}`, 'gradcheck', 'torch');
        }
      }
      x.zeroGrad();
    }
  });
}
