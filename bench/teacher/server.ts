/**
 * The benchmark's teacher: the fault server in its own process (so that its CPU is not the
 * client's), answering every request after a fixed delay, optionally with a share of 429s.
 *   node dist/bench/teacher/server.js --delay-ms 50 --p429 0.1 --retry-after-ms 50 --seed 1
 * Prints one JSON line `{"port": N}` when listening; exits when stdin closes.
 */
import { parseArgs } from 'node:util';
import { Prng } from '../../src/util/prng.js';
import { startFaultServer, type Fault } from '../../test/support/fault-server.js';

const { values } = parseArgs({
  options: {
    'delay-ms': { type: 'string', default: '50' },
    p429: { type: 'string', default: '0' },
    'retry-after-ms': { type: 'string', default: '50' },
    'answer-chars': { type: 'string', default: '800' },
    seed: { type: 'string', default: '1' },
  },
});
const delayMs = Number(values['delay-ms']);
const p429 = Number(values.p429);
const retryAfterMs = values['retry-after-ms']!;
const rng = new Prng(Number(values.seed));
const answer = 'Key information: '.padEnd(Number(values['answer-chars']), 'x');

const server = await startFaultServer({
  delayMs,
  answer: () => answer,
  // 429s answer at once (as rate limiters do), first attempts only, drawn with a seeded PRNG.
  plan: (r): Fault => (r.nth === 1 && p429 > 0 && rng.float() < p429 ? { kind: 'status', status: 429, delayMs: 0, headers: { 'retry-after-ms': retryAfterMs } } : { kind: 'answer' }),
  keepAliveTimeoutMs: 60_000,
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => process.exit(0));
});
