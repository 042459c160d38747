/** What every route shares: the backend, the served name, limits, the logger, the drain flag. */
import type { GenerationBackend } from '../../stages/generate/backend.js';
import type { Logger } from '../../util/log.js';

export interface ServerContext {
  readonly backend: GenerationBackend;
  /** The model name in responses and /v1/models; requests naming another model get 404. */
  readonly modelName: string;
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  /** Seconds since the epoch when the server was created (`created` of /v1/models). */
  readonly created: number;
  /** Set when shutdown begins: /health answers 503, new generations are refused. */
  draining: boolean;
}

/** Token counts a route reports for the access log. */
export interface TokenCounts {
  prompt: number;
  completion: number;
}

/** How a stream ended: all sent, the client went away, or an error event closed it. */
export type StreamOutcome = 'completed' | 'aborted' | 'failed';

/** Hono environment of the app: per-request values set by routes and read by the access log. */
export interface AppEnv {
  Variables: {
    tokens: TokenCounts | undefined;
    /** For streamed responses: how the stream ended, once it has (the access log waits for it). */
    streamDone: Promise<StreamOutcome> | undefined;
  };
}
