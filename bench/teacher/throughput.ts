/**
 * Teacher throughput against a loopback server (its own process) that answers after a fixed
 * 50 ms: N requests at concurrency C, so the ideal is C / 50 ms = 640 req/s for C = 32.
 *
 *   node dist/bench/teacher/throughput.js [--requests 5000] [--concurrency 32] [--delay-ms 50] [--repeat 3]
 *
 * Three clients, each measured in this run:
 *   raw     bare node:http keep-alive POSTs, no parsing: the reference, what this machine allows;
 *   client  TeacherClient.complete (JSON body, zod validation, retry policy);
 *   runner  extractItems end to end (store claims and writes in SQLite, outputs, flags);
 * then the runner again with 10% of first attempts answered 429 + retry-after-ms 50.
 * Prints throughput, its fraction of the ideal and of the raw reference, and client CPU per request;
 * each figure is the median of `--repeat` runs (the machine may be shared: medians hold better).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { TeacherClient } from '../../src/stages/teacher/client.js';
import { extractItems, type TeacherItem } from '../../src/stages/teacher/runner.js';
import { syntheticReport } from '../../test/support/teacher-fixtures.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '32' },
    'delay-ms': { type: 'string', default: '50' },
    repeat: { type: 'string', default: '3' },
  },
});
const REPEAT = Number(values.repeat);
const N = Number(values.requests);
const C = Number(values.concurrency);
const DELAY = Number(values['delay-ms']);
const IDEAL = (C * 1000) / DELAY;
const PROMPT = 'Extract the key information from clinical text';

interface Server {
  port: number;
  child: ChildProcess;
  stats(): Promise<{ received: number; completed: number; maxInFlight: number; outcomes: Record<string, number> }>;
  /** Completion times (ms) of the answers since the last call. */
  times(): Promise<number[]>;
  stop(): Promise<void>;
}

async function startServer(args: string[]): Promise<Server> {
  const script = fileURLToPath(new URL('./server.js', import.meta.url));
  const child = spawn(process.execPath, [script, '--delay-ms', String(DELAY), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => (rl.close(), resolve(l)));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  const get = <T>(path: string) =>
    new Promise<T>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path }, (res) => {
          let s = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (s += c));
          res.on('end', () => resolve(JSON.parse(s) as T));
        })
        .on('error', reject);
    });
  return {
    port,
    child,
    stats: () => get('/__stats'),
    times: () => get('/__times'),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

/** Reports of about the size of a MultiClinSum report (~3.8k characters), all distinct. */
function items(n: number, salt: string): TeacherItem[] {
  return Array.from({ length: n }, (_, i) => {
    let report = `${salt} ${i}.`;
    for (let k = 0; report.length < 3_800; k++) report += ` ${syntheticReport(i * 13 + k)}`;
    return { id: `r${i}`, lang: 'en', report };
  });
}

interface Measure {
  name: string;
  seconds: number;
  /** Answers/s between the 10th and the 90th percentile of completions: the regime of a long run. */
  steadyRate: number;
  /** Longest time without a completed answer at the server (ms): stalls. */
  longestGapMs: number;
  /** End-to-end answers/s of every repetition. */
  all: number[];
  answers: number;
  cpuUs: number;
  sent: number;
  maxInFlight: number;
  n429: number;
}

/** The median (by throughput) of `REPEAT` measurements. */
async function median(name: string, server: Server, fn: (k: number) => Promise<number>): Promise<Measure> {
  const ms: Measure[] = [];
  for (let k = 0; k < REPEAT; k++) ms.push(await measure(name, server, () => fn(k)));
  ms.sort((a, b) => a.answers / a.seconds - b.answers / b.seconds);
  return { ...ms[Math.floor(ms.length / 2)]!, all: ms.map((m) => m.answers / m.seconds) };
}

async function measure(name: string, server: Server, fn: () => Promise<number>): Promise<Measure> {
  const before = await server.stats();
  await server.times();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const answers = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const after = await server.stats();
  const times = (await server.times()).sort((a, b) => a - b);
  const lo = Math.floor(times.length * 0.1);
  const hi = Math.floor(times.length * 0.9);
  return {
    name,
    seconds,
    steadyRate: ((hi - lo) * 1000) / (times[hi]! - times[lo]!),
    longestGapMs: times.reduce((g, t, i) => (i > 0 ? Math.max(g, t - times[i - 1]!) : g), 0),
    all: [answers / seconds],
    answers,
    cpuUs: cpu.user + cpu.system,
    sent: after.received - before.received,
    maxInFlight: after.maxInFlight,
    n429: (after.outcomes['status:429'] ?? 0) - (before.outcomes['status:429'] ?? 0),
  };
}

async function raw(port: number, list: TeacherItem[]): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: C });
  let next = 0;
  let done = 0;
  const one = (body: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < list.length) {
        const it = list[next++]!;
        await one(Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'system', content: PROMPT }, { role: 'user', content: it.report }] })));
        done++;
      }
    }),
  );
  agent.destroy();
  return done;
}

