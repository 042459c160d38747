/**
 * Errors of Hub downloads. Each message says what was asked (repository, revision, file),
 * what the Hub answered, and what to do; none ever contains the token or a signed CDN URL.
 */
import { ClinsumError } from '../../util/errors.js';

export interface HubErrorDetails {
  /** HTTP status, when the error is an HTTP answer. */
  status?: number;
  /** The Hub's `X-Error-Code` header (`RepoNotFound`, `RevisionNotFound`, `EntryNotFound`, `GatedRepo`). */
  errorCode?: string;
  /** The Hub's `X-Request-Id`, to quote when reporting a problem to the Hub. */
  requestId?: string;
  /** Worth retrying later with the same request (429, 5xx, a dropped connection). */
  retryable?: boolean;
  cause?: unknown;
}

/** Something went wrong talking to the Hub (code `hub`). */
export class HubError extends ClinsumError {
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly requestId: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, details: HubErrorDetails = {}) {
    super('hub', message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.requestId = details.requestId;
    this.retryable = details.retryable ?? false;
  }
}

/** The connection could not be made or broke (DNS, refused, reset, timed out). Retryable. */
export class HubNetworkError extends HubError {
  /** Node's error code (`ECONNREFUSED`, `ENOTFOUND`, `ETIMEDOUT`, ...). */
  readonly netCode: string | undefined;
  /** No connection could be opened at all (as opposed to one that broke): the Hub is unreachable. */
  readonly unreachable: boolean;

  constructor(message: string, netCode: string | undefined, unreachable: boolean, cause?: unknown) {
    super(message, { retryable: true, cause });
    this.netCode = netCode;
    this.unreachable = unreachable;
  }
}

/** Downloaded bytes do not match the size or hash the Hub announced. The partial file is deleted. */
export class HubIntegrityError extends HubError {
  readonly file: string;

  constructor(file: string, message: string) {
    super(message);
    this.file = file;
  }
}
