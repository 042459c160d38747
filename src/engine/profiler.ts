/**
 * The libtorch profiler (libkineto, what `torch.profiler` runs): `profile(fn, {path})` records the
 * operators `fn` runs on the CPU and, on CUDA, every kernel and copy with its device time, and
 * writes a Chrome trace (open it in chrome://tracing or Perfetto). `summarizeTrace` reads such a
 * file — clinsum's or one written by `torch.profiler` — into per-kernel totals and the share of
 * the wall time the GPU was busy, so that two programs running the same step can be compared.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/fs.js';
import { TorchError } from './errors.js';
import { N, type NativeProfilerEvent } from './native.js';
import { isThenable } from './scope.js';

export interface ProfileOptions {
  /** Where the Chrome trace goes (JSON). */
  path: string;
  /** Record CUDA kernels and copies too (needs CUDA). Default: whether CUDA is available. */
  cuda?: boolean;
}

/** Runs `fn` (synchronous) under the profiler and writes the trace to `options.path`. */
export function profile<T>(fn: () => T, options: ProfileOptions): T {
  const cuda = options.cuda ?? N.cudaAvailable();
  N.profilerStart(cuda);
  let result: T;
  try {
    result = fn();
    if (isThenable(result)) throw new TorchError('profile() takes a synchronous function', 'profile', 'argument');
    if (cuda) N.cudaSynchronize(0); // the kernels fn queued (on the first GPU) belong in the trace
  } catch (e) {
    // A failed fn leaves no trace behind; its error, not a failure to stop, is what the caller sees.
    try {
      N.profilerStop();
    } catch {
      // the caller gets e
    }
    throw e;
  }
  const { events } = N.profilerStop();
  writeFileAtomic(options.path, chromeTrace(events));
  return result;
}

// libkineto's ActivityType numbering (CPU_OP = 0, USER_ANNOTATION, GPU_USER_ANNOTATION,
// GPU_MEMCPY, GPU_MEMSET, CONCURRENT_KERNEL, EXTERNAL_CORRELATION, CUDA_RUNTIME, CUDA_DRIVER).
const CPU_CATEGORY: Record<number, string> = { 0: 'cpu_op', 1: 'user_annotation', 7: 'cuda_runtime', 8: 'cuda_driver' };

function eventCategory(e: NativeProfilerEvent): string {
  if (e.device === 'cuda') {
    if (e.activity === 3 || e.name.startsWith('Memcpy')) return 'gpu_memcpy';
    if (e.activity === 4 || e.name.startsWith('Memset')) return 'gpu_memset';
    if (e.activity === 5) return 'kernel';
    return e.activity === 2 ? 'gpu_user_annotation' : 'gpu_other'; // spans over kernels: not counted again
  }
  return CPU_CATEGORY[e.activity] ?? 'cpu_other';
}

/**
 * Profiler events (as the addon returns them) as a Chrome trace: µs from the first event, host
 * events on pid 0 with their thread, device events on pid 1 with their stream, categories named
 * as torch.profiler names them.
 */
export function chromeTrace(events: readonly NativeProfilerEvent[]): string {
  const t0 = events.reduce((m, e) => Math.min(m, e.startNs), Number.POSITIVE_INFINITY);
  const traceEvents = events.map((e) => ({
    ph: 'X',
    cat: eventCategory(e),
    name: e.name,
    pid: e.device === 'cuda' ? 1 : 0,
    tid: e.thread,
    ts: (e.startNs - t0) / 1000,
    dur: e.durNs / 1000,
  }));
  return `${JSON.stringify({ displayTimeUnit: 'ms', traceEvents })}\n`;
}

/** Whether a profiling session is running (`profile` is not reentrant). */
export function profilerRunning(): boolean {
  return N.profilerRunning();
}

export interface KernelTotal {
  name: string;
  /** What the kernel does, from its name (see `kernelCategory`). */
  category: KernelCategory;
  count: number;
  totalUs: number;
}

export interface TraceSummary {
  /** From the first to the last event of the trace (µs). */
  wallUs: number;
  /** GPU work: kernels, copies and fills on any device. */
  gpu: {
    events: number;
    /** Sum of the durations (overlapping streams count twice). */
    totalUs: number;
    /** Time with at least one kernel, copy or fill running, from the first GPU event to the last (µs). */
    busyUs: number;
    /** busyUs over the span of the GPU events: 1 means the device never waited for the host. */
    busyShare: number;
    byCategory: Record<KernelCategory, number>;
    /** Every kernel name with its count and total time, longest first. */
    kernels: KernelTotal[];
  };
  /** CPU operators (`aten::…`), by total inclusive time, longest first. */
  cpuOps: { name: string; count: number; totalUs: number }[];
}

