/**
 * The part of better-sqlite3 (v12) the teacher store uses, typed here: the package ships no
 * types and @types/better-sqlite3 is not a dependency. The one untyped value (the module itself)
 * is given this interface in one place.
 */
import { createRequire } from 'node:module';

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Statement<P extends unknown[], R> {
  run(...params: P): RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

export interface Transaction<A extends unknown[], T> {
  (...args: A): T;
  deferred(...args: A): T;
  immediate(...args: A): T;
  exclusive(...args: A): T;
}

export interface SqliteDatabase {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R>;
  exec(sql: string): SqliteDatabase;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<A extends unknown[], T>(fn: (...args: A) => T): Transaction<A, T>;
  close(): SqliteDatabase;
}

export interface SqliteOptions {
  /** Ms to wait for a lock held by another connection (SQLite busy timeout). */
  timeout?: number;
  readonly?: boolean;
  fileMustExist?: boolean;
}

type DatabaseConstructor = new (filename: string, options?: SqliteOptions) => SqliteDatabase;

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3') as DatabaseConstructor;

export function openSqlite(filename: string, options?: SqliteOptions): SqliteDatabase {
  return new Database(filename, options);
}
