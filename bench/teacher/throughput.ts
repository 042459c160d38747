/**
 * Teacher throughput against a loopback server (its own process) that answers after a fixed
 * 50 ms: N requests at concurrency C, so the ideal is C / 50 ms = 640 req/s for C = 32.
 *
 *   node dist/bench/teacher/throughput.js [--requests 5000] [--concurrency 32] [--delay-ms 50]
 *
 * Three clients, each measured in this run:
 *   raw     bare node:http keep-alive POSTs, no parsing: the reference, what this machine allows;
 *   client  TeacherClient.complete (JSON body, zod validation, retry policy);
 *   runner  extractItems end to end (store claims and writes in SQLite, outputs, flags);
 * then the runner again with 10% of first attempts answered 429 + retry-after-ms 50.
 * Prints throughput, its fraction of the ideal and of the raw reference, and client CPU per request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
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
  },
});
const N = Number(values.requests);
const C = Number(values.concurrency);
const DELAY = Number(values['delay-ms']);
const IDEAL = (C * 1000) / DELAY;
const PROMPT = 'Extract the key information from clinical text';

interface Server {
  port: number;
  child: ChildProcess;
  stats(): Promise<{ received: number; completed: number; maxInFlight: number; outcomes: Record<string, number> }>;
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
  return {
    port,
    child,
    stats: () =>
      new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/__stats' }, (res) => {
            let s = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (s += c));
            res.on('end', () => resolve(JSON.parse(s)));
          })
          .on('error', reject);
      }),
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
  answers: number;
  cpuUs: number;
  sent: number;
  maxInFlight: number;
  n429: number;
}

async function measure(name: string, server: Server, fn: () => Promise<number>): Promise<Measure> {
  const before = await server.stats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const answers = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const after = await server.stats();
  return {
    name,
    seconds,
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

function report(m: Measure, ideal: number): string {
  const rate = m.answers / m.seconds;
  return `${m.name.padEnd(22)} ${String(m.answers).padStart(5)} answers ${String(m.sent).padStart(5)} sent ${m.seconds.toFixed(2).padStart(6)} s ${rate.toFixed(1).padStart(6)} answers/s  ${(rate / ideal).toFixed(3)} of ideal ${ideal.toFixed(0)}/s  CPU ${(m.cpuUs / m.sent).toFixed(0).padStart(4)} us/request  max in flight ${m.maxInFlight}${m.n429 ? `  429s ${m.n429}` : ''}`;
}

const work = mkdtempSync(join(tmpdir(), 'clinsum-bench-teacher-'));
try {
  process.stdout.write(`teacher throughput: ${N} requests, concurrency ${C}, server delay ${DELAY} ms (ideal ${IDEAL.toFixed(0)} req/s); ${cpus().length} CPUs, Node ${process.version}\n`);
  const plain = await startServer([]);
  await raw(plain.port, items(200, 'warm-up')); // JIT and sockets warm
  const mRaw = await measure('raw http (reference)', plain, () => raw(plain.port, items(N, 'raw')));
  const mClient = await measure('TeacherClient', plain, () => viaClient(plain.port, items(N, 'client')));
  const mRunner = await measure('extractItems', plain, () => viaRunner(plain.port, items(N, 'runner'), join(work, 'plain')));
  await plain.stop();

  const faulty = await startServer(['--p429', '0.1', '--retry-after-ms', '50']);
  const mFault = await measure('extractItems, 10% 429', faulty, () => viaRunner(faulty.port, items(N, 'faulty'), join(work, 'faulty')));
  await faulty.stop();
  // Ideal under faults: every 429 costs an immediate answer plus its 50 ms Retry-After in one slot.
  const idealFault = (mFault.answers * 1000) / ((mFault.answers * DELAY + mFault.n429 * 50) / C);

  const refRate = mRaw.answers / mRaw.seconds;
  for (const m of [mRaw, mClient, mRunner]) process.stdout.write(`${report(m, IDEAL)}  ${(m.answers / m.seconds / refRate).toFixed(3)} of raw\n`);
  process.stdout.write(`${report(mFault, idealFault)}  (ideal with these 429s; ${(mFault.answers / mFault.seconds / IDEAL).toFixed(3)} of the fault-free ${IDEAL.toFixed(0)}/s)\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