async function viaClient(port: number, list: TeacherItem[]): Promise<number> {
  const client = new TeacherClient({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', maxSockets: C, params: { temperature: 0, max_tokens: 512 } });
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < list.length) {
        const it = list[next++]!;
        const r = await client.complete([
          { role: 'system', content: PROMPT },
          { role: 'user', content: it.report },
        ]);
        if (r.content.length > 0) done++;
      }
    }),
  );
  client.close();
  return done;
}

async function viaRunner(port: number, list: TeacherItem[], out: string): Promise<number> {
  const sum = await extractItems({
    items: list,
    prompt: () => ({ text: PROMPT, hash: 'bench' }),
    baseUrl: `http://127.0.0.1:${port}/v1`,
    model: 'm',
    params: { temperature: 0, max_tokens: 512 },
    concurrency: C,
    outDir: out,
    detectLanguage: () => ({ lang: undefined, confidence: 0 }),
    progress: { silent: true },
  });
  return sum.answered;
}

function report(m: Measure, ideal: number, ref: Measure): string {
  const rate = m.answers / m.seconds;
  return [
    `${m.name}: ${m.answers} answers, ${m.sent} sent${m.n429 ? ` (${m.n429} 429s)` : ''}, max in flight ${m.maxInFlight}, client CPU ${(m.cpuUs / m.sent).toFixed(0)} us/request, longest stall ${m.longestGapMs.toFixed(0)} ms; all runs ${m.all.map((r) => r.toFixed(0)).join(' ')} answers/s`,
    `    end to end  ${m.seconds.toFixed(2)} s  ${rate.toFixed(1)} answers/s  ${(rate / ideal).toFixed(3)} of ideal ${ideal.toFixed(0)}/s  ${(rate / (ref.answers / ref.seconds)).toFixed(3)} of raw`,
    `    steady      ${m.steadyRate.toFixed(1)} answers/s  ${(m.steadyRate / ideal).toFixed(3)} of ideal  ${(m.steadyRate / ref.steadyRate).toFixed(3)} of raw (10th-90th percentile of completions)`,
  ].join('\n');
}

const work = mkdtempSync(join(tmpdir(), 'clinsum-bench-teacher-'));
try {
  process.stdout.write(`teacher throughput: ${N} requests, concurrency ${C}, server delay ${DELAY} ms (ideal ${IDEAL.toFixed(0)} req/s), median of ${REPEAT}; ${cpus().length} CPUs (load ${loadavg()[0]!.toFixed(1)}), Node ${process.version}\n`);
  const plain = await startServer([]);
  await raw(plain.port, items(200, 'warm-up')); // JIT and sockets warm
  const mRaw = await median('raw http (reference)', plain, (k) => raw(plain.port, items(N, `raw${k}`)));
  const mClient = await median('TeacherClient', plain, (k) => viaClient(plain.port, items(N, `client${k}`)));
  const mRunner = await median('extractItems', plain, (k) => viaRunner(plain.port, items(N, `runner${k}`), join(work, `plain${k}`)));
  await plain.stop();

  const faulty = await startServer(['--p429', '0.1', '--retry-after-ms', '50']);
  const mFault = await median('extractItems, 10% 429', faulty, (k) => viaRunner(faulty.port, items(N, `faulty${k}`), join(work, `faulty${k}`)));
  await faulty.stop();
  // Ideal under faults: every 429 costs an immediate answer plus its 50 ms Retry-After in one slot.
  const idealFault = (mFault.answers * 1000) / ((mFault.answers * DELAY + mFault.n429 * 50) / C);

  for (const m of [mRaw, mClient, mRunner]) process.stdout.write(`${report(m, IDEAL, mRaw)}\n`);
  process.stdout.write(`${report(mFault, idealFault, mRaw)}\n    (ideal with these 429s: each holds a slot for its 50 ms Retry-After; ${(mFault.answers / mFault.seconds / IDEAL).toFixed(3)} of the fault-free ${IDEAL.toFixed(0)}/s end to end)\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
