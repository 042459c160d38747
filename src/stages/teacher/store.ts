/**
 * The teacher's answer store: one SQLite file (WAL mode) shared by every run that points at it.
 *
 * - `answers`: one row per request key (see `requestKey`), written in one transaction only once
 *   an answer (or a final failure) is complete, so a kill at any instant leaves either the whole
 *   row or none. A `done` row is never overwritten.
 * - `leases`: in-flight claims. A run claims a key before sending it and drops the claim in the
 *   transaction that writes the answer; another run skips a key claimed by a live owner and takes
 *   it over only when the claim expired or its owner process is gone.
 *
 * The store holds answers but never report texts (only their hash, inside the key).
 */
import { dirname } from 'node:path';
import { ConfigError } from '../../util/errors.js';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../util/hash.js';
import type { JsonValue, Usage } from './client.js';
import { ownerAlive, type Owner } from './owner.js';
import { openSqlite, type SqliteDatabase, type Transaction } from './sqlite.js';
import { makeDir } from '../../util/fs.js';

const SCHEMA_VERSION = 1;

/** Who answered: recorded with every row and every keyinfo line. */
export interface TeacherIdentity {
  model: string;
  /** host[:port] of the endpoint. */
  host: string;
  prompt_hash: string;
  /** Sampling parameters and extra body fields as sent. */
  params: Record<string, JsonValue>;
}

export type AnswerStatus = 'done' | 'failed';

export interface AnswerRow {
  key: string;
  id: string;
  lang: string;
  status: AnswerStatus;
  /** The answer as received (null for failures). */
  answer: string | null;
  finishReason: string | null;
  usage: Usage | null;
  /** Ms of the successful attempt (null for failures). */
  latencyMs: number | null;
  attempts: number;
  /** For failures: `http`, `timeout`, `network` or `malformed`. */
  errorKind: string | null;
  errorStatus: number | null;
  /** For failures: the error's message (metadata only, never texts). */
  error: string | null;
  teacher: TeacherIdentity;
  responseModel: string | null;
  runId: string;
  /** ISO 8601 times of the first attempt and of the outcome. */
  startedAt: string;
  finishedAt: string;
}

export type ClaimResult = 'claimed' | 'done' | 'failed' | 'leased';

/**
 * The store key of a request: SHA-256 over everything that decides the answer — the canonical
 * JSON of `{v: 1, prompt: {text, hash}, model, params}` (sampling parameters and extra body
 * fields), a NUL byte, then the report's UTF-8 bytes. (JSON never holds a raw NUL, so the split is
 * unambiguous.) The endpoint's host is not part of it: the same model behind another URL gives
 * the same key.
 */
export function requestKey(parts: { report: string; prompt: { text: string; hash: string }; model: string; params: Record<string, JsonValue> }): string {
  return requestKeyer(parts)(parts.report);
}

/** `requestKey` with everything but the report fixed: hashes the header once. */
export function requestKeyer(parts: { prompt: { text: string; hash: string }; model: string; params: Record<string, JsonValue> }): (report: string) => string {
  const header = `${canonicalJson({ v: 1, prompt: parts.prompt, model: parts.model, params: parts.params })}\0`;
  return (report) => createHash('sha256').update(header).update(report).digest('hex');
}

interface DbAnswerRow {
  key: string;
  id: string;
  lang: string;
  status: string;
  answer: string | null;
  finish_reason: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  latency_ms: number | null;
  attempts: number;
  error_kind: string | null;
  error_status: number | null;
  error: string | null;
  model: string;
  host: string;
  prompt_hash: string;
  params: string;
  response_model: string | null;
  run_id: string;
  started_at: string;
  finished_at: string;
}

interface DbLease {
  owner: string;
  host: string;
  pid: number;
  pid_start: string;
  expires_at: number;
}

export interface StoreOptions {
  /** Wait this long for another process's write lock before failing. Default 30 000 ms. */
  busyTimeoutMs?: number;
  /** Clock in ms since the epoch (tests). */
  now?: () => number;
}

