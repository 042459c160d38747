/**
 * Test harness for `clinsum serve`: a real HTTP server on 127.0.0.1 (port 0) over the fake
 * StepModel, with the real Qwen2.5 tokenizer and a captured logger; and helpers to read SSE.
 *
 * Scripted outputs: a prompt containing `@@name@@` makes the fake model answer with the tokens
 * registered under `name` (then eos); other prompts get hash-chosen tokens.
 */
import { BYTE_TO_CHAR } from '../../src/models/tokenizer/bytelevel.js';
import { qwen25Tokenizer, type Tokenizer } from '../../src/models/tokenizer/index.js';
import { BatchScheduler } from '../../src/stages/generate/scheduler.js';
import { startServer, type ListenOptions, type RunningServer } from '../../src/surfaces/server/index.js';
import { createLogger } from '../../src/util/log.js';
import { FakeStepModel, type FakeStepModelOptions } from './server-fake-model.js';

export interface Harness {
  url: string;
  model: FakeStepModel;
  backend: BatchScheduler;
  running: RunningServer;
  tokenizer: Tokenizer;
  /** Every line the server logged. */
  logs: string[];
  /** Register the tokens the model answers to prompts holding `@@name@@`. */
  script(name: string, tokens: readonly number[]): void;
  /** Answer prompts by their decoded text (checked before the `@@name@@` scripts; undefined: no opinion). */
  respond(fn: (promptText: string) => readonly number[] | undefined): void;
  close(): Promise<void>;
}

export interface HarnessOptions {
  maxBatch?: number;
  fake?: FakeStepModelOptions;
  server?: Omit<ListenOptions, 'logger' | 'port' | 'host'>;
  modelId?: string;
  /** Default: the Qwen2.5 tokenizer. */
  tokenizer?: Tokenizer;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const tokenizer = options.tokenizer ?? qwen25Tokenizer();
  const scripts = new Map<string, readonly number[]>();
  let responder: ((promptText: string) => readonly number[] | undefined) | undefined;
  const seen = new WeakMap<readonly number[], readonly number[] | null>();
  const model = new FakeStepModel({
    maxSlots: 16,
    ...options.fake,
    script: (ids) => {
      let s = seen.get(ids);
      if (s === undefined) {
        const text = tokenizer.decode(ids);
        const name = /@@(\w+)@@/.exec(text)?.[1];
        s = responder?.(text) ?? (name === undefined ? null : (scripts.get(name) ?? null));
        seen.set(ids, s);
      }
      return s ?? undefined;
    },
  });
  const backend = new BatchScheduler(model, { modelId: options.modelId ?? 'fake-qwen', tokenizer, maxBatch: options.maxBatch ?? 8, randomSeed: () => 1 });
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => void logs.push(line) });
  const running = await startServer(backend, { ...options.server, host: '127.0.0.1', port: 0, logger });
  return {
    url: running.url,
    model,
    backend,
    running,
    tokenizer,
    logs,
    script: (name, tokens) => void scripts.set(name, tokens),
    respond: (fn) => {
      responder = fn;
    },
    close: () => running.close({ graceMs: 1000 }),
  };
}

/** One token per UTF-8 byte of `text` (so characters and stop strings span tokens). */
export function byteTokens(tokenizer: Tokenizer, text: string): number[] {
  return [...Buffer.from(text, 'utf8')].map((b) => {
    const id = tokenizer.tokenId(BYTE_TO_CHAR[b]!);
    if (id === undefined) throw new Error(`no token for byte ${b}`);
    return id;
  });
}

/** POST JSON; returns the fetch Response. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body), signal });
}

/** The raw SSE body split into events; checks each is exactly one `data: ` line. */
export function sseEvents(raw: string): string[] {
  if (!raw.endsWith('\n\n')) throw new Error('SSE body does not end with a blank line');
  return raw
    .slice(0, -2)
    .split('\n\n')
    .map((ev) => {
      if (!ev.startsWith('data: ') || ev.includes('\n')) throw new Error(`malformed SSE event: ${ev.slice(0, 80)}`);
      return ev.slice(6);
    });
}

/** The JSON chunks of an SSE body (the final `[DONE]` checked and dropped). */
export function sseChunks<T = Record<string, unknown>>(raw: string): T[] {
  const events = sseEvents(raw);
  if (events[events.length - 1] !== '[DONE]') throw new Error('SSE body does not end with data: [DONE]');
  return events.slice(0, -1).map((e) => JSON.parse(e) as T);
}

/** Wait until `cond()` holds (polling every 2 ms, failing after `ms`). */
export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
