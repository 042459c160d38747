/**
 * The extraction runner: sends every report that the store has no outcome for to the teacher,
 * with at most `concurrency` requests in flight, and records each outcome in the store as it
 * completes. At the end (also after a budget stop, an interrupt or a fatal error) it rebuilds
 * the output files from the store.
 *
 * Several runs may share a store (two terminals, two machines on a shared disk is NOT supported
 * by SQLite): each claims a report before sending it, skips reports another live run claimed,
 * and waits for those at the end so that its outputs are complete.
 */
import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ClinsumError, ConfigError, InputError, StoppedError } from '../../util/errors.js';
import { writeJsonAtomic } from '../../util/fs.js';
import { canonicalJson } from '../../util/hash.js';
import { silentLogger, type Logger } from '../../util/log.js';
import { Progress } from '../../util/progress.js';
import { TeacherClient, endpointIsLocal, type TeacherClientOptions, parseBaseUrl, type ChatMessage, type Completion, type JsonValue, type SamplingParams } from './client.js';
import { TeacherError, TeacherFatalError, TeacherHTTPError, TeacherNetworkError } from './errors.js';
import type { FlagOptions, FlagResult, LanguageDetector } from './flags.js';
import { RateLimiter, type RateLimits } from './limiter.js';
import { DEFAULT_RETRY } from './retry.js';
import { buildOutputs, entryFlags, writeOutputs, type OutputFiles } from './output.js';
import { currentOwner } from './owner.js';
import { buildPreflight, estimatePromptTokens, type PreflightReport } from './preflight.js';
import { costUsd, type ExtractionStats, type Prices } from './stats.js';
import { TeacherStore, requestKeyer, type AnswerRow, type TeacherIdentity } from './store.js';

/** One report to send. */
export interface TeacherItem {
  id: string;
  lang: string;
  report: string;
}

/** A system prompt and its hash (recorded as `prompt_hash`). */
export interface PromptText {
  text: string;
  hash: string;
}

/** The endpoint settings (`baseUrl` with `/v1`, `model`, `apiKey`, `params`, `timeoutMs`, `retry`) are the client's. */
export interface ExtractOptions extends Pick<TeacherClientOptions, 'baseUrl' | 'model' | 'apiKey' | 'params' | 'timeoutMs' | 'retry'> {
  /** The reports, in the order of the output file. Ids must be unique. */
  items: readonly TeacherItem[];
  /** The system prompt for a report. */
  prompt: (item: TeacherItem) => PromptText;
  /** Requests in flight at most. Default 8. */
  concurrency?: number;
  limits?: RateLimits;
  /** Output folder: keyinfo.jsonl, failures.jsonl, stats.json, summary.json. */
  outDir: string;
  /** Answer store. Default `<outDir>/cache.sqlite`. */
  storePath?: string;
  /** Send again the reports whose recorded outcome is a failure. */
  retryFailed?: boolean;
  /** Stop starting requests once this many were sent (retries count). */
  maxRequests?: number;
  /** Stop starting requests when the spent plus the in-flight estimate would pass this many USD. Needs `prices`. */
  maxCost?: number;
  prices?: Prices;
  /** Counts a conversation's prompt tokens with the teacher's tokenizer (dry runs, cost and tokens/min estimates). */
  countTokens?: (messages: readonly ChatMessage[]) => number;
  /** Language detector for the `wrong_language` flag. */
  detectLanguage: LanguageDetector;
  flagOptions?: Partial<FlagOptions>;
  logger?: Logger;
  /** Progress line target and switch. */
  progress?: { stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }; silent?: boolean; intervalMs?: number };
  /** Abort = interrupt: in-flight requests are dropped, outputs written, StoppedError thrown. */
  signal?: AbortSignal;
  /** Claim duration, renewed every third of it while the run lives. Default 120 000 ms. */
  leaseMs?: number;
  /** How often to look again at reports another run is working on. Default 1000 ms. */
  pollMs?: number;
  /** Stop the run after this many reports in a row failed. Default 10. */
  maxConsecutiveFailures?: number;
}