/** Runs `fn` again, after a short random pause, while it fails with SQLITE_BUSY, for up to `timeoutMs`. */
function retryWhileBusy(timeoutMs: number, fn: () => void): void {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      fn();
      return;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw e;
      Atomics.wait(pause, 0, 0, 5 + Math.random() * 20);
    }
  }
}

export class TeacherStore {
  readonly path: string;
  private readonly db: SqliteDatabase;
  private readonly now: () => number;
  private readonly stmts: ReturnType<TeacherStore['prepare']>;
  private readonly txClaim: Transaction<[readonly string[], Owner, number, string | undefined, number], ClaimResult[]>;
  private readonly txRecord: Transaction<[readonly AnswerRow[], Owner], boolean[]>;

  constructor(path: string, options: StoreOptions = {}) {
    this.path = path;
    this.now = options.now ?? Date.now;
    if (path !== ':memory:') makeDir(dirname(path));
    try {
      this.db = openSqlite(path, { timeout: options.busyTimeoutMs ?? 30_000 });
    } catch (e) {
      throw new ConfigError(`cannot open the teacher store ${path}: ${(e as Error).message}`, { cause: e });
    }
    try {
      // Switching a new file to WAL and creating its tables take locks that SQLite refuses at once
      // (SQLITE_BUSY, no busy handler: it would deadlock) when another process does the same at
      // the same instant. Such a refusal changed nothing, so the setup is simply tried again.
      retryWhileBusy(options.busyTimeoutMs ?? 30_000, () => {
        this.db.pragma('journal_mode = WAL');
        // In WAL mode NORMAL commits survive a killed process (the WAL is in the OS cache); a
        // power cut may lose the last commits but never corrupts the file.
        this.db.pragma('synchronous = NORMAL');
        this.migrate();
      });
    } catch (e) {
      this.db.close();
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(`${path} is not a usable teacher store: ${(e as Error).message}`, { cause: e });
    }
    this.stmts = this.prepare();
    this.txClaim = this.db.transaction((keys: readonly string[], owner: Owner, leaseMs: number, since: string | undefined, max: number) => this.claimInTx(keys, owner, leaseMs, since, max));
    this.txRecord = this.db.transaction((rows: readonly AnswerRow[], owner: Owner) => this.recordInTx(rows, owner));
  }

