/**
 * One pipeline at a time per run directory: `RUN/.clinsum-run.lock` (util/lock.ts). A lock whose
 * process is gone (same host) is taken over, so a crash or `kill -9` never blocks the resume.
 */
import { join } from 'node:path';
import { ConfigError } from '../util/errors.js';
import { acquireExclusiveLock, currentLockHolder, type ExclusiveLock } from '../util/lock.js';

export const LOCK_FILE = '.clinsum-run.lock';

export type RunLock = ExclusiveLock;

export function acquireRunLock(runDir: string, onTakeover?: (message: string) => void): RunLock {
  const file = join(runDir, LOCK_FILE);
  return acquireExclusiveLock(file, {
    busy: (h, sameHost) =>
      sameHost
        ? new ConfigError(`${runDir} is in use by another clinsum run (pid ${h.pid}); wait for it to finish, or stop it`)
        : new ConfigError(`${runDir} is locked by a clinsum run on ${h.host} (pid ${h.pid}); if that run is gone, delete ${file}`),
    onTakeover: (h) => onTakeover?.(`${runDir}: took over the lock of clinsum run pid ${h.pid}, which is gone`),
  });
}

/**
 * Who holds the run directory's lock now, in words (`pid 123`, `pid 123 on host`), or undefined
 * when nobody does (no lock file, or its process on this host is gone). Takes nothing.
 */
export function runLockHolder(runDir: string): string | undefined {
  const h = currentLockHolder(join(runDir, LOCK_FILE));
  if (h === undefined || (h.sameHost && h.pid === process.pid)) return undefined;
  return h.sameHost ? `pid ${h.pid}` : `pid ${h.pid} on ${h.host}`;
}
