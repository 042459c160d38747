// The extraction runner against the fault server: complete and ordered outputs despite faults,
// the concurrency bound, reruns that send nothing, failures and --retry-failed, fatal statuses,
// budgets, interrupts, flags, and no report text in any log line.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger } from '../src/util/log.js';
import { ClinsumError, InputError, StoppedError } from '../src/util/errors.js';
import { extractItems, type ExtractOptions, type TeacherItem } from '../src/stages/teacher/runner.js';
import { TeacherFatalError } from '../src/stages/teacher/errors.js';
import { KeyinfoRowSchema } from '../src/stages/teacher/output.js';
import { TeacherStore } from '../src/stages/teacher/store.js';
import { startFaultServer, keyOf, type Fault, type FaultServer, type FaultServerOptions } from './support/fault-server.js';
import { assertNoLeak, syntheticItems } from './support/teacher-fixtures.js';
import { closedAfter, tempDirs } from '../src/util/testing.js';

const servers = closedAfter<FaultServer>();
const tempDir = tempDirs('clinsum-teacher-');

async function server(o: FaultServerOptions): Promise<FaultServer> {
  const s = await startFaultServer(o);
  servers.push(s);
  return s;
}

/** Options for a fast test run, logging into `lines`. */
function options(s: FaultServer, items: TeacherItem[], out: string, lines: string[], over: Partial<ExtractOptions> = {}): ExtractOptions {
  return {
    items,
    prompt: () => ({ text: 'Extract the key information from clinical text', hash: 'p-en-1' }),
    baseUrl: s.baseUrl,
    model: 'teacher-72b',
    params: { temperature: 0, max_tokens: 256 },
    timeoutMs: 2_000,
    retry: { backoffBaseMs: 1, backoffLimitMs: 5, maxRetryAfterMs: 20 },
    concurrency: 4,
    outDir: out,
    detectLanguage: () => ({ lang: undefined, confidence: 0 }),
    logger: createLogger({ level: 'debug', write: (l) => void lines.push(l) }),
    progress: { silent: true },
    pollMs: 20,
    ...over,
  };
}

