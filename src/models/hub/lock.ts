/**
 * A lock file per blob, so that two clinsum processes (or two pulls in one process) never
 * append to the same `.incomplete` file. It is created with O_EXCL (atomic on local disks and
 * NFS), holds `pid host nonce`, and its mtime is refreshed while held. A lock is taken over when
 * its holder is gone: same host and the pid is dead (or is this very process but not a lock it
 * holds: a pid reused after a container restart), or its mtime is older than `staleMs` (a
 * holder on another host that died). Python's huggingface_hub uses `flock` on `{etag}.lock`
 * beside it; both tools only ever rename complete, verified files into `blobs/`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidAlive } from '../../util/pid.js';

export interface LockOptions {
  /** A lock not refreshed for this long is stale (ms, default 60 s). */
  staleMs?: number;
  /** Pause between tries while another holder has it (ms, default 250). */
  pollMs?: number;
  /** Called once when the lock is busy, with the holder's `pid host`. */
  onWait?: (holder: string) => void;
  signal?: AbortSignal;
}

/** Nonces of the locks this process holds now, by path. */
const held = new Map<string, string>();

function isStale(path: string, staleMs: number): { stale: boolean; holder: string } {
  let content: string;
  let mtimeMs: number;
  try {
    content = readFileSync(path, 'utf8');
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return { stale: false, holder: '' }; // vanished: just try again
  }
  const [pidText, host, nonce] = content.trim().split(/\s+/);
  const pid = Number(pidText);
  const holder = `pid ${pidText ?? '?'} on ${host ?? '?'}`;
  if (Date.now() - mtimeMs > staleMs) return { stale: true, holder };
  if (host === hostname() && Number.isInteger(pid) && pid > 0) {
    if (pid === process.pid) return { stale: held.get(path) !== nonce, holder };
    if (!pidAlive(pid)) return { stale: true, holder };
  }
  return { stale: false, holder };
}

/** Run `fn` holding the lock file at `path`. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 60_000;
  const pollMs = options.pollMs ?? 250;
  const nonce = randomBytes(8).toString('hex');
  mkdirSync(dirname(path), { recursive: true });
  let told = false;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      writeFileSync(path, `${process.pid} ${hostname()} ${nonce}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const { stale, holder } = isStale(path, staleMs);
    if (stale) {
      // Re-check right before removing, so that a lock just re-created by another process stays.
      if (isStale(path, staleMs).stale) {
        try {
          unlinkSync(path);
        } catch {
          // someone else removed it first
        }
      }
      continue;
    }
    if (!told && holder) {
      told = true;
      options.onWait?.(holder);
    }
    await sleep(pollMs, undefined, options.signal ? { signal: options.signal } : undefined);
  }
  held.set(path, nonce);
  const refresh = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // the lock file was removed under us; nothing better to do than carry on
    }
  }, Math.max(1000, Math.floor(staleMs / 4)));
  refresh.unref();
  try {
    return await fn();
  } finally {
    clearInterval(refresh);
    held.delete(path);
    try {
      if (readFileSync(path, 'utf8').includes(nonce)) unlinkSync(path);
    } catch {
      // already gone
    }
  }
}
