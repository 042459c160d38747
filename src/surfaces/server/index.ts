/** The OpenAI-compatible server with its summarization page (layer 5): the public API. */
export { createServer } from './app.js';
export type { ServerApp, ServerOptions } from './app.js';
export { KEEP_ALIVE_TIMEOUT_MS, closeOnSignal, startServer } from './listen.js';
export type { CloseOptions, ListenOptions, RunningServer } from './listen.js';
export { loadBackend, checkModelFolder } from './load-backend.js';
export type { LoadBackendOptions } from './load-backend.js';
export { ApiError, toApiError } from './errors.js';
export type { ApiErrorBody, ApiErrorType } from './errors.js';
export { DEFAULT_MAX_BODY_BYTES } from './body.js';
export { IncrementalDecoder, StopMatcher, TextStream } from './text-stream.js';
