/**
 * Middleware, each an options type + factory (hono's style): the access log, the Host check
 * against DNS rebinding, and bearer-key authentication.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../util/log.js';
import type { AppEnv } from './context.js';
import { ApiError } from './errors.js';

/**
 * One line per request, when its response is complete (for a stream: when the stream ends):
 * `POST /v1/chat/completions 200 812ms prompt=41 completion=128` (streams add `stream`, and
 * `aborted` or `failed` when they did not complete). Method, path (no query
 * string), status, milliseconds and token counts only — never bodies or generated text.
 */
export function accessLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const start = performance.now();
    await next();
    const line = (): string => {
      const t = c.get('tokens');
      const ms = Math.round(performance.now() - start);
      return `${c.req.method} ${c.req.path} ${c.res.status} ${ms}ms${t ? ` prompt=${t.prompt} completion=${t.completion}` : ''}`;
    };
    const done = c.get('streamDone');
    if (done === undefined) logger.info(line());
    else void done.then((outcome) => logger.info(`${line()} stream${outcome === 'completed' ? '' : ` ${outcome}`}`));
  };
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Whether `host` (as given to listen) is a loopback address. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Refuse requests whose Host header names another machine (403). A server bound to loopback is
 * then out of reach of web pages that rebind their own domain name to 127.0.0.1. `allowed` holds
 * host names without port; the loopback names are always allowed.
 */
export function hostCheck(allowed: readonly string[]): MiddlewareHandler<AppEnv> {
  const names = new Set([...LOOPBACK_NAMES, ...allowed.map((h) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h).toLowerCase())]);
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
    if (!names.has(name)) {
      throw new ApiError(403, 'the Host header names a host this server does not answer for (start it with --host to serve other names)', {
        code: 'host_not_allowed',
      });
    }
    await next();
  };
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * `Authorization: Bearer <key>` on every request that reaches it (401 otherwise). The key is
 * compared in constant time (SHA-256 digests of equal length, `timingSafeEqual`).
 */
export function bearerAuth(apiKey: string): MiddlewareHandler<AppEnv> {
  const expected = digest(apiKey);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer[ ]+(\S.*)$/i.exec(header);
    const given = m ? m[1]!.trim() : undefined;
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      throw new ApiError(401, given === undefined ? 'missing API key: send the header `Authorization: Bearer <key>`' : 'incorrect API key', {
        code: 'invalid_api_key',
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    await next();
  };
}