export type StopReason = 'complete' | 'max-requests' | 'max-cost';

export interface ExtractionSummary {
  stop: StopReason;
  reports: number;
  /** Distinct requests (identical reports with the same prompt share one). */
  requests: number;
  answered: number;
  failed: number;
  pending: number;
  thisRun: {
    answered: number;
    failed: number;
    /** Requests sent, retries included. */
    sent: number;
    retries: number;
    promptTokens: number;
    completionTokens: number;
    costUsd: number | null;
    elapsedMs: number;
  };
  /** Answered or failed by another run sharing the store while this one ran. */
  settledByOthers: number;
  teacher: Omit<TeacherIdentity, 'prompt_hash'> & { prompt_hashes: Record<string, string> };
  files: OutputFiles & { summary: string; store: string };
  stats: ExtractionStats;
}

/** Flags depend on the answer, the report and its language: identical reports may carry different labels. */
const flagKey = (key: string, lang: string): string => `${key}\0${lang}`;

const DEFAULT_CONCURRENCY = 8;
/** Items planned (hashed, looked up in the store) per turn of the event loop. */
const PLAN_CHUNK = 256;
const DEFAULT_LEASE_MS = 120_000;
const DEFAULT_POLL_MS = 1_000;
const DEFAULT_MAX_CONSECUTIVE_FAILURES = 10;
/** Completion tokens assumed per answer for budgets when max_tokens is not set and nothing was observed yet. */
const ASSUMED_COMPLETION_TOKENS = 1_024;

/** Statuses that condemn the whole run rather than one report, with what to do about them. */
const FATAL_STATUS: Readonly<Record<number, string>> = Object.freeze({
  401: 'the endpoint refused the API key: check the variable named by --api-key-env',
  402: 'the endpoint wants payment: check the account',
  403: 'the endpoint refused access: check the API key and its permissions',
  404: 'check --base-url (it must end with the API prefix, e.g. /v1) and --model',
  405: 'check --base-url: the endpoint does not accept POST /chat/completions',
});

interface Task {
  key: string;
  /** The first item with this key (identical reports with the same prompt share a task). */
  item: TeacherItem;
  promptHash: string;
  messages: ChatMessage[];
  promptTokens: number;
  /** Items sharing this key, as far as planned. */
  items: number;
  settled: boolean;
}

class BudgetStop extends Error {
  readonly reason: StopReason;
  constructor(reason: StopReason) {
    super(reason);
    this.reason = reason;
  }
}

/** Keys and tasks of the items, computed in input order, all at once or a chunk at a time. */
interface Plan {
  url: URL;
  host: string;
  params: Record<string, JsonValue>;
  storePath: string;
  concurrency: number;
  /** One task per distinct key, in first-seen order (as far as planned). */
  tasks: Task[];
  /** Key of every item planned, in input order. */
  itemKeys: string[];
  promptHashes: Record<string, string>;
  /** Items planned so far. */
  planned: number;
  /**
   * Plan the next `n` items; returns the new tasks. `onDuplicate` is called for an item whose key
   * already has a task.
   */
  next(n: number, onDuplicate?: (t: Task) => void): Task[];
}

