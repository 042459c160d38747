/**
 * A fault-injecting OpenAI-compatible server for tests and benchmarks: `POST /v1/chat/completions`
 * answers, or fails the way real endpoints do (429 with Retry-After, 5xx, answers slower than the
 * client's timeout, dropped connections, non-JSON bodies, missing `choices`), as a `plan` decides
 * per request. It counts requests in flight (and their maximum), completed answers per report,
 * and outcomes; `GET /__stats` returns the counters as JSON for a client in another process, and
 * `GET /__times` the times (ms, the server's clock) of the answers completed since the last call.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

export type Fault =
  /** A normal answer after `delayMs` (default: the server's `delayMs`). */
  | { kind: 'answer'; content?: string; finishReason?: string | null; delayMs?: number; omitUsage?: boolean }
  /** A status with optional headers (e.g. Retry-After) and body (default: an OpenAI error object). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  /** Close the connection: before any response byte, or after the headers and half a body. */
  | { kind: 'drop'; when?: 'before-headers' | 'mid-body'; delayMs?: number }
  /** 200 with an HTML body. */
  | { kind: 'non-json'; delayMs?: number }
  /** 200 with JSON that has no `choices`. */
  | { kind: 'missing-choices'; delayMs?: number };

export interface IncomingCompletion {
  /** 1-based order of arrival. */
  seq: number;
  /** SHA-256 (first 16 hex) of the last user message: the report. */
  key: string;
  /** How many requests for this key arrived so far, this one included. */
  nth: number;
  /** The last user message. */
  user: string;
  /** The system message, or '' when none. */
  system: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

export interface FaultServerOptions {
  /** Chooses each request's fate. Default: answer. */
  plan?: (req: IncomingCompletion) => Fault;
  /** The answer text for `answer` faults without `content`. Default: a fixed text derived from the key. */
  answer?: (req: IncomingCompletion) => string;
  /** Latency of answers, ms. Default 0. */
  delayMs?: number;
  /** Keep-alive timeout of the server's connections, ms. Default 5000 (Node's). */
  keepAliveTimeoutMs?: number;
}

export interface FaultServerStats {
  received: number;
  inFlight: number;
  maxInFlight: number;
  /** Answers (200 with choices) written completely. */
  completed: number;
  /** Completed answers per key. */
  completedByKey: Record<string, number>;
  /** TCP connections accepted (keep-alive reuses them). */
  connections: number;
  /** Requests per outcome: `answer`, `status:429`, `drop`, `non-json`, `missing-choices`, `aborted` (client left first). */
  outcomes: Record<string, number>;
}

export interface FaultServer {
  /** Base URL including /v1, e.g. `http://127.0.0.1:41234/v1`. */
  readonly baseUrl: string;
  readonly port: number;
  stats(): FaultServerStats;
  /** Hook called whenever a request arrives (tests kill a client mid-run from here). */
  onRequest: ((req: IncomingCompletion, stats: FaultServerStats) => void) | undefined;
  close(): Promise<void>;
}

export function keyOf(user: string): string {
  return createHash('sha256').update(user).digest('hex').slice(0, 16);
}

function defaultAnswer(req: IncomingCompletion): string {
  return `Key information ${req.key}: age, sex, presenting complaint, findings, diagnosis, treatment, outcome.`;
}

function approxTokens(s: string): number {
  return Math.ceil(s.length / 4);
}

export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const stats: FaultServerStats = { connections: 0, received: 0, inFlight: 0, maxInFlight: 0, completed: 0, completedByKey: {}, outcomes: {} };
  const seen = new Map<string, number>();
  /** performance.now() of each completed answer since the last GET /__times. */
  const completionTimes: number[] = [];
  const count = (outcome: string) => {
    stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
  };

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/__stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    if (req.method === 'GET' && req.url === '/__times') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completionTimes.splice(0)));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}`, type: 'not_found' } }));
      return;
    }
    stats.received++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    let open = true;
    let responded = false;
    let timer: NodeJS.Timeout | undefined;
    res.on('close', () => {
      if (!responded) {
        if (timer) clearTimeout(timer);
        count('aborted');
      }
      open = false;
      stats.inFlight--;
    });

    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        responded = true;
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'body is not JSON', type: 'invalid_request_error' } }));
        count('status:400');
        return;
      }
      const messages = Array.isArray(body.messages) ? (body.messages as { role?: unknown; content?: unknown }[]) : [];
      const user = [...messages].reverse().find((m) => m.role === 'user');
      const system = messages.find((m) => m.role === 'system');
      if (typeof body.model !== 'string' || !user || typeof user.content !== 'string') {
        responded = true;
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'model and a user message are required', type: 'invalid_request_error' } }));
        count('status:400');
        return;
      }
      const key = keyOf(user.content);
      const nth = (seen.get(key) ?? 0) + 1;
      seen.set(key, nth);
      const incoming: IncomingCompletion = {
        seq: stats.received,
        key,
        nth,
        user: user.content,
        system: typeof system?.content === 'string' ? system.content : '',
        body,
        authorization: req.headers.authorization,
      };
      server_.onRequest?.(incoming, stats);
      const fault = options.plan?.(incoming) ?? { kind: 'answer' };
      const delay = fault.delayMs ?? options.delayMs ?? 0;
      const act = () => {
        timer = undefined;
        if (!open) return;
        responded = true;
        respond(fault, incoming, res, body, key);
      };
      if (delay > 0) timer = setTimeout(act, delay);
      else act();
    });
  });

  function respond(fault: Fault, incoming: IncomingCompletion, res: http.ServerResponse, body: Record<string, unknown>, key: string): void {
    switch (fault.kind) {
      case 'answer': {
        const content = fault.content ?? (options.answer ?? defaultAnswer)(incoming);
        const payload: Record<string, unknown> = {
          id: `chatcmpl-${incoming.seq}`,
          object: 'chat.completion',
          created: 1_700_000_000,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: fault.finishReason === undefined ? 'stop' : fault.finishReason }],
        };
        if (!fault.omitUsage) {
          const p = approxTokens(incoming.system) + approxTokens(incoming.user) + 10;
          const c = approxTokens(content);
          payload.usage = { prompt_tokens: p, completion_tokens: c, total_tokens: p + c };
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload), () => {
          stats.completed++;
          completionTimes.push(performance.now());
          stats.completedByKey[key] = (stats.completedByKey[key] ?? 0) + 1;
        });
        count('answer');
        return;
      }
      case 'status': {
        const text = fault.body ?? JSON.stringify({ error: { message: `injected HTTP ${fault.status}`, type: 'injected', code: fault.status } });
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers }).end(text);
        count(`status:${fault.status}`);
        return;
      }
      case 'drop':
        count('drop');
        if (fault.when === 'mid-body') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
          res.write('{"id":"chatcmpl-x","choices":[{"message":{"role":"assistant","content":"', () => res.socket?.destroy());
        } else {
          res.socket?.destroy();
        }
        return;
      case 'non-json':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
        count('non-json');
        return;
      case 'missing-choices':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'x', object: 'chat.completion', model: body.model }));
        count('missing-choices');
        return;
    }
  }

  server.on('connection', () => stats.connections++);
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const server_: FaultServer = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    stats: () => structuredClone(stats),
    onRequest: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return server_;
}
