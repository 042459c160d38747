/**
 * Listening and shutting down. `startServer` binds (127.0.0.1 by default; port 0 picks a free
 * port) and resolves once the server accepts connections. `close()` shuts down gracefully: no
 * new connections, new generations refused (503), running ones finish within `graceMs`, then
 * whatever is left is aborted (a stream gets an error event and `[DONE]`), connections close.
 *
 * Idle keep-alive connections are kept for `KEEP_ALIVE_TIMEOUT_MS` (65 s), not Node's 5 s: a
 * client reuses an idle connection until its own idle limit (httpx, which the OpenAI Python client
 * uses: 5 s; undici/fetch: the server's `Keep-Alive: timeout` minus 2 s; load balancers: 60 s),
 * and a server that closes first races the client's next request on that connection — the
 * request then fails with ECONNRESET / "other side closed" although the server is fine. It
 * happens whenever the server's limit is within reach of the client's and the client process is
 * busy or descheduled for a moment around the limit (its own idle timer does not run, the request
 * goes out on the socket the server is closing).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { GenerationBackend } from '../../stages/generate/backend.js';
import { ClinsumError } from '../../util/errors.js';
import type { Logger } from '../../util/log.js';
import { createServer, type ServerApp, type ServerOptions } from './app.js';
import { isLoopback } from './middleware.js';

/**
 * How long an idle keep-alive connection stays open: longer than clients' and proxies' idle
 * limits (see the module comment). Sent to clients as `Keep-Alive: timeout=65`.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface ListenOptions extends ServerOptions {
  /** Default 127.0.0.1 (this machine only). */
  host?: string;
  /** Default 8000; 0 picks a free port (read it from `RunningServer.port`). */
  port?: number;
}

export interface CloseOptions {
  /** How long running generations may take to finish before they are aborted (default 30 000 ms). */
  graceMs?: number;
}

export interface RunningServer {
  /** `http://host:port` (IPv6 hosts in brackets). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly server: ServerApp;
  /** Graceful shutdown (see the module comment); idempotent, resolves when everything is closed. */
  close(options?: CloseOptions): Promise<void>;
}

export async function startServer(backend: GenerationBackend, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8000;
  const allowedHosts = options.allowedHosts ?? (isLoopback(host) ? [host] : 'any');
  const app = createServer(backend, { ...options, allowedHosts });
  const http = createAdaptorServer({ fetch: app.app.fetch, overrideGlobalObjects: false }) as Server;
  http.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Kept above the keep-alive timeout (its default, 60 s, is below it), so that the headers
  // timer never ends an idle keep-alive connection before the keep-alive timer does.
  http.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(
        new ClinsumError('serve', e.code === 'EADDRINUSE' ? `port ${port} on ${host} is in use; pick another with --port` : `cannot listen on ${host}:${port} (${e.code ?? e.message})`, {
          cause: e,
        }),
      );
    };
    http.once('error', onError);
    http.listen(port, host, () => {
      http.off('error', onError);
      resolve();
    });
  });
  const addr = http.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | undefined;

  const close = (closeOptions: CloseOptions = {}): Promise<void> => {
    closing ??= (async () => {
      app.drain();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const graceMs = closeOptions.graceMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        backend.close().then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) await backend.close({ abort: true });
      // Let the last chunks and responses go out, then close what is still open.
      await new Promise((resolve) => setImmediate(resolve));
      http.closeIdleConnections();
      const force = setTimeout(() => http.closeAllConnections(), 2000);
      await closed;
      clearTimeout(force);
    })();
    return closing;
  };

  return { url: `http://${shownHost}:${addr.port}`, host: addr.address, port: addr.port, server: app, close };
}

/**
 * Serve until SIGINT or SIGTERM, then shut down gracefully (`close`); a second signal aborts the
 * generations still running. Resolves when the server is closed.
 */
export async function closeOnSignal(running: RunningServer, options: { logger: Logger; graceMs?: number }): Promise<void> {
  const backend = running.server.context.backend;
  let closing: Promise<void> | undefined;
  await new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      if (closing === undefined) {
        const s = backend.stats();
        options.logger.info(`${sig}: shutting down (${s.running} running, ${s.waiting} waiting; send it again to abort them)`);
        closing = running.close({ graceMs: options.graceMs });
        resolve();
      } else {
        options.logger.info(`${sig}: aborting the running requests`);
        void backend.close({ abort: true });
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await closing;
  const s = backend.stats();
  options.logger.info(`stopped (${s.prefillSteps} prefill and ${s.decodeSteps} decode steps, ${s.generatedTokens} tokens generated)`);
}
