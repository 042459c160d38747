/**
 * Process-wide engine settings and facts: threads, seeds, random states, determinism, CUDA
 * devices and memory, autocast, live-tensor count, and build information.
 */
import { readFileSync } from 'node:fs';
import { TorchError } from './errors.js';
import { type DType, type Device, checkDevice, dtypeCode, dtypeFromCode } from './dtype.js';
import { N, addonPath, type CudaDeviceInfo, type CudaMemoryStats, type NativeBuildInfo } from './native.js';
import { isThenable } from './scope.js';
import { handleOf, wrap, type Tensor } from './tensor.js';

export type { CudaDeviceInfo, CudaMemoryStats, NativeBuildInfo };

/** Live tensor handles in the addon (tensors created and not yet disposed). */
export function liveTensorCount(): number {
  return N.liveCount();
}

/** Intra-op threads of libtorch's CPU kernels (default: the machine's cores, or CLINSUM_NUM_THREADS). */
export function setNumThreads(n: number): void {
  N.setNumThreads(n);
}

export function getNumThreads(): number {
  return N.getNumThreads();
}

/** Seeds libtorch's global generators (CPU and every CUDA device). */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new TorchError(`seed must be a non-negative safe integer, got ${seed}`, 'manualSeed', 'argument');
  N.manualSeed(seed);
}

/** The global generator's state for `device` (a uint8 CPU tensor). */
export function getRngState(device: string = 'cpu'): Tensor {
  return wrap(N.rngState(checkDevice(device, 'getRngState')));
}

export function setRngState(device: string, state: Tensor): void {
  N.setRngState(checkDevice(device, 'setRngState'), handleOf(state));
}

/**
 * Asks libtorch for deterministic kernels (CUDA scatter/index ops and others); ops with none
 * then raise (or warn with `warnOnly`). CPU results repeat run to run regardless, for a fixed
 * thread count. On CUDA, cuBLAS also needs CUBLAS_WORKSPACE_CONFIG=:4096:8 in the environment.
 */
export function setDeterministic(on: boolean, options: { warnOnly?: boolean } = {}): void {
  N.setDeterministic(on, options.warnOnly ?? false);
}

/** float32 matmul precision on CUDA: `highest` (IEEE), `high` (TF32 allowed) or `medium`. */
export function setMatmulPrecision(precision: 'highest' | 'high' | 'medium'): void {
  N.setMatmulPrecision(precision);
}

export function cudaAvailable(): boolean {
  return N.cudaAvailable();
}

export function cudaDeviceCount(): number {
  return N.cudaAvailable() ? N.cudaDeviceCount() : 0;
}

/** Names, memory and compute capability of the GPUs the CUDA driver sees (empty without one). */
export function cudaDevices(): CudaDeviceInfo[] {
  return N.cudaDevices();
}

function cudaIndex(device: Device | number, op: string): number {
  if (typeof device === 'number') return device;
  checkDevice(device, op);
  if (device === 'cpu') throw new TorchError('needs a CUDA device', op, 'argument');
  return device === 'cuda' ? 0 : Number(device.slice(5));
}

/** Waits for all queued work on a CUDA device (for timing). */
export function synchronize(device: Device | number = 'cuda'): void {
  if (device === 'cpu') return;
  N.cudaSynchronize(cudaIndex(device, 'synchronize'));
}

/**
 * CUDA caching-allocator bytes: allocated and reserved now, and their peaks. Needs a CUDA
 * libtorch ≥ 2.9 (older builds raise `unavailable`).
 */
export function cudaMemoryStats(device: Device | number = 'cuda'): CudaMemoryStats {
  const idx = cudaIndex(device, 'cudaMemoryStats');
  if (!N.cudaAvailable()) throw new TorchError('CUDA is not available', 'cudaMemoryStats', 'unavailable');
  const s = N.cudaMemoryStats(idx);
  if (s === undefined) throw new TorchError(`this build has no CUDA memory statistics (libtorch ${N.buildInfo().torchVersion}; needs ≥ 2.9 with CUDA)`, 'cudaMemoryStats', 'unavailable');
  return s;
}

export function cudaResetPeakMemory(device: Device | number = 'cuda'): void {
  N.cudaResetPeak(cudaIndex(device, 'cudaResetPeakMemory'));
}

/** Returns cached, unused CUDA memory to the driver. */
export function cudaEmptyCache(): void {
  if (N.cudaAvailable()) N.cudaEmptyCache();
}

