/**
 * An exclusive lock file that refuses instead of waiting: the pipeline's run directory
 * (`RUN/.clinsum-run.lock`) and generate's output (`OUT.lock`). The file is linked into place
 * whole (it never exists without its content) and holds `pid host start nonce` (start: the
 * process's start time, so that a pid reused after a crash is not mistaken for the holder). A lock of this host whose process is gone — or is this
 * very process but not a lock it holds now — is taken over, so a `kill -9` never blocks a resume;
 * a lock of another host is refused, since its process cannot be checked from here.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError } from './errors.js';
import { processRunning, processStartTime } from './pid.js';

/** The process named in a lock file. */
export interface LockHolder {
  pid: number;
  host: string;
}

export interface ExclusiveLockOptions {
  /** The error for a lock held by a live process of this host, or by a process of another host. */
  busy: (holder: LockHolder, sameHost: boolean) => ConfigError;
  /** Told when a lock left by a process that is gone is taken over. */
  onTakeover?: (holder: LockHolder) => void;
}

export interface ExclusiveLock {
  readonly file: string;
  /** Removes the lock file if it is still this lock's (idempotent). */
  release(): void;
}

/** Nonces of the locks this process holds now, by file. */
const held = new Map<string, string>();

/**
 * A lock file's holder and whether it still holds it: a process of another host always counts as
 * live (it cannot be checked from here), one of this host while it runs (the same start time).
 */
function judge(file: string, content: string): { holder: LockHolder; sameHost: boolean; live: boolean } {
  const [pidText = '', host = '', start = '-', theirNonce = ''] = content.trim().split(/\s+/);
  const holder: LockHolder = { pid: Number(pidText), host };
  const known = Number.isInteger(holder.pid) && holder.pid > 0;
  const sameHost = host === '' || host === hostname();
  if (known && !sameHost) return { holder, sameHost, live: true };
  const live = known && (holder.pid === process.pid ? held.get(file) === theirNonce : processRunning(holder.pid, start === '-' ? '' : start));
  return { holder, sameHost, live };
}

/** Who holds `file` now (undefined: no lock file, or its process is gone). Takes nothing. */
export function currentLockHolder(file: string): (LockHolder & { sameHost: boolean }) | undefined {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const { holder, sameHost, live } = judge(file, content);
  return live ? { ...holder, sameHost } : undefined;
}

export function acquireExclusiveLock(file: string, options: ExclusiveLockOptions): ExclusiveLock {
  const nonce = randomBytes(8).toString('hex');
  const me = `${process.pid} ${hostname()} ${processStartTime(process.pid) || '-'} ${nonce}\n`;
  const tmp = `${file}.${process.pid}.${nonce}.tmp`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // Written beside it, then linked into place: the lock file never exists without its holder.
      writeFileSync(tmp, me);
      try {
        linkSync(tmp, file);
      } finally {
        rmSync(tmp, { force: true });
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let content: string;
      try {
        content = readFileSync(file, 'utf8');
      } catch {
        continue; // released meanwhile
      }
      const { holder, sameHost, live } = judge(file, content);
      if (live) throw options.busy(holder, sameHost);
      // Its process is gone. Read again right before removing: a lock another process has just
      // taken over in the meantime stays.
      try {
        if (readFileSync(file, 'utf8') !== content) continue;
      } catch {
        continue;
      }
      rmSync(file, { force: true });
      options.onTakeover?.(holder);
      continue;
    }
    held.set(file, nonce);
    let released = false;
    return {
      file,
      release() {
        if (released) return;
        released = true;
        held.delete(file);
        try {
          if (readFileSync(file, 'utf8') === me) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      },
    };
  }
  throw new ConfigError(`cannot lock ${file}: it keeps coming back; is another clinsum process starting on it?`);
}