  /**
   * Create the tables in a fresh file. `answers` is a rowid table (its rows hold whole answers,
   * kilobytes each, under random hash keys: as WITHOUT ROWID it wrote 2-3x slower); `leases`
   * holds small rows and is WITHOUT ROWID. Under BEGIN IMMEDIATE, so that two runs opening a new
   * store at the same moment do not both try (the second sees the first's tables).
   */
  private migrate(): void {
    if (this.db.pragma('user_version', { simple: true }) === SCHEMA_VERSION) return;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.createTables();
      this.db.exec('COMMIT');
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw e;
    }
  }

  private createTables(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version === SCHEMA_VERSION) return;
    if (version !== 0) {
      throw new ConfigError(`${this.path} is a teacher store of schema version ${version}; this clinsum reads version ${SCHEMA_VERSION} (use a newer clinsum or another --store)`);
    }
    const tables = this.db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number };
    if (tables.n > 0) throw new ConfigError(`${this.path} is an SQLite file but not a teacher store (pass another --store)`);
    this.db.exec(`
      CREATE TABLE answers (
        key TEXT PRIMARY KEY,
        id TEXT NOT NULL,
        lang TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
        answer TEXT,
        finish_reason TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        total_tokens INTEGER,
        latency_ms REAL,
        attempts INTEGER NOT NULL,
        error_kind TEXT,
        error_status INTEGER,
        error TEXT,
        model TEXT NOT NULL,
        host TEXT NOT NULL,
        prompt_hash TEXT NOT NULL,
        params TEXT NOT NULL,
        response_model TEXT,
        run_id TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        CHECK (status = 'failed' OR answer IS NOT NULL)
      );
      CREATE TABLE leases (
        key TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        pid_start TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
  }

  private prepare() {
    return {
      status: this.db.prepare<[string], { status: string; finished_at: string }>(`SELECT status, finished_at FROM answers WHERE key = ?`),
      get: this.db.prepare<[string], DbAnswerRow>(`SELECT * FROM answers WHERE key = ?`),
      lease: this.db.prepare<[string], DbLease>(`SELECT owner, host, pid, pid_start, expires_at FROM leases WHERE key = ?`),
      newLease: this.db.prepare<[key: string, owner: string, host: string, pid: number, pidStart: string, expiresAt: number], never>(
        `INSERT INTO leases (key, owner, host, pid, pid_start, expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING`,
      ),
      putLease: this.db.prepare<[key: string, owner: string, host: string, pid: number, pidStart: string, expiresAt: number], never>(
        `INSERT INTO leases (key, owner, host, pid, pid_start, expires_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid, pid_start = excluded.pid_start, expires_at = excluded.expires_at`,
      ),
      release: this.db.prepare<[key: string, owner: string], never>(`DELETE FROM leases WHERE key = ? AND owner = ?`),
      releaseAll: this.db.prepare<[owner: string], never>(`DELETE FROM leases WHERE owner = ?`),
      renew: this.db.prepare<[expiresAt: number, owner: string], never>(`UPDATE leases SET expires_at = ? WHERE owner = ?`),
      upsert: this.db.prepare<(string | number | null)[], never>(
        `INSERT INTO answers (key, id, lang, status, answer, finish_reason, prompt_tokens, completion_tokens, total_tokens, latency_ms,
           attempts, error_kind, error_status, error, model, host, prompt_hash, params, response_model, run_id, started_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET id = excluded.id, lang = excluded.lang, status = excluded.status, answer = excluded.answer,
           finish_reason = excluded.finish_reason, prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
           total_tokens = excluded.total_tokens, latency_ms = excluded.latency_ms, attempts = excluded.attempts,
           error_kind = excluded.error_kind, error_status = excluded.error_status, error = excluded.error, model = excluded.model,
           host = excluded.host, prompt_hash = excluded.prompt_hash, params = excluded.params, response_model = excluded.response_model,
           run_id = excluded.run_id, started_at = excluded.started_at, finished_at = excluded.finished_at
         WHERE answers.status <> 'done'`,
      ),
    };
  }

  /**
   * Claim `key` for `owner` for `leaseMs`, unless it is answered (`done`), failed (`failed`, when
   * failures are not to be retried, or when it failed again since `retryFailedSince`), or claimed
   * by another live owner whose claim has not expired (`leased`).
   */
  claim(key: string, owner: Owner, leaseMs: number, retryFailedSince?: string): ClaimResult {
    return this.claimMany([key], owner, leaseMs, retryFailedSince)[0]!;
  }

  /**
   * `claim` for several keys in one transaction, in order, stopping after `max` were claimed:
   * the result has one entry per key looked at.
   */
  claimMany(keys: readonly string[], owner: Owner, leaseMs: number, retryFailedSince?: string, max = Infinity): ClaimResult[] {
    return this.txClaim.immediate(keys, owner, leaseMs, retryFailedSince, max);
  }

  private claimInTx(keys: readonly string[], owner: Owner, leaseMs: number, retryFailedSince: string | undefined, max: number): ClaimResult[] {
    const out: ClaimResult[] = [];
    const now = this.now();
    let claimed = 0;
    for (const key of keys) {
      if (claimed >= max) break;
      out.push(this.claimOne(key, owner, now + leaseMs, now, retryFailedSince));
      if (out[out.length - 1] === 'claimed') claimed++;
    }
    return out;
  }

  private claimOne(key: string, owner: Owner, expiresAt: number, now: number, retryFailedSince: string | undefined): ClaimResult {
    const row = this.stmts.status.get(key);
    if (row?.status === 'done') return 'done';
    if (row?.status === 'failed' && (retryFailedSince === undefined || row.finished_at >= retryFailedSince)) return 'failed';
    if (this.stmts.newLease.run(key, owner.runId, owner.host, owner.pid, owner.pidStart, expiresAt).changes === 1) return 'claimed';
    const lease = this.stmts.lease.get(key);
    if (lease && lease.owner !== owner.runId && lease.expires_at > now && ownerAlive({ host: lease.host, pid: lease.pid, pidStart: lease.pid_start })) {
      return 'leased';
    }
    this.stmts.putLease.run(key, owner.runId, owner.host, owner.pid, owner.pidStart, expiresAt);
    return 'claimed';
  }

  /** Extend every claim of `owner` to now + leaseMs (the heartbeat of a live run). */
  renew(owner: Owner, leaseMs: number): void {
    this.stmts.renew.run(this.now() + leaseMs, owner.runId);
  }

  release(key: string, owner: Owner): void {
    this.stmts.release.run(key, owner.runId);
  }

  releaseAll(owner: Owner): void {
    this.stmts.releaseAll.run(owner.runId);
  }

  /**
   * Write an outcome and drop the owner's claim, in one transaction. A `done` row already there
   * (another run answered first) is kept; returns false in that case.
   */
  record(row: AnswerRow, owner: Owner): boolean {
    return this.recordMany([row], owner)[0]!;
  }

  /** `record` for several outcomes in one transaction (group commit). */
  recordMany(rows: readonly AnswerRow[], owner: Owner): boolean[] {
    return this.txRecord.immediate(rows, owner);
  }

  private recordInTx(rows: readonly AnswerRow[], owner: Owner): boolean[] {
    return rows.map((row) => {
      const r = this.stmts.upsert.run(
        row.key,
        row.id,
        row.lang,
        row.status,
        row.answer,
        row.finishReason,
        row.usage?.promptTokens ?? null,
        row.usage?.completionTokens ?? null,
        row.usage?.totalTokens ?? null,
        row.latencyMs,
        row.attempts,
        row.errorKind,
        row.errorStatus,
        row.error,
        row.teacher.model,
        row.teacher.host,
        row.teacher.prompt_hash,
        canonicalJson(row.teacher.params),
        row.responseModel,
        row.runId,
        row.startedAt,
        row.finishedAt,
      );
      this.stmts.release.run(row.key, owner.runId);
      return r.changes > 0;
    });
  }

  get(key: string): AnswerRow | undefined {
    const r = this.stmts.get.get(key);
    return r ? fromDb(r) : undefined;
  }

  /** Rows for `keys` (missing keys are absent from the map). */
  getMany(keys: readonly string[]): Map<string, AnswerRow> {
    const out = new Map<string, AnswerRow>();
    this.db
      .transaction(() => {
        for (const k of keys) {
          const r = this.stmts.get.get(k);
          if (r) out.set(k, fromDb(r));
        }
      })
      .deferred();
    return out;
  }

  /** Number of live claims (all owners). */
  leaseCount(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM leases`).get() as { n: number }).n;
  }

  /** `PRAGMA integrity_check` result ('ok' when sound). */
  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function fromDb(r: DbAnswerRow): AnswerRow {
  return {
    key: r.key,
    id: r.id,
    lang: r.lang,
    status: r.status === 'done' ? 'done' : 'failed',
    answer: r.answer,
    finishReason: r.finish_reason,
    usage:
      r.prompt_tokens === null || r.completion_tokens === null
        ? null
        : { promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens, totalTokens: r.total_tokens ?? r.prompt_tokens + r.completion_tokens },
    latencyMs: r.latency_ms,
    attempts: r.attempts,
    errorKind: r.error_kind,
    errorStatus: r.error_status,
    error: r.error,
    teacher: { model: r.model, host: r.host, prompt_hash: r.prompt_hash, params: JSON.parse(r.params) as Record<string, JsonValue> },
    responseModel: r.response_model,
    runId: r.run_id,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}