/**
 * Mixed precision: inside `fn`, libtorch's autocast runs matmuls, linear layers and attention
 * in `dtype` (bfloat16 by default) on `deviceType`, and precision-sensitive ops (softmax,
 * losses, norms) in float32, while parameters stay float32 (their master copy). Gradients
 * flow back in each parameter's own dtype. Synchronous; nests.
 */
export function autocast<T>(fn: () => T, options: { deviceType?: 'cuda' | 'cpu'; dtype?: DType } = {}): T {
  const deviceType = options.deviceType ?? 'cuda';
  const dtype = options.dtype ?? 'bfloat16';
  const [prevEnabled, prevCode] = N.autocastState(deviceType);
  N.autocastSet(deviceType, true, dtypeCode(dtype));
  N.autocastNesting(1);
  try {
    const r = fn();
    if (isThenable(r)) throw new TorchError('autocast() takes a synchronous function', 'autocast', 'argument');
    return r;
  } finally {
    N.autocastNesting(-1);
    N.autocastSet(deviceType, prevEnabled, prevCode);
  }
}

/** Whether autocast is on for `deviceType`, and its dtype. */
export function autocastState(deviceType: 'cuda' | 'cpu' = 'cuda'): { enabled: boolean; dtype: DType } {
  const [enabled, code] = N.autocastState(deviceType);
  return { enabled, dtype: dtypeFromCode(code) };
}

export interface EngineInfo {
  /** libtorch version the addon was compiled against (and, by rpath, runs with). */
  libtorch: string;
  /** How the build found libtorch: env (LIBTORCH/TORCH_ROOT), python or system. */
  libtorchMethod: string;
  /** Folder of the libtorch shared library actually loaded. */
  libtorchPath: string | undefined;
  cuda: boolean;
  cudaCompiled: boolean;
  cudaDevices: CudaDeviceInfo[];
  threads: number;
  /** Shared libraries of BLAS/LAPACK/OpenMP loaded in this process. */
  blas: string[];
  addon: {
    path: string;
    compiler: string;
    cplusplus: number;
    napiVersion: number;
    cxx11Abi: number;
    cudaMemoryStats: boolean;
    /** Fused CUDA kernels compiled in: AdamW + foreach clipping (libtorch ≥ 2.1), RMSNorm (≥ 2.8). */
    fused: { adamw: boolean; rmsNorm: boolean };
  };
  /** libtorch's own build configuration (`torch.__config__.show()`). */
  config: string;
  /** libtorch's threading summary (`torch.__config__.parallel_info()`). */
  parallel: string;
}

/** Everything `clinsum doctor` reports about the engine. */
export function engineInfo(): EngineInfo {
  const b: NativeBuildInfo = N.buildInfo();
  const libs = loadedLibraries();
  const torchLib = libs.find((p) => /\/libtorch_cpu\.so/.test(p)) ?? libs.find((p) => /\/libtorch\.so/.test(p));
  return {
    libtorch: b.torchVersion,
    libtorchMethod: b.method,
    libtorchPath: torchLib === undefined ? undefined : torchLib.slice(0, torchLib.lastIndexOf('/')),
    cuda: N.cudaAvailable(),
    cudaCompiled: b.cudaCompiled,
    cudaDevices: N.cudaDevices(),
    threads: N.getNumThreads(),
    blas: libs.filter((p) => /\/lib(open)?blas|\/libmkl|\/liblapack|\/libgomp|\/libomp|\/libiomp|\/libcublas\.so/.test(p)),
    addon: {
      path: addonPath,
      compiler: b.compiler,
      cplusplus: b.cplusplus,
      napiVersion: b.napiVersion,
      cxx11Abi: b.cxx11Abi,
      cudaMemoryStats: b.cudaMemoryStats,
      fused: N.fusedKernels(),
    },
    config: b.config.trim(),
    parallel: b.parallel.trim(),
  };
}

/** Real paths of the shared libraries mapped into this process (Linux /proc/self/maps). */
function loadedLibraries(): string[] {
  let maps: string;
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return [];
  }
  const seen = new Set<string>();
  for (const line of maps.split('\n')) {
    const i = line.indexOf('/');
    if (i < 0) continue;
    const p = line.slice(i).trim();
    if (p.includes('.so')) seen.add(p);
  }
  return [...seen];
}
