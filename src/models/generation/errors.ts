/**
 * The one error of generation: a refused request (bad arguments, a prompt that does not fit) or a
 * failure while generating. A `ClinsumError`, so the CLI prints it on one line and the server maps
 * `kind` to an HTTP status (src/surfaces/server/errors.ts). Messages name arguments and numbers,
 * never token text.
 */
import { ClinsumError } from '../../util/errors.js';

/** Why generation refused or failed a request. */
export type GenerationErrorKind =
  /** The backend is closing or closed (HTTP 503). */
  | 'closed'
  /** The waiting queue is full (HTTP 503 with Retry-After). */
  | 'overloaded'
  /** The prompt (plus the tokens asked for) does not fit in the context (HTTP 400). */
  | 'context'
  /**
   * A malformed request or option: no prompt ids, maxNewTokens < 1, an id outside the vocabulary,
   * sampling parameters out of range, a batch larger than the slots (HTTP 400).
   */
  | 'invalid'
  /** The model failed during a step (HTTP 500). */
  | 'model';

export class GenerationError extends ClinsumError {
  readonly kind: GenerationErrorKind;

  constructor(kind: GenerationErrorKind, message: string, options?: { cause?: unknown }) {
    super('generate', message, options);
    this.kind = kind;
  }
}
