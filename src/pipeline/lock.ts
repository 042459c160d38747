/**
 * One pipeline at a time per run directory: `RUN/.clinsum-run.lock` holds `pid host`. A lock whose
 * process is gone (same host) is taken over, so a crash or `kill -9` never blocks the resume.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../util/errors.js';
import { pidAlive } from '../util/pid.js';

export const LOCK_FILE = '.clinsum-run.lock';

export interface RunLock {
  release(): void;
}

export function acquireRunLock(runDir: string): RunLock {
  const file = join(runDir, LOCK_FILE);
  const me = `${process.pid} ${hostname()}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = '';
      try {
        holder = readFileSync(file, 'utf8').trim();
      } catch {
        continue; // released meanwhile
      }
      const [pidText, host] = holder.split(' ');
      const pid = Number(pidText);
      if (host === hostname() && Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
        throw new ConfigError(`${runDir} is in use by another clinsum run (pid ${pid}); wait for it to finish, or stop it`);
      }
      if (host !== undefined && host !== hostname()) {
        throw new ConfigError(`${runDir} is locked by a clinsum run on ${host} (pid ${pidText}); if that run is gone, delete ${file}`);
      }
      rmSync(file, { force: true }); // its process is gone
      continue;
    }
    writeSync(fd, me);
    closeSync(fd);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        try {
          if (readFileSync(file, 'utf8') === me) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      },
    };
  }
  throw new ConfigError(`cannot lock ${runDir} (${file} keeps coming back); is another clinsum run starting there?`);
}

/**
 * Who holds the run directory's lock now, in words (`pid 123`, `pid 123 on host`), or undefined
 * when nobody does (no lock file, or its process on this host is gone). Takes nothing.
 */
export function runLockHolder(runDir: string): string | undefined {
  let holder: string;
  try {
    holder = readFileSync(join(runDir, LOCK_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
  const [pidText, host] = holder.split(' ');
  const pid = Number(pidText);
  if (host !== undefined && host !== hostname()) return `pid ${pidText} on ${host}`;
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) return `pid ${pid}`;
  return undefined;
}
