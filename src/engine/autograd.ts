/**
 * Gradient modes and activation checkpointing. Modes are synchronous scopes that restore the
 * previous mode when `fn` returns or throws (tch `no_grad`).
 */
import { TorchError } from './errors.js';
import { N } from './native.js';
import { isThenable, tidy } from './scope.js';
import type { Tensor } from './tensor.js';
import { getRngState, setRngState } from './runtime.js';

function syncOnly<T>(r: T, op: string): T {
  if (isThenable(r)) throw new TorchError(`${op}() takes a synchronous function; the mode would not cover the awaited part`, op, 'argument');
  return r;
}

/** Runs `fn` without recording gradients (evaluation, optimizer updates, generation). */
export function noGrad<T>(fn: () => T): T {
  const prev = N.setGradEnabled(false);
  try {
    return syncOnly(fn(), 'noGrad');
  } finally {
    N.setGradEnabled(prev);
  }
}

/** Runs `fn` with gradients recorded, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  const prev = N.setGradEnabled(true);
  try {
    return syncOnly(fn(), 'enableGrad');
  } finally {
    N.setGradEnabled(prev);
  }
}

export function isGradEnabled(): boolean {
  return N.isGradEnabled();
}

/**
 * Runs `fn` in libtorch's inference mode: like `noGrad` but faster; tensors made inside can
 * never join an autograd graph later (use for generation and scoring, not for training).
 */
export function inferenceMode<T>(fn: () => T): T {
  N.inferenceModeEnter();
  try {
    return syncOnly(fn(), 'inferenceMode');
  } finally {
    N.inferenceModeExit();
  }
}

export interface CheckpointOptions {
  /** Replay each segment with the random state it first ran with (dropout masks match). Default true. */
  preserveRngState?: boolean;
}

/**
 * Activation checkpointing: computes `loss(segments[n-1](...segments[0](input)))` and its
 * gradients while holding only the segment boundaries in memory. The forward pass runs without
 * a graph; then, from the last segment back, each segment is recomputed with a graph and
 * back-propagated with the gradient of its output (`out.backward(gradOut)`), whose input
 * gradient feeds the segment before it. Parameter gradients accumulate as with a plain
 * `loss.backward()`, and equal it (up to floating-point reordering; bit-equal on CPU). If
 * `input` requires grad (e.g. an embedding output), the gradient continues into its graph.
 * Returns the loss, detached. Segments must be deterministic given the random state.
 */
export function checkpointedBackward(
  segments: ReadonlyArray<(x: Tensor) => Tensor>,
  input: Tensor,
  loss: (out: Tensor) => Tensor,
  options: CheckpointOptions = {},
): Tensor {
  const preserve = options.preserveRngState ?? true;
  const devices = input.device === 'cpu' ? ['cpu'] : ['cpu', input.device];
  const owned: Tensor[] = [];
  const saveRng = (): Tensor[] => {
    const s = devices.map((d) => getRngState(d));
    owned.push(...s);
    return s;
  };
  const loadRng = (s: Tensor[]): void => devices.forEach((d, k) => setRngState(d, s[k]!));
  try {
    return tidy(() => {
      const boundaries: Tensor[] = [input.detach()];
      const rng: Tensor[][] = [];
      noGrad(() => {
        for (const seg of segments) {
          if (preserve) rng.push(saveRng());
          boundaries.push(seg(boundaries[boundaries.length - 1]!));
        }
      });
      const after = preserve ? saveRng() : [];
      const out = boundaries[boundaries.length - 1]!.detach().requiresGrad_();
      const value = enableGrad(() => {
        const l = loss(out);
        l.backward();
        return l.detach();
      });
      let gradOut = out.grad;
      for (let i = segments.length - 1; i >= 0; i--) {
        if (gradOut === undefined) break;
        const needInput = i > 0 || input.requiresGrad;
        const xin = boundaries[i]!.detach();
        if (needInput) xin.requiresGrad_();
        if (preserve) loadRng(rng[i]!);
        const g: Tensor = gradOut;
        enableGrad(() => tidy(() => segments[i]!(xin).backward(g)));
        gradOut = needInput ? xin.grad : undefined;
      }
      if (gradOut !== undefined && input.requiresGrad) input.backward(gradOut);
      if (preserve) loadRng(after);
      return value;
    });
  } finally {
    for (const t of owned) t.dispose();
  }
}