function readKeyinfo(out: string) {
  return readFileSync(join(out, 'keyinfo.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => KeyinfoRowSchema.parse(JSON.parse(l)));
}

/** Faults by arrival order: every kind once per 7 requests, first attempts only, so every report ends answered. */
function mixedFaults(r: { seq: number; nth: number }): Fault {
  if (r.nth > 1) return { kind: 'answer' };
  switch (r.seq % 7) {
    case 1:
      return { kind: 'status', status: 429, headers: { 'retry-after': '0.01' } };
    case 2:
      return { kind: 'status', status: 500 };
    case 3:
      return { kind: 'drop' };
    case 4:
      return { kind: 'non-json' };
    case 5:
      return { kind: 'missing-choices' };
    case 6:
      return { kind: 'answer', delayMs: 3_000 }; // slower than the 300 ms timeout below
    default:
      return { kind: 'answer' };
  }
}

test('every report answered exactly once, in input order, despite every kind of fault; concurrency bound holds', async () => {
  const items = syntheticItems(40);
  const s = await server({ plan: mixedFaults, delayMs: 5 });
  const out = tempDir();
  const lines: string[] = [];
  const sum = await extractItems(options(s, items, out, lines, { timeoutMs: 300, concurrency: 5 }));
  const st = s.stats();
  assert.equal(sum.stop, 'complete');
  assert.equal(sum.answered, 40);
  assert.equal(sum.failed, 0);
  assert.equal(sum.pending, 0);
  assert.ok(sum.thisRun.retries >= 30, `retries ${sum.thisRun.retries}`);
  assert.equal(sum.thisRun.sent, st.received);
  assert.ok(st.maxInFlight <= 5, `max in flight ${st.maxInFlight}`);
  assert.equal(st.completed, 40, 'no answer was requested twice');
  assert.ok(Object.values(st.completedByKey).every((n) => n === 1));
  const rows = readKeyinfo(out);
  assert.deepEqual(
    rows.map((r) => r.id),
    items.map((i) => i.id),
  );
  for (const [i, r] of rows.entries()) {
    assert.equal(r.keyinfo, `Key information ${keyOf(items[i]!.report)}: age, sex, presenting complaint, findings, diagnosis, treatment, outcome.`);
    assert.deepEqual(r.teacher, { model: 'teacher-72b', host: `127.0.0.1:${s.port}`, prompt_hash: 'p-en-1', params: { temperature: 0, max_tokens: 256 } });
    assert.ok(r.usage && r.usage.total_tokens > 0);
    assert.deepEqual(r.flags, []);
  }
  const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')) as { all: { answered: number; keyinfo_chars: { min: number } }; teacher: { model: string } };
  assert.equal(stats.all.answered, 40);
  assert.equal(stats.teacher.model, 'teacher-72b');
  const run = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { stop: string; answered: number };
  assert.equal(run.stop, 'complete');
  assert.equal(run.answered, 40);
  assert.ok(lines.some((l) => l.startsWith('debug: extract: case-') && l.includes('retrying')));
  assertNoLeak(lines.join(''), 'the log');

  // A rerun sends nothing and rewrites the same outputs.
  const before = readFileSync(join(out, 'keyinfo.jsonl'), 'utf8');
  const again = await extractItems(options(s, items, out, lines));
  assert.equal(again.thisRun.sent, 0);
  assert.equal(s.stats().received, st.received);
  assert.equal(readFileSync(join(out, 'keyinfo.jsonl'), 'utf8'), before);
});

test('400s are recorded as failures without retry; a rerun skips them, --retry-failed sends them again', async () => {
  const items = syntheticItems(12);
  const bad = new Set([items[2]!.report, items[7]!.report].map(keyOf));
  let refuse = true;
  const s = await server({ plan: (r) => (refuse && bad.has(r.key) ? { kind: 'status', status: 400, body: JSON.stringify({ error: { message: `bad input: ${r.user.slice(0, 40)}` } }) } : { kind: 'answer' }) });
  const out = tempDir();
  const lines: string[] = [];
  const first = await extractItems(options(s, items, out, lines));
  assert.equal(first.answered, 10);
  assert.equal(first.failed, 2);
  assert.equal(s.stats().received, 12, '400 is not retried');
  const failures = readFileSync(join(out, 'failures.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; status: number; attempts: number; error: string });
  assert.deepEqual(failures.map((f) => [f.id, f.status, f.attempts]), [
    [items[2]!.id, 400, 1],
    [items[7]!.id, 400, 1],
  ]);
  assert.ok(failures.every((f) => !f.error.includes('bad input')), 'the server message quoting the report is not kept');
  assert.equal(readKeyinfo(out).length, 10);
  assert.ok(lines.some((l) => l.startsWith(`warning: extract: report ${items[2]!.id} failed: teacher answered HTTP 400`)));
  assertNoLeak(lines.join('') + readFileSync(join(out, 'failures.jsonl'), 'utf8') + readFileSync(join(out, 'summary.json'), 'utf8'), 'logs and failure files');

  const rerun = await extractItems(options(s, items, out, lines));
  assert.equal(rerun.thisRun.sent, 0);
  assert.equal(rerun.failed, 2);

  refuse = false;
  const retried = await extractItems(options(s, items, out, lines, { retryFailed: true }));
  assert.equal(retried.thisRun.sent, 2);
  assert.equal(retried.answered, 12);
  assert.equal(readFileSync(join(out, 'failures.jsonl'), 'utf8'), '');
  assert.deepEqual(
    readKeyinfo(out).map((r) => r.id),
    items.map((i) => i.id),
  );
});

test('401 stops the whole run at once, records no failure, and says what to check', async () => {
  const s = await server({ plan: () => ({ kind: 'status', status: 401, body: '{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}' }) });
  const out = tempDir();
  await assert.rejects(extractItems(options(s, syntheticItems(30), out, [], { apiKey: 'sk-wrong' })), (e: unknown) => {
    assert.ok(e instanceof TeacherFatalError);
    assert.match(e.message, /HTTP 401 .*Incorrect API key provided.*--api-key-env/);
    assert.ok(!e.message.includes('sk-wrong'));
    return true;
  });
  assert.ok(s.stats().received <= 4, `sent ${s.stats().received}`);
  const store = new TeacherStore(join(out, 'cache.sqlite'));
  assert.equal(store.leaseCount(), 0);
  store.close();
  assert.equal(readFileSync(join(out, 'failures.jsonl'), 'utf8'), '');
  const run = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { stop: string };
  assert.equal(run.stop, 'error');
});

test('a run of failures trips the breaker instead of failing every report', async () => {
  const s = await server({ plan: () => ({ kind: 'status', status: 503 }) });
  const out = tempDir();
  await assert.rejects(extractItems(options(s, syntheticItems(50), out, [], { retry: { limit: 1, backoffBaseMs: 1 }, maxConsecutiveFailures: 5, concurrency: 2 })), (e: unknown) => {
    assert.ok(e instanceof ClinsumError);
    assert.match(e.message, /5 reports in a row failed .*HTTP 503.*--retry-failed/);
    return true;
  });
  assert.ok(s.stats().received <= 2 * 7, `sent ${s.stats().received}`);
});

test('a teacher that cannot be reached is warned about at the first failed attempt, once per outage', async () => {
  // A port that was just free: nothing listens there, connections are refused at once.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const lines: string[] = [];
  const dead = { baseUrl: `http://127.0.0.1:${port}/v1` } as FaultServer;
  await assert.rejects(
    extractItems(options(dead, syntheticItems(4), tempDir(), lines, { retry: { limit: 3, backoffBaseMs: 1, backoffLimitMs: 2 }, maxConsecutiveFailures: 2, concurrency: 1 })),
    /2 reports in a row failed/,
  );
  const unreachable = lines.filter((l) => l.includes('is the teacher server running?'));
  assert.equal(unreachable.length, 1, lines.join(''));
  assert.match(unreachable[0]!, /ECONNREFUSED.*each report is tried 4 times, and the run stops after 2 reports in a row fail/);
  const firstFailure = lines.findIndex((l) => l.includes('failed: connection to the teacher failed'));
  assert.ok(firstFailure > lines.indexOf(unreachable[0]!), 'the warning comes before any report has used up its attempts');

  // Two outages (connections dropped), an answer between them: one warning each.
  const s = await server({ plan: (r): Fault => (r.seq <= 2 || (r.seq >= 4 && r.seq <= 5) ? { kind: 'drop', when: 'before-headers' } : { kind: 'answer' }) });
  const twice: string[] = [];
  await extractItems(options(s, syntheticItems(3), tempDir(), twice, { retry: { limit: 4, backoffBaseMs: 1, backoffLimitMs: 2 }, concurrency: 1 }));
  assert.equal(twice.filter((l) => l.includes('is the teacher server running?')).length, 2, twice.join(''));
});

test('--max-requests stops cleanly with partial outputs; the next run finishes the rest', async () => {
  const items = syntheticItems(20);
  const s = await server({ delayMs: 2 });
  const out = tempDir();
  const lines: string[] = [];
  const first = await extractItems(options(s, items, out, lines, { maxRequests: 7, concurrency: 3 }));
  assert.equal(first.stop, 'max-requests');
  assert.equal(first.thisRun.sent, 7);
  assert.equal(first.answered, 7);
  assert.equal(first.pending, 13);
  assert.equal(readKeyinfo(out).length, 7);
  assert.ok(lines.some((l) => l.includes('--max-requests 7 reached')));
  const second = await extractItems(options(s, items, out, lines));
  assert.equal(second.stop, 'complete');
  assert.equal(second.thisRun.sent, 13);
  assert.equal(s.stats().completed, 20);
});

test('--max-cost stops before the estimated spend passes the budget', async () => {
  const items = syntheticItems(20);
  const s = await server({});
  const out = tempDir();
  // A request is estimated at ~70 prompt + 256 (max_tokens) completion tokens at $1/$10 per
  // million, ~$0.0026; the server's answers really cost ~$0.0004 each.
  const sum = await extractItems(options(s, items, out, [], { prices: { inputPerMillion: 1, outputPerMillion: 10 }, maxCost: 0.005, concurrency: 1 }));
  assert.equal(sum.stop, 'max-cost');
  assert.ok(sum.answered >= 3 && sum.answered < 20, `answered ${sum.answered}`);
  assert.ok(sum.thisRun.costUsd! > 0 && sum.thisRun.costUsd! <= 0.005);
  assert.equal(readKeyinfo(out).length, sum.answered);
  await assert.rejects(extractItems(options(s, items, out, [], { maxCost: 1 })), /--max-cost needs --price-in/);
});

test('an interrupt drops the requests in flight, writes the outputs, and the rerun completes', async () => {
  const items = syntheticItems(30);
  const ac = new AbortController();
  const s = await server({ delayMs: 20 });
  s.onRequest = (_r, st) => {
    if (st.received === 12) ac.abort(new Error('SIGINT'));
  };
  const out = tempDir();
  await assert.rejects(extractItems(options(s, items, out, [], { signal: ac.signal })), (e: unknown) => e instanceof StoppedError && e.exitCode === 130 && /interrupted/.test(e.message));
  const partial = readKeyinfo(out).length;
  assert.ok(partial >= 5 && partial < 12, `answered ${partial}`);
  s.onRequest = undefined;
  const sum = await extractItems(options(s, items, out, []));
  assert.equal(sum.answered, 30);
  const st = s.stats();
  assert.ok(st.completed <= 30 + 4, `completed ${st.completed}`);
});

test('flags: empty, truncated, copies_report; copy_ratio reported', async () => {
  const items = syntheticItems(4);
  const s = await server({
    plan: (r): Fault => {
      if (r.user === items[0]!.report) return { kind: 'answer', content: '  \n' };
      if (r.user === items[1]!.report) return { kind: 'answer', content: 'age 21; dyspnoea', finishReason: 'length' };
      if (r.user === items[2]!.report) return { kind: 'answer', content: `Key information: ${r.user}` };
      return { kind: 'answer', content: 'age 23; jaundice; dilated duct' };
    },
  });
  const out = tempDir();
  await extractItems(options(s, items, out, []));
  const rows = readKeyinfo(out);
  assert.deepEqual(
    rows.map((r) => r.flags),
    [['empty'], ['truncated'], ['copies_report'], []],
  );
  assert.equal(rows[2]!.copy_ratio, 1);
  assert.equal(rows[3]!.copy_ratio, 0);
  assert.equal(rows[0]!.keyinfo, '');
  const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')) as { all: { flags: Record<string, number> } };
  assert.deepEqual(stats.all.flags, { empty: 1, truncated: 1, wrong_language: 0, copies_report: 1 });
});

test('identical reports share one request; duplicate ids are refused', async () => {
  const base = syntheticItems(3);
  const items = [...base, { id: 'copy-of-1', lang: 'en', report: base[1]!.report }];
  const s = await server({});
  const out = tempDir();
  const sum = await extractItems(options(s, items, out, []));
  assert.equal(sum.requests, 3);
  assert.equal(s.stats().received, 3);
  const rows = readKeyinfo(out);
  assert.deepEqual(
    rows.map((r) => r.id),
    [...base.map((b) => b.id), 'copy-of-1'],
  );
  assert.equal(rows[3]!.keyinfo, rows[1]!.keyinfo);
  await assert.rejects(extractItems(options(s, [...base, base[0]!], tempDir(), [])), (e: unknown) => e instanceof InputError && /case-0000" occurs twice/.test(e.message));
});

test('two runs in one process on one store share the work without duplicates', async () => {
  const items = syntheticItems(40);
  const s = await server({ delayMs: 5 });
  const out1 = tempDir();
  const out2 = tempDir();
  const store = join(tempDir(), 'shared.sqlite');
  const [a, b] = await Promise.all([
    extractItems(options(s, items, out1, [], { storePath: store, concurrency: 3 })),
    extractItems(options(s, items, out2, [], { storePath: store, concurrency: 3 })),
  ]);
  assert.equal(s.stats().completed, 40);
  assert.equal(a.thisRun.answered + b.thisRun.answered, 40);
  assert.ok(a.thisRun.answered > 0 && b.thisRun.answered > 0);
  assert.equal(readFileSync(join(out1, 'keyinfo.jsonl'), 'utf8'), readFileSync(join(out2, 'keyinfo.jsonl'), 'utf8'));
  assert.equal(readKeyinfo(out1).length, 40);
});

test('an endpoint off this machine is warned about once (and a key over plain http)', async () => {
  const lines: string[] = [];
  const fake = { baseUrl: 'http://203.0.113.7:9/v1' } as FaultServer;
  // Whatever the network does with a TEST-NET address (refuses, times out, a proxy answers), the
  // run ends quickly, and the warning came once, before the first request.
  await extractItems(options(fake, syntheticItems(3), tempDir(), lines, { apiKey: 'sk-x', timeoutMs: 300, retry: { limit: 0 }, maxConsecutiveFailures: 3, concurrency: 3 })).catch(() => undefined);
  const warnings = lines.filter((l) => l.startsWith('warning: the teacher endpoint'));
  assert.deepEqual(warnings, ['warning: the teacher endpoint 203.0.113.7:9 is not on this machine: report texts will be sent to it\n']);
  assert.equal(lines.filter((l) => l.includes('the API key goes to 203.0.113.7:9 over plain http')).length, 1);
  assert.ok(!lines.join('').includes('sk-x'));
  const none: string[] = [];
  await extractItems(options(fake, syntheticItems(3), tempDir(), none, { maxRequests: 0 }));
  assert.ok(!none.some((l) => l.startsWith('warning:')), 'nothing sent, nothing to warn about');
  const local: string[] = [];
  const s = await server({});
  await extractItems(options(s, syntheticItems(2), tempDir(), local, { apiKey: 'sk-x' }));
  assert.ok(!local.some((l) => l.startsWith('warning:')));
});

test('with requests/min and tokens/min limits (not binding) the run completes despite 429s', async () => {
  const items = syntheticItems(30);
  const s = await server({ plan: (r): Fault => (r.seq % 6 === 0 && r.nth === 1 ? { kind: 'status', status: 429, headers: { 'retry-after-ms': '1' } } : { kind: 'answer' }) });
  const out = tempDir();
  const sum = await extractItems(options(s, items, out, [], { limits: { requestsPerMinute: 60_000, tokensPerMinute: 50_000_000 } }));
  assert.equal(sum.answered, 30);
  assert.ok((s.stats().outcomes['status:429'] ?? 0) >= 1);
  assert.equal(readKeyinfo(out).length, 30);
});

/**
 * The token-bucket bound, checked on what the server saw: for every window of consecutive
 * arrivals, the requests (or tokens) in it are at most the bucket's capacity plus the rate times
 * the window's length, plus `slack`. Lower bounds on time only, so a slow machine cannot fail it;
 * the slack absorbs arrivals that the network and the shared event loop bunch together.
 */
function checkBucketBound(arrivals: { t: number; amount: number }[], capacity: number, perMs: number, slack: number, what: string): void {
  for (let i = 0; i < arrivals.length; i++) {
    let sum = 0;
    for (let j = i; j < arrivals.length; j++) {
      sum += arrivals[j]!.amount;
      const allowed = capacity + perMs * (arrivals[j]!.t - arrivals[i]!.t) + slack;
      assert.ok(sum <= allowed, `${what}: arrivals ${i + 1}..${j + 1} carry ${sum} in ${(arrivals[j]!.t - arrivals[i]!.t).toFixed(0)} ms, above the ${allowed.toFixed(0)} the limit allows`);
    }
  }
}

test('--rpm: the requests the server sees, retries included, never outrun the requests-per-minute bucket', async () => {
  // 120/min: a bucket of 10 (5 s worth), then one every 500 ms. 14 reports and up to 2 injected
  // 429s make 15-16 requests: unlimited they would all arrive at once; limited, the last ~3 s later.
  const items = syntheticItems(14);
  const arrivals: { t: number; amount: number }[] = [];
  const s = await server({ plan: (r): Fault => (r.nth === 1 && (r.seq === 3 || r.seq === 12) ? { kind: 'status', status: 429, headers: { 'retry-after-ms': '1' } } : { kind: 'answer' }) });
  s.onRequest = () => void arrivals.push({ t: performance.now(), amount: 1 });
  const out = tempDir();
  const sum = await extractItems(options(s, items, out, [], { concurrency: 14, limits: { requestsPerMinute: 120 } }));
  assert.equal(sum.answered, 14);
  const n429 = s.stats().outcomes['status:429'] ?? 0;
  assert.ok(n429 >= 1, 'a 429 was injected');
  assert.equal(arrivals.length, 14 + n429, 'every retry took a request from the bucket too');
  checkBucketBound(arrivals, 10, 120 / 60_000, 2, 'requests');
  // Without the limit the same run is not bounded that way (the check has teeth).
  const free: { t: number; amount: number }[] = [];
  const s2 = await server({});
  s2.onRequest = () => void free.push({ t: performance.now(), amount: 1 });
  await extractItems(options(s2, items, tempDir(), [], { concurrency: 14 }));
  assert.throws(() => checkBucketBound(free, 10, 120 / 60_000, 2, 'requests'), /above the/);
});

test('--tpm: the tokens the server reports, per window of arrivals, stay within the tokens-per-minute bucket', async () => {
  // 120 000/min: a bucket of 10 000 tokens (5 s worth), then 2 000 a second. Each request
  // reserves its estimated prompt tokens + max_tokens (1 000) and uses ~1 000 (a 3 600-character
  // answer), so about 9 go at once and the other 5 follow at ~0.5 s intervals.
  const items = syntheticItems(14);
  const arrivals: { t: number; key: string }[] = [];
  const s = await server({ answer: () => 'k'.repeat(3_600) });
  s.onRequest = (r) => void arrivals.push({ t: performance.now(), key: r.key });
  const out = tempDir();
  const sum = await extractItems(options(s, items, out, [], { concurrency: 14, params: { max_tokens: 1_000 }, limits: { tokensPerMinute: 120_000 } }));
  assert.equal(sum.answered, 14);
  const usedByKey = new Map(items.map((it, i) => [keyOf(it.report), readKeyinfo(out)[i]!.usage!.total_tokens]));
  const used = arrivals.map((a) => ({ t: a.t, amount: usedByKey.get(a.key)! }));
  assert.ok(used.every((u) => u.amount > 900 && u.amount <= 1_100), `usage per request ${used.map((u) => u.amount).join(', ')}`);
  checkBucketBound(used, 10_000, 120_000 / 60_000, 2 * 1_100, 'tokens');
  assert.ok(used.reduce((a, u) => a + u.amount, 0) > 10_000 + 2 * 1_100, 'the run needs more than the bucket, so the bound is tested');
});
