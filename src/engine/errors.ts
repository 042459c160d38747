/** The engine's error: every libtorch failure and every bad argument reaches JS as a TorchError. */
import { ClinsumError } from '../util/errors.js';

/**
 * What went wrong: `torch` (libtorch refused: shape or dtype mismatch, bad index, ...),
 * `argument` (a bad value from JS: wrong type, disposed tensor, non-integer size), `oom`
 * (an allocation failed), `unavailable` (CUDA or a feature this libtorch lacks).
 */
export type TorchErrorKind = 'torch' | 'argument' | 'oom' | 'unavailable';

export class TorchError extends ClinsumError {
  /** The engine operation that failed, e.g. `matmul`. */
  readonly op: string;
  readonly kind: TorchErrorKind;

  /** Also called by the native addon (message, op, kind). */
  constructor(message: string, op: string, kind: string = 'torch') {
    super('torch', `${op}: ${message}`);
    this.op = op;
    this.kind = kind === 'argument' || kind === 'oom' || kind === 'unavailable' ? kind : 'torch';
  }
}