function makePlan(o: ExtractOptions): Plan {
  const url = parseBaseUrl(o.baseUrl);
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ConfigError(`concurrency must be an integer >= 1, got ${concurrency}`);
  if (o.maxCost !== undefined && !o.prices) throw new ConfigError('--max-cost needs --price-in and --price-out (USD per million tokens)');
  const seen = new Set<string>();
  for (const it of o.items) {
    if (seen.has(it.id)) throw new InputError({ field: 'id' }, `report id "${it.id}" occurs twice in the input`, 'give every report a unique id');
    seen.add(it.id);
  }
  // Keys sorted, as the store keeps them, so that outputs read the same from memory and from disk.
  const params = JSON.parse(canonicalJson(requestParams(o.params))) as Record<string, JsonValue>;
  const byKey = new Map<string, Task>();
  const keyers = new Map<string, (report: string) => string>();
  const plan: Plan = {
    url,
    host: url.host,
    params,
    storePath: o.storePath ?? join(o.outDir, 'cache.sqlite'),
    concurrency,
    tasks: [],
    itemKeys: [],
    promptHashes: {},
    planned: 0,
    next(n, onDuplicate) {
      const fresh: Task[] = [];
      const end = Math.min(o.items.length, plan.planned + n);
      for (; plan.planned < end; plan.planned++) {
        const item = o.items[plan.planned]!;
        const prompt = o.prompt(item);
        plan.promptHashes[item.lang] ??= prompt.hash;
        const keyerId = `${prompt.hash}\0${prompt.text}`;
        let keyer = keyers.get(keyerId);
        if (!keyer) keyers.set(keyerId, (keyer = requestKeyer({ prompt, model: o.model, params })));
        const key = keyer(item.report);
        plan.itemKeys.push(key);
        const known = byKey.get(key);
        if (known) {
          known.items++;
          onDuplicate?.(known);
          continue;
        }
        const messages: ChatMessage[] = [
          { role: 'system', content: prompt.text },
          { role: 'user', content: item.report },
        ];
        const task: Task = { key, item, promptHash: prompt.hash, messages, promptTokens: o.countTokens ? o.countTokens(messages) : estimatePromptTokens(messages), items: 1, settled: false };
        byKey.set(key, task);
        plan.tasks.push(task);
        fresh.push(task);
      }
      return fresh;
    },
  };
  return plan;
}

/** The sampling parameters as sent (undefined dropped, extra fields merged): part of the store key. */
export function requestParams(p: SamplingParams | undefined): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  if (!p) return out;
  const { extra, ...named } = p;
  for (const [k, v] of Object.entries(named)) if (v !== undefined) out[k] = v;
  if (extra) for (const [k, v] of Object.entries(extra)) out[k] = v;
  return out;
}

/** What `extractItems` would send, without sending anything or creating files. */
export async function preflightItems(o: ExtractOptions): Promise<PreflightReport> {
  const p = makePlan(o);
  p.next(o.items.length);
  let answered = 0;
  let failed = 0;
  const toSend: number[] = [];
  const rows = existsSync(p.storePath) ? withStore(p.storePath, (s) => s.getMany(p.tasks.map((t) => t.key))) : new Map<string, AnswerRow>();
  for (const t of p.tasks) {
    const r = rows.get(t.key);
    if (r?.status === 'done') answered++;
    else if (r?.status === 'failed' && !o.retryFailed) failed++;
    else toSend.push(t.promptTokens);
  }
  return buildPreflight(
    {
      endpoint: `${p.url.origin}${p.url.pathname}/chat/completions`,
      host: p.host,
      local: await endpointIsLocal(p.url.hostname),
      model: o.model,
      params: p.params,
      concurrency: p.concurrency,
      reports: o.items.length,
      requests: p.tasks.length,
      alreadyAnswered: answered,
      failedSkipped: failed,
      toSend: toSend.length,
      store: p.storePath,
      outDir: o.outDir,
    },
    toSend,
    o.countTokens ? 'tokenizer' : 'estimate',
    o.params?.max_tokens,
    o.prices,
  );
}

