/**
 * HTTP errors in OpenAI's shape, mapped in one place. Handlers throw `ApiError` (or domain errors:
 * `GenerationError`, `InputError`); `app.onError` calls `toApiError` and writes
 * `{"error": {"message", "type", "param", "code"}}` with the status.
 *
 * Messages never quote request contents (reports, messages): they name fields and numbers.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { GenerationError } from '../../stages/generate/backend.js';
import { ClinsumError, InputError } from '../../util/errors.js';

/** OpenAI's error types. */
export type ApiErrorType = 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'server_error';

export interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; param: string | null; code: string | null };
}

export class ApiError extends ClinsumError {
  readonly status: ContentfulStatusCode;
  readonly type: ApiErrorType;
  /** The request field at fault (`messages[2].role`, `max_tokens`), or null. */
  readonly param: string | null;
  /** OpenAI's machine-readable code (`invalid_api_key`, `context_length_exceeded`, …), or null. */
  readonly apiCode: string | null;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: ContentfulStatusCode,
    message: string,
    options: { type?: ApiErrorType; param?: string | null; code?: string | null; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super('http', message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.type = options.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = options.param ?? null;
    this.apiCode = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.apiCode } };
  }
}

/**
 * The client went away before the exchange was complete (its request body cut short, its
 * connection closed): nobody is listening, so the answer is an empty 499 (nginx's "client closed
 * request"), logged by the access log like the other client-gone cases, never as a server error.
 */
export class ClientGoneError extends ClinsumError {
  constructor(options?: { cause?: unknown }) {
    super('client_gone', 'the client closed the connection before the request was complete', options);
  }
}

/** Status of the empty answer to a client that is gone. */
export const CLIENT_GONE_STATUS = 499;

/** A 400 for one field. */
export function invalidParam(param: string | null, message: string, code: string | null = null): ApiError {
  return new ApiError(400, message, { param, code });
}

/** Any error thrown by a handler, as the ApiError to answer with. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof GenerationError) {
    switch (e.kind) {
      case 'closed':
        return new ApiError(503, e.message, { code: 'shutting_down', cause: e });
      case 'overloaded':
        return new ApiError(503, e.message, { code: 'overloaded', headers: { 'Retry-After': '1' }, cause: e });
      case 'context':
        return new ApiError(400, e.message, { code: 'context_length_exceeded', cause: e });
      case 'invalid':
        return new ApiError(400, e.message, { cause: e });
      case 'model':
        return new ApiError(500, e.message, { code: 'model_error', cause: e });
    }
  }
  if (e instanceof InputError) return new ApiError(400, e.message, { param: e.location.field ?? null, cause: e });
  return new ApiError(500, 'internal server error', { code: 'internal_error', cause: e });
}
