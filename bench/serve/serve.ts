/**
 * bench/serve: concurrent clients against `clinsum serve`, with continuous batching on
 * (`--max-batch 64`) and off (`--max-batch 1`), in the same run: requests/s, tokens/s and
 * p50/p99 latency, and the throughput ratio (target ≥ 2×).
 *
 *   npm run build && node dist/bench/serve/serve.js [--clients 64] [--requests 2] [--max-tokens 16]
 *        [--step-ms 5] [--per-seq-ms 0.1] [--per-prompt-token-ms 0.001] [--blocking] [--rounds 3] [--model DIR] [--json]
 *
 * Without --model the server runs over the fake StepModel (test/support/server-fake-model.ts),
 * whose calls cost `stepMs + perSeqMs·batch (+ perPromptTokenMs·prompt tokens for a prefill)`:
 * a fixed cost per forward plus a small one per sequence, the shape of a memory-bound decoder
 * forward; `--blocking` spends that time on the server's event loop, as the real model's synchronous
 * forward does, instead of asleep. With --model DIR it runs `clinsum serve --model DIR` (the real model, e.g. the tiny
 * Qwen2 of `clinsum model init-tiny`) instead; its model calls come from the server's last log line.
 * Each server is a separate process; the clients run here, each sending its requests one after
 * another (closed loop), all clients at once. Rounds alternate on and off (a fresh server each);
 * the figures are the medians over rounds (by requests/s), as the machine may be shared.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '64' },
    requests: { type: 'string', default: '2' },
    'max-tokens': { type: 'string', default: '16' },
    'step-ms': { type: 'string', default: '5' },
    'per-seq-ms': { type: 'string', default: '0.1' },
    'per-prompt-token-ms': { type: 'string', default: '0.001' },
    blocking: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    model: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const clients = Number(values.clients);
const perClient = Number(values.requests);
const maxTokens = Number(values['max-tokens']);
const cost = {
  stepMs: Number(values['step-ms']),
  perSeqMs: Number(values['per-seq-ms']),
  perPromptTokenMs: Number(values['per-prompt-token-ms']),
  blocking: values.blocking,
};

interface Server {
  url: string;
  /** Stops the server; resolves with its last stats line (fake model: model calls and tokens), if any. */
  stop(): Promise<StepStats | undefined>;
}

interface StepStats {
  prefillSteps: number;
  decodeSteps: number;
  generatedTokens: number;
}

async function startServer(maxBatch: number): Promise<Server> {
  const args =
    values.model === undefined
      ? [join(root, 'dist', 'test', 'support', 'server-child.js'), JSON.stringify({ maxBatch, cost, log: 'warn' })]
      : [join(root, 'bin', 'clinsum'), 'serve', '--model', values.model, '--port', '0', '--max-batch', String(maxBatch)];
  // clinsum serve logs its step counts at info level when it stops (one access line per request before that).
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CLINSUM_LOG: values.model === undefined ? 'warn' : 'info' } });
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolveUrl(out.trim());
    });
    proc.on('exit', (code) => reject(new Error(`server exited (${code}): ${err.trim()}`)));
  });
  return {
    url,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
      const line = /stats (\{.*\})/.exec(err)?.[1];
      if (line !== undefined) return JSON.parse(line) as StepStats;
      const stopped = /stopped \((\d+) prefill and (\d+) decode steps, (\d+) tokens generated\)/.exec(err);
      return stopped === null ? undefined : { prefillSteps: Number(stopped[1]), decodeSteps: Number(stopped[2]), generatedTokens: Number(stopped[3]) };
    },
  };
}

interface RunResult {
  maxBatch: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  tokensPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Model calls (prefill + decode) and tokens generated per call (all requests, warm-up included), when the server reports them. */
  modelCalls?: number;
  tokensPerCall?: number;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

async function run(maxBatch: number): Promise<RunResult> {
  const server = await startServer(maxBatch);
  let result: RunResult;
  try {
    // Warm-up: one request (connections, tokenizer caches).
    await request(server.url, 0, 0);
    const latencies: number[] = [];
    let tokens = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let r = 0; r < perClient; r++) {
          const t0 = performance.now();
          const n = await request(server.url, c, r);
          tokens += n;
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    result = {
      maxBatch,
      seconds,
      requests: latencies.length,
      requestsPerSecond: latencies.length / seconds,
      tokensPerSecond: tokens / seconds,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
    };
  } finally {
    const stats = await server.stop();
    if (stats !== undefined && result! !== undefined) {
      result.modelCalls = stats.prefillSteps + stats.decodeSteps;
      result.tokensPerCall = stats.generatedTokens / result.modelCalls;
    }
  }
  return result;
}

/** One chat completion; returns its completion tokens. */
async function request(url: string, client: number, k: number): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      messages: [
        { role: 'system', content: 'Summarize clinical text' },
        { role: 'user', content: `Case ${client}.${k}: a patient was admitted with fever and cough; the chest radiograph showed a right lower lobe consolidation.` },
      ],
      max_tokens: maxTokens,
      temperature: 0,
    }),
  });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { usage: { completion_tokens: number } };
  return body.usage.completion_tokens;
}

const rounds = Number(values.rounds);
const loadBefore = loadavg();
const ons: RunResult[] = [];
const offs: RunResult[] = [];
for (let i = 0; i < rounds; i++) {
  ons.push(await run(Math.min(64, clients)));
  offs.push(await run(1));
}
const median = (rs: RunResult[]): RunResult => [...rs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor((rs.length - 1) / 2)]!;
const on = median(ons);
const off = median(offs);
const ratio = on.requestsPerSecond / off.requestsPerSecond;
const load = { before: loadBefore.map((l) => Number(l.toFixed(2))), after: loadavg().map((l) => Number(l.toFixed(2))) };
const fmt = (r: RunResult) =>
  `max-batch ${String(r.maxBatch).padStart(2)}  ${r.requestsPerSecond.toFixed(2).padStart(8)} req/s  ${r.tokensPerSecond.toFixed(0).padStart(6)} tok/s  p50 ${r.p50Ms.toFixed(0).padStart(6)} ms  p99 ${r.p99Ms.toFixed(0).padStart(6)} ms  (${r.requests} requests in ${r.seconds.toFixed(2)} s${r.modelCalls === undefined ? '' : `; ${r.modelCalls} model calls, ${r.tokensPerCall!.toFixed(1)} tokens per call`})`;
if (values.json) {
  console.log(JSON.stringify({ clients, perClient, maxTokens, rounds, cost: values.model === undefined ? cost : null, model: values.model ?? 'fake', cpus: cpus().length, loadavg: load, on, off, ratio, all: { on: ons, off: offs } }));
} else {
  console.log(`bench/serve: ${clients} clients × ${perClient} requests, max_tokens ${maxTokens}, ${values.model === undefined ? `fake model (step ${cost.stepMs} ms + ${cost.perSeqMs} ms/seq + ${cost.perPromptTokenMs} ms/prompt token${cost.blocking ? ', blocking the event loop' : ''})` : values.model}`);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, node ${process.version}; load average (1/5/15 min) before ${load.before.join('/')}, after ${load.after.join('/')}`);
  console.log(`medians of ${rounds} rounds (requests/s of each round: on ${ons.map((r) => r.requestsPerSecond.toFixed(1)).join(', ')}; off ${offs.map((r) => r.requestsPerSecond.toFixed(1)).join(', ')})`);
  console.log(fmt(on));
  console.log(fmt(off));
  console.log(`throughput ratio (batching on / off): ${ratio.toFixed(1)}× (target ≥ 2×)`);
}