function withStore<T>(path: string, fn: (s: TeacherStore) => T): T {
  const s = new TeacherStore(path);
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

/** Send what is not answered yet, record outcomes, write the outputs; see the module comment. */
export async function extractItems(o: ExtractOptions): Promise<ExtractionSummary> {
  const started = performance.now();
  const runStartIso = new Date().toISOString();
  const log = o.logger ?? silentLogger;
  const p = makePlan(o);
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  const pollMs = o.pollMs ?? DEFAULT_POLL_MS;
  const maxConsecutive = o.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES;
  const owner = currentOwner();
  const limiter = o.limits && (o.limits.requestsPerMinute !== undefined || o.limits.tokensPerMinute !== undefined) ? new RateLimiter(o.limits) : undefined;
  const client = new TeacherClient({
    baseUrl: o.baseUrl,
    model: o.model,
    apiKey: o.apiKey,
    params: o.params,
    timeoutMs: o.timeoutMs,
    retry: o.retry,
    maxSockets: p.concurrency,
    limiter,
  });
  let store: TeacherStore;
  try {
    store = new TeacherStore(p.storePath);
  } catch (e) {
    client.close();
    throw e;
  }
  const identity = (prompt_hash: string): TeacherIdentity => ({ model: o.model, host: p.host, prompt_hash, params: p.params });
  const local = await endpointIsLocal(p.url.hostname);
  let warned = false;
  // Warned about the current outage (a connection that fails); an answer ends the outage.
  let unreachableWarned = false;
  const maxAttempts = (o.retry?.limit ?? DEFAULT_RETRY.limit) + 1;

  const state = {
    sent: 0,
    retries: 0,
    answered: 0,
    failed: 0,
    byOthers: 0,
    promptTokens: 0,
    completionTokens: 0,
    spentUsd: 0,
    reservedUsd: 0,
    consecutiveFailures: 0,
    stop: undefined as StopReason | undefined,
    fatal: undefined as Error | undefined,
  };
  const internal = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, internal.signal]) : internal.signal;
  // Every request in flight and every backoff wait listens to it.
  setMaxListeners(4 * p.concurrency + 16, signal);
  const interrupted = () => o.signal?.aborted === true;

  // Progress counts reports; it is shown once the plan is complete (so that what was settled
  // earlier does not count into the rate).
  let progress: Progress | undefined;
  let settledReports = 0;
  const progressExtras = () => ({
    failed: state.failed,
    retries: state.retries,
    'tokens in': state.promptTokens,
    'tokens out': state.completionTokens,
    ...(o.prices ? { cost$: Number(state.spentUsd.toFixed(2)) } : {}),
  });
  const settle = (t: Task) => {
    t.settled = true;
    settledReports += t.items;
    progress?.update(settledReports, progressExtras());
  };

  const expectedCompletion = (): number => o.params?.max_tokens ?? (state.answered > 0 ? state.completionTokens / state.answered : ASSUMED_COMPLETION_TOKENS);
  const estimateUsd = (t: Task): number => (o.prices ? costUsd(t.promptTokens, expectedCompletion(), o.prices) : 0);

  // Done rows are final, so the ones read while planning and the ones this run wrote need not be
  // read again for the outputs.
  const known = new Map<string, AnswerRow>();

  // The plan is made a chunk at a time while the first requests are already out: keys (hashes of
  // every report), what the store has settled, and the queue of the rest.
  const queue: Task[] = [];
  let planning = true;
  let waiting: (() => void)[] = [];
  const wake = () => {
    const w = waiting;
    waiting = [];
    for (const f of w) f();
  };
  const before = { answered: 0, failed: 0, settled: 0 };
  const planChunk = () => {
    const fresh = p.next(PLAN_CHUNK, (t) => {
      if (t.settled) {
        settledReports++;
        progress?.update(settledReports, progressExtras());
      }
    });
    const rows = store.getMany(fresh.map((t) => t.key));
    for (const t of fresh) {
      const r = rows.get(t.key);
      if (r?.status === 'done') {
        before.answered++;
        known.set(t.key, r);
        before.settled += 1;
        settle(t);
      } else if (r?.status === 'failed' && !o.retryFailed) {
        before.failed++;
        before.settled += 1;
        settle(t);
      } else {
        if (r?.status === 'failed') before.failed++;
        queue.push(t);
      }
    }
    wake();
  };
  const planAll = async (): Promise<void> => {
    try {
      planChunk();
      while (p.planned < o.items.length) {
        await new Promise((r) => setImmediate(r));
        planChunk();
      }
    } catch (e) {
      fail(e instanceof Error ? e : new Error(String(e)));
      return;
    } finally {
      planning = false;
      wake();
    }
    log.info(
      `extract: ${o.items.length} reports, ${p.tasks.length} distinct requests; ${before.answered} answered earlier` +
        (before.failed > 0 ? `, ${before.failed} failed earlier (${o.retryFailed ? 'retrying them' : 'skipped; --retry-failed retries them'})` : '') +
        `; ${p.tasks.length - before.settled} to send to ${p.host} (model ${o.model}, concurrency ${p.concurrency})`,
    );
    progress = new Progress({ label: 'extract', total: o.items.length, unit: 'reports', initial: settledReports, ...o.progress });
    progress.update(settledReports, progressExtras());
  };

  // The queue, and the reports another live run holds: looked at again every pollMs. Claims are
  // taken a few at a time (one transaction each batch); unused ones are dropped at the end.
  const claimBatch = Math.max(1, Math.min(8, Math.ceil(p.concurrency / 4)));
  const claimed: Task[] = [];
  let cursor = 0;
  let deferred: Task[] = [];
  let round: Promise<void> | undefined;
  const nextTask = async (): Promise<Task | undefined> => {
    for (;;) {
      if (state.stop !== undefined || state.fatal !== undefined || signal.aborted) return undefined;
      while (claimed.length === 0 && cursor < queue.length) {
        const window = queue.slice(cursor, cursor + 4 * claimBatch);
        const results = store.claimMany(
          window.map((t) => t.key),
          owner,
          leaseMs,
          o.retryFailed ? runStartIso : undefined,
          claimBatch,
        );
        results.forEach((c, i) => {
          const t = window[i]!;
          if (c === 'claimed') claimed.push(t);
          else if (c === 'leased') deferred.push(t);
          else {
            state.byOthers++;
            settle(t);
          }
        });
        cursor += results.length;
      }
      const t = claimed.shift();
      if (t) return t;
      if (cursor < queue.length) continue;
      if (planning) {
        await new Promise<void>((r) => waiting.push(r));
        continue;
      }
      if (deferred.length === 0) return undefined;
      round ??= (async () => {
        await new Promise((r) => setTimeout(r, pollMs));
        queue.push(...deferred);
        deferred = [];
        round = undefined;
      })();
      await round;
    }
  };

  // Group commit: outcomes that complete in the same turn of the event loop share a transaction.
  // A worker takes its next report only after its outcome is committed, so at most `concurrency`
  // answers are ever received but not yet stored.
  let unwritten: { row: AnswerRow; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const flush = () => {
    const batch = unwritten;
    unwritten = [];
    let accepted: boolean[];
    try {
      accepted = store.recordMany(
        batch.map((b) => b.row),
        owner,
      );
    } catch (e) {
      for (const b of batch) b.reject(e);
      return;
    }
    batch.forEach((b, i) => {
      // A done row is final: keep it for the outputs instead of reading it back.
      if (accepted[i] && b.row.status === 'done') known.set(b.row.key, b.row);
      b.resolve();
    });
  };
  const commit = (row: AnswerRow) =>
    new Promise<void>((resolve, reject) => {
      unwritten.push({ row, resolve, reject });
      if (unwritten.length === 1) setImmediate(flush);
    });

  const runTask = async (t: Task): Promise<void> => {
    const startedAt = new Date().toISOString();
    let reserved = 0;
    const unreserve = () => {
      state.reservedUsd -= reserved;
      reserved = 0;
    };
    let completion: Completion;
    try {
      completion = await client.complete(t.messages, {
        signal,
        estimatedTokens: t.promptTokens + (o.params?.max_tokens ?? ASSUMED_COMPLETION_TOKENS),
        beforeAttempt: () => {
          if (state.stop !== undefined) throw new BudgetStop(state.stop);
          if (o.maxRequests !== undefined && state.sent >= o.maxRequests) throw new BudgetStop('max-requests');
          if (o.maxCost !== undefined) {
            const est = estimateUsd(t);
            if (state.spentUsd + state.reservedUsd + est > o.maxCost) throw new BudgetStop('max-cost');
            reserved = est;
            state.reservedUsd += est;
          }
          if (!local && !warned) {
            warned = true;
            log.warn(`the teacher endpoint ${p.host} is not on this machine: report texts will be sent to it`);
            if (p.url.protocol === 'http:' && o.apiKey !== undefined) log.warn(`the API key goes to ${p.host} over plain http`);
          }
          state.sent++;
        },
        onRetry: (e, delayMs) => {
          unreserve();
          state.retries++;
          if (e instanceof TeacherNetworkError && !unreachableWarned) {
            // Say so at the first failed connection, not when a report has used up its retries.
            unreachableWarned = true;
            log.warn(
              `extract: ${e.message}; retrying with backoff — is the teacher server running? (each report is tried ${maxAttempts} times, and the run stops after ${maxConsecutive} reports in a row fail)`,
            );
          }
          log.debug(`extract: ${t.item.id}: attempt ${e.request.attempt} failed (${e.kind}${e instanceof TeacherHTTPError ? ` ${e.response.status}` : ''}); retrying in ${Math.round(delayMs)} ms`);
        },
      });
    } catch (e) {
      unreserve();
      if (e instanceof BudgetStop) {
        if (state.stop === undefined) {
          state.stop = e.reason;
          log.info(`extract: ${e.reason === 'max-requests' ? `--max-requests ${o.maxRequests}` : `--max-cost ${o.maxCost}`} reached; finishing the requests in flight and stopping`);
        }
        store.release(t.key, owner);
        return;
      }
      if (signal.aborted) {
        store.release(t.key, owner);
        return;
      }
      if (e instanceof TeacherHTTPError && FATAL_STATUS[e.response.status] !== undefined) {
        store.release(t.key, owner);
        fail(new TeacherFatalError(e, FATAL_STATUS[e.response.status]!));
        return;
      }
      if (e instanceof TeacherHTTPError && e.response.status >= 300 && e.response.status < 400) {
        store.release(t.key, owner);
        fail(new TeacherFatalError(e, 'the endpoint redirects: pass the final URL as --base-url'));
        return;
      }
      if (!(e instanceof TeacherError)) throw e;
      await commit({
        key: t.key,
        id: t.item.id,
        lang: t.item.lang,
        status: 'failed',
        answer: null,
        finishReason: null,
        usage: null,
        latencyMs: null,
        attempts: e.request.attempt,
        errorKind: e.kind,
        errorStatus: e instanceof TeacherHTTPError ? e.response.status : null,
        error: e.message,
        teacher: identity(t.promptHash),
        responseModel: null,
        runId: owner.runId,
        startedAt,
        finishedAt: new Date().toISOString(),
      });
      state.failed++;
      state.consecutiveFailures++;
      log.warn(`extract: report ${t.item.id} failed: ${e.message}`);
      settle(t);
      if (state.consecutiveFailures >= maxConsecutive) {
        fail(
          new ClinsumError(
            'teacher',
            `${state.consecutiveFailures} reports in a row failed (last: ${e.message}); stopped. Check the endpoint, then rerun with --retry-failed to send the failed reports again`,
          ),
        );
      }
      return;
    }
    unreserve();
    unreachableWarned = false;
    const u = completion.usage;
    await commit({
      key: t.key,
      id: t.item.id,
      lang: t.item.lang,
      status: 'done',
      answer: completion.content,
      finishReason: completion.finishReason,
      usage: u ?? null,
      latencyMs: Math.round(completion.latencyMs * 10) / 10,
      attempts: completion.attempts,
      errorKind: null,
      errorStatus: null,
      error: null,
      teacher: identity(t.promptHash),
      responseModel: completion.responseModel ?? null,
      runId: owner.runId,
      startedAt,
      finishedAt: new Date().toISOString(),
    });
    state.answered++;
    state.consecutiveFailures = 0;
    // Flags for the outputs, computed off the request path while the network is busy.
    const { content, finishReason } = completion;
    setImmediate(() => flagCache.set(flagKey(t.key, t.item.lang), entryFlags(t.item, content, finishReason, o.detectLanguage, o.flagOptions)));
    if (u) {
      state.promptTokens += u.promptTokens;
      state.completionTokens += u.completionTokens;
      if (o.prices) state.spentUsd += costUsd(u.promptTokens, u.completionTokens, o.prices);
    } else if (o.prices) {
      state.spentUsd += estimateUsd(t);
    }
    settle(t);
  };

  const flagCache = new Map<string, FlagResult>();

  const fail = (e: Error) => {
    if (state.fatal !== undefined) return;
    state.fatal = e;
    internal.abort(e);
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const t = await nextTask();
      if (!t) return;
      try {
        await runTask(t);
      } catch (e) {
        store.release(t.key, owner);
        fail(e instanceof Error ? e : new Error(String(e)));
        return;
      }
    }
  };

  const heartbeat = setInterval(() => {
    try {
      store.renew(owner, leaseMs);
    } catch (e) {
      log.warn(`extract: could not renew the claims in ${p.storePath}: ${(e as Error).message}`);
    }
  }, Math.max(1_000, Math.floor(leaseMs / 3)));
  heartbeat.unref();

  try {
    await Promise.all([planAll(), ...Array.from({ length: p.concurrency }, worker)]);
  } finally {
    clearInterval(heartbeat);
    store.releaseAll(owner);
    client.close();
  }

  // Outputs, rebuilt from the store (answers from other runs included).
  let summary: ExtractionSummary;
  try {
    const rows = new Map(known);
    for (const [k, r] of store.getMany(p.tasks.filter((t) => !known.has(t.key)).map((t) => t.key))) rows.set(k, r);
    const entries = o.items.map((item, i) => ({ id: item.id, lang: item.lang, report: item.report, row: rows.get(p.itemKeys[i]!) }));
    const built = buildOutputs(entries, o.detectLanguage, o.flagOptions, o.prices, (key, lang) => flagCache.get(flagKey(key, lang)));
    const teacher = { model: o.model, host: p.host, params: p.params, prompt_hashes: p.promptHashes };
    const files = writeOutputs(o.outDir, built, { teacher });
    let answered = 0;
    let failed = 0;
    for (const t of p.tasks) {
      const s = rows.get(t.key)?.status;
      if (s === 'done') answered++;
      else if (s === 'failed') failed++;
    }
    const summaryFile = join(o.outDir, 'summary.json');
    summary = {
      stop: state.stop ?? 'complete',
      reports: o.items.length,
      requests: p.tasks.length,
      answered,
      failed,
      pending: p.tasks.length - answered - failed,
      thisRun: {
        answered: state.answered,
        failed: state.failed,
        sent: state.sent,
        retries: state.retries,
        promptTokens: state.promptTokens,
        completionTokens: state.completionTokens,
        costUsd: o.prices ? Math.round(state.spentUsd * 1e6) / 1e6 : null,
        elapsedMs: Math.round(performance.now() - started),
      },
      settledByOthers: state.byOthers,
      teacher,
      files: { ...files, summary: summaryFile, store: p.storePath },
      stats: built.stats,
    };
    const r = summary.thisRun;
    writeJsonAtomic(summaryFile, {
      stop: state.fatal ? 'error' : interrupted() ? 'interrupted' : summary.stop,
      error: state.fatal ? state.fatal.message : null,
      reports: summary.reports,
      requests: summary.requests,
      answered: summary.answered,
      failed: summary.failed,
      pending: summary.pending,
      this_run: {
        answered: r.answered,
        failed: r.failed,
        sent: r.sent,
        retries: r.retries,
        prompt_tokens: r.promptTokens,
        completion_tokens: r.completionTokens,
        cost_usd: r.costUsd,
        elapsed_ms: r.elapsedMs,
      },
      settled_by_others: summary.settledByOthers,
      teacher: summary.teacher,
      files: summary.files,
      started_at: runStartIso,
      finished_at: new Date().toISOString(),
    });
  } finally {
    store.close();
    progress?.finish(progressExtras());
  }

  if (state.fatal) throw state.fatal;
  if (interrupted()) {
    throw new StoppedError(
      `extract: interrupted; ${summary.answered} of ${summary.requests} requests answered, outputs written to ${o.outDir}. Run the same command again to continue`,
      130,
    );
  }
  return summary;
}
