/**
 * Errors of the teacher client, shaped like ky's (`HTTPError extends KyError`): each carries the
 * request's metadata (method, endpoint, model, attempt, elapsed time) and, for HTTP errors, the
 * response's (status, Retry-After). They NEVER carry report, prompt or answer text: a server's
 * own error message is kept only after `redactServerMessage` checked that it quotes none of it.
 */
import { ClinsumError } from '../../util/errors.js';

/** What was sent, without any text. */
export interface TeacherRequestInfo {
  method: 'POST';
  /** Endpoint without query string or credentials, e.g. `http://gpu7:8000/v1/chat/completions`. */
  url: string;
  model: string;
  /** 1-based attempt number. */
  attempt: number;
  /** Milliseconds from the start of this attempt to the error. */
  elapsedMs: number;
}

/** What came back, without any text. */
export interface TeacherResponseInfo {
  status: number;
  statusText: string;
  /** Delay the server asked for (Retry-After / retry-after-ms), in ms, when it did. */
  retryAfterMs: number | undefined;
}

/** Why one attempt failed; decides whether it is retried (see `isRetryable` in retry.ts). */
export type TeacherFailureKind = 'http' | 'timeout' | 'network' | 'malformed';

/** Base class: one attempt against the teacher endpoint failed. */
export class TeacherError extends ClinsumError {
  readonly kind: TeacherFailureKind;
  readonly request: TeacherRequestInfo;

  constructor(kind: TeacherFailureKind, request: TeacherRequestInfo, message: string, options?: { cause?: unknown }) {
    super('teacher', message, options);
    this.kind = kind;
    this.request = request;
  }
}

/** The server answered with a status other than 2xx. */
export class TeacherHTTPError extends TeacherError {
  readonly response: TeacherResponseInfo;
  /** The server's `error.type` / `error.code` when its body had one (short identifiers). */
  readonly serverCode: string | undefined;
  /** The server's message, or `undefined` when it quoted the request's texts (see redactServerMessage). */
  readonly serverMessage: string | undefined;

  constructor(request: TeacherRequestInfo, response: TeacherResponseInfo, server: { code?: string; message?: string }) {
    const detail = [server.code, server.message].filter((s) => s !== undefined && s !== '').join(': ');
    super(
      'http',
      request,
      `teacher answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} (attempt ${request.attempt}, ${request.url}, model ${request.model})${detail ? `: ${detail}` : ''}`,
    );
    this.response = response;
    this.serverCode = server.code;
    this.serverMessage = server.message;
  }
}

/** No answer within the per-request timeout. */
export class TeacherTimeoutError extends TeacherError {
  readonly timeoutMs: number;

  constructor(request: TeacherRequestInfo, timeoutMs: number) {
    super('timeout', request, `teacher did not answer within ${timeoutMs} ms (attempt ${request.attempt}, ${request.url}, model ${request.model})`);
    this.timeoutMs = timeoutMs;
  }
}

/** The connection failed or broke (refused, reset, DNS, TLS, closed before the body ended). */
export class TeacherNetworkError extends TeacherError {
  /** Node's error code, e.g. `ECONNRESET`, `ECONNREFUSED`. */
  readonly errorCode: string | undefined;

  constructor(request: TeacherRequestInfo, errorCode: string | undefined, what: string, options?: { cause?: unknown }) {
    super('network', request, `connection to the teacher failed: ${what}${errorCode ? ` (${errorCode})` : ''} (attempt ${request.attempt}, ${request.url})`, options);
    this.errorCode = errorCode;
  }
}

/** A 2xx answer whose body is not JSON or lacks the OpenAI chat-completion fields. */
export class TeacherResponseError extends TeacherError {
  readonly status: number;
  /** What was wrong, e.g. `body is not JSON`, `choices: expected array, received undefined`. */
  readonly problem: string;

  constructor(request: TeacherRequestInfo, status: number, problem: string) {
    super('malformed', request, `teacher answered HTTP ${status} with an unusable body: ${problem} (attempt ${request.attempt}, ${request.url}, model ${request.model})`);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * The endpoint refused the whole run (bad API key, unknown model or path): retrying other
 * reports cannot help, so the runner stops at once instead of recording a failure per report.
 */
export class TeacherFatalError extends ClinsumError {
  readonly httpError: TeacherHTTPError;

  constructor(httpError: TeacherHTTPError, advice: string) {
    super('teacher', `${httpError.message}; ${advice}`, { cause: httpError });
    this.httpError = httpError;
  }
}

const WINDOW = 16;
const MAX_MESSAGE = 300;

/**
 * A server's error message, cut to 300 characters, or `undefined` when any 16-character run of
 * it occurs in one of `texts` (servers built on pydantic echo the offending input in their
 * validation errors; such a message would leak the report into logs and the store).
 */
export function redactServerMessage(message: string | undefined, texts: readonly string[]): string | undefined {
  if (message === undefined) return undefined;
  const m = message.replace(/\s+/g, ' ').trim().slice(0, MAX_MESSAGE);
  if (m === '') return undefined;
  for (const text of texts) {
    if (text.length === 0) continue;
    if (m.length < WINDOW) {
      if (text.includes(m)) return undefined;
      continue;
    }
    const flat = text.replace(/\s+/g, ' ');
    for (let i = 0; i + WINDOW <= m.length; i++) {
      if (flat.includes(m.slice(i, i + WINDOW))) return undefined;
    }
  }
  return m;
}
