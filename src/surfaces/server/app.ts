/**
 * The HTTP application: routes, middleware, and the one place where errors become HTTP answers.
 *
 *   GET  /                       the summarization page (no key needed: it holds no data; its calls do)
 *   GET  /health                 200 {"status":"ok"}, 503 while shutting down (no key needed)
 *   GET  /v1/models              the served model
 *   POST /v1/chat/completions    OpenAI chat completions, streamed or not
 *   POST /v1/completions         OpenAI text completions, streamed or not
 *   POST /v1/clinsum/generate    summarize / extract key information with the method's prompts
 *   POST /v1/clinsum/detect      language of a text
 *
 * Another method on one of these paths gets 405 with an `Allow` header (GET routes answer HEAD
 * too); any other path gets 404. Both in OpenAI's error shape, after the key check on /v1.
 */
import { Hono } from 'hono';
import type { UnofficialStatusCode } from 'hono/utils/http-status';
import type { GenerationBackend } from '../../stages/generate/backend.js';
import { errorMessage } from '../../util/errors.js';
import { silentLogger, type Logger } from '../../util/log.js';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import type { AppEnv, ServerContext } from './context.js';
import { ApiError, CLIENT_GONE_STATUS, ClientGoneError, toApiError } from './errors.js';
import { accessLog, bearerAuth, hostCheck } from './middleware.js';
import { pageRoutes } from './routes/page.js';
import { clinsumRoutes } from './routes/clinsum.js';
import { openaiRoutes } from './routes/openai.js';

export interface ServerOptions {
  /** Model name in responses and /v1/models (default: the backend's modelId). */
  modelName?: string;
  /** When set, every route but `/` and `/health` needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Largest request body in bytes (default 4 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /**
   * Host names (without port) the server answers for, besides the loopback names; `'any'` turns
   * the check off. Default: loopback only. `startServer` uses `'any'` when bound to a
   * non-loopback address and this is left out.
   */
  allowedHosts?: readonly string[] | 'any';
  /** Access log and errors (default: silent). */
  logger?: Logger;
}

export interface ServerApp {
  /** The hono app; `app.fetch` is the request handler. */
  readonly app: Hono<AppEnv>;
  readonly context: ServerContext;
  /** Begin shutdown: /health answers 503 and new generation requests 503; running ones go on. */
  drain(): void;
}

export function createServer(backend: GenerationBackend, options: ServerOptions = {}): ServerApp {
  const ctx: ServerContext = {
    backend,
    modelName: options.modelName ?? backend.modelId,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    logger: options.logger ?? silentLogger,
    created: Math.floor(Date.now() / 1000),
    draining: false,
  };
  const app = new Hono<AppEnv>();
  app.use(accessLog(ctx.logger));
  const hosts = options.allowedHosts ?? [];
  if (hosts !== 'any') app.use(hostCheck(hosts));

  app.get('/health', (c) => (ctx.draining ? c.json({ status: 'shutting_down' }, 503) : c.json({ status: 'ok' })));
  app.route('/', pageRoutes(ctx, { keyRequired: options.apiKey !== undefined }));
  if (options.apiKey !== undefined) app.use('/v1/*', bearerAuth(options.apiKey));
  app.route('/v1', openaiRoutes(ctx));
  app.route('/v1/clinsum', clinsumRoutes(ctx));

  const allowed = allowedMethods(app);
  app.notFound((c) => {
    const allow = allowed.get(c.req.path);
    const err =
      allow === undefined
        ? new ApiError(404, `no route ${c.req.method} ${c.req.path}; see /v1/models, /v1/chat/completions, /v1/completions, /health`, { code: 'not_found' })
        : new ApiError(405, `${c.req.path} does not answer ${c.req.method}; use ${allow.join(' or ')}`, { code: 'method_not_allowed', headers: { Allow: allow.join(', ') } });
    return c.json(err.body(), err.status, err.headers);
  });
  app.onError((e, c) => {
    if (e instanceof ClientGoneError) return c.body(null, CLIENT_GONE_STATUS as UnofficialStatusCode);
    const err = toApiError(e);
    if (err.status >= 500) ctx.logger.error(`${c.req.method} ${c.req.path}: ${errorMessage(err.cause ?? err)}`);
    return c.json(err.body(), err.status, err.headers);
  });

  return {
    app,
    context: ctx,
    drain: () => {
      ctx.draining = true;
    },
  };
}

/**
 * The methods each path of `app` answers, from its routes (middleware excluded): a request with
 * another method on a known path is a 405, not a 404. GET routes answer HEAD too (hono runs the
 * GET handler and drops the body).
 */
function allowedMethods(app: Hono<AppEnv>): ReadonlyMap<string, readonly string[]> {
  const methods = new Map<string, Set<string>>();
  for (const r of app.routes) {
    if (r.method === 'ALL' || r.path.includes('*') || r.path.includes(':')) continue;
    const set = methods.get(r.path) ?? new Set<string>();
    set.add(r.method);
    if (r.method === 'GET') set.add('HEAD');
    methods.set(r.path, set);
  }
  const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
  const rank = (m: string): number => (order.includes(m) ? order.indexOf(m) : order.length);
  return new Map([...methods].map(([path, set]) => [path, [...set].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))]));
}
