/**
 * `GET /`: the summarization page. It needs no key (it holds no data and no secret; its API calls
 * do, and it asks for the key when the server has one).
 */
import { Hono } from 'hono';
import type { AppEnv, ServerContext } from '../context.js';
import { renderPage } from '../page/page.js';

export function pageRoutes(ctx: ServerContext, options: { keyRequired: boolean }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const page = renderPage({ modelName: ctx.modelName, keyRequired: options.keyRequired, maxContextTokens: ctx.backend.maxContextTokens });
  app.get('/', (c) =>
    c.html(page.html, 200, {
      'Content-Security-Policy': page.csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'no-store',
    }),
  );
  return app;
}