export type KernelCategory = 'matmul' | 'attention' | 'norm' | 'optimizer' | 'reduction' | 'elementwise' | 'copy' | 'loss' | 'other';

const CATEGORY_PATTERNS: readonly [KernelCategory, RegExp][] = [
  ['attention', /flash|fmha|attention|sdpa|_efficient_attention/i],
  ['matmul', /gemm|cutlass|xmma|nvjet|cublas|sm\d+_.*_(tn|nt|nn|tt)|wgmma|splitk/i],
  ['optimizer', /adam|multi_tensor|foreach|fused_adam/i],
  ['norm', /norm|RowwiseMoments|GammaBeta|rms/i],
  ['loss', /nll|log_softmax|softmax|cross_entropy/i],
  ['copy', /memcpy|memset|copy|cat_|CatArray|fill/i],
  ['reduction', /reduce|sum_|mean|cumsum|scan|sort|index_add|embedding.*backward|segment/i],
  ['elementwise', /elementwise|vectorized|unrolled|pointwise|activation|silu|mul_|add_|where|index/i],
];

/** The category of a CUDA kernel or copy, from its name (for tables comparing two programs). */
export function kernelCategory(name: string): KernelCategory {
  for (const [category, pattern] of CATEGORY_PATTERNS) if (pattern.test(name)) return category;
  return 'other';
}

interface TraceEvent {
  ph?: unknown;
  cat?: unknown;
  name?: unknown;
  ts?: unknown;
  dur?: unknown;
}

const GPU_CATEGORIES = new Set(['kernel', 'gpu_memcpy', 'gpu_memset', 'memcpy', 'memset']);
const CPU_CATEGORIES = new Set(['cpu_op', 'operator']);

/** Reads a Chrome trace written by `profile` or `torch.profiler` (`export_chrome_trace`). */
export function summarizeTrace(path: string, options: { top?: number } = {}): TraceSummary {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new TorchError(`${path}: not a readable JSON trace (${(e as Error).message})`, 'summarizeTrace', 'argument');
  }
  const list = Array.isArray(raw) ? raw : raw !== null && typeof raw === 'object' ? (raw as { traceEvents?: unknown }).traceEvents : undefined;
  if (!Array.isArray(list)) throw new TorchError(`${path}: no traceEvents list (is it a Chrome trace?)`, 'summarizeTrace', 'argument');
  const top = options.top ?? Number.POSITIVE_INFINITY;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const spans: [number, number][] = [];
  const kernels = new Map<string, KernelTotal>();
  const cpu = new Map<string, { name: string; count: number; totalUs: number }>();
  for (const item of list as TraceEvent[]) {
    if (item === null || typeof item !== 'object' || item.ph !== 'X') continue;
    const ts = item.ts;
    const dur = item.dur;
    if (typeof ts !== 'number' || typeof dur !== 'number' || !Number.isFinite(ts) || !Number.isFinite(dur) || dur < 0) continue;
    first = Math.min(first, ts);
    last = Math.max(last, ts + dur);
    const cat = String(item.cat ?? '').toLowerCase();
    const name = String(item.name ?? '?');
    if (GPU_CATEGORIES.has(cat)) {
      spans.push([ts, ts + dur]);
      const k = kernels.get(name) ?? { name, category: cat === 'kernel' ? kernelCategory(name) : 'copy', count: 0, totalUs: 0 };
      k.count++;
      k.totalUs += dur;
      kernels.set(name, k);
    } else if (CPU_CATEGORIES.has(cat)) {
      const o = cpu.get(name) ?? { name, count: 0, totalUs: 0 };
      o.count++;
      o.totalUs += dur;
      cpu.set(name, o);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  let busy = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [s, e] of spans) {
    if (s >= end) {
      busy += e - s;
      end = e;
    } else if (e > end) {
      busy += e - end;
      end = e;
    }
  }
  const gpuSpan = spans.length === 0 ? 0 : end - spans[0]![0];
  const byCategory: Record<KernelCategory, number> = { matmul: 0, attention: 0, norm: 0, optimizer: 0, reduction: 0, elementwise: 0, copy: 0, loss: 0, other: 0 };
  let total = 0;
  for (const k of kernels.values()) {
    byCategory[k.category] += k.totalUs;
    total += k.totalUs;
  }
  const byTime = <T extends { totalUs: number }>(a: T, b: T): number => b.totalUs - a.totalUs;
  return {
    wallUs: Number.isFinite(first) ? last - first : 0,
    gpu: {
      events: spans.length,
      totalUs: total,
      busyUs: busy,
      busyShare: gpuSpan > 0 ? busy / gpuSpan : 0,
      byCategory,
      kernels: [...kernels.values()].sort(byTime).slice(0, top),
    },
    cpuOps: [...cpu.values()].sort(byTime).slice(0, top),
  };
}
