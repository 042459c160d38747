/**
 * Who holds an in-flight claim: host name, process id and the process's start time, so that a
 * claim left by a dead process (kill -9, crash, power cut) is recognized even when its pid has
 * been reused.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';

export interface Owner {
  /** Unique per run (several runs may share a process, e.g. in tests). */
  runId: string;
  host: string;
  pid: number;
  /** Process start time in clock ticks since boot (Linux /proc), or '' where unknown. */
  pidStart: string;
}

/** State (field 3) and start time (field 22) of process `pid` from /proc/PID/stat, when readable. */
function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is parenthesized and may hold spaces: split after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', start: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** The start time of process `pid` in clock ticks since boot, or '' when not available. */
export function processStartTime(pid: number): string {
  return procStat(pid)?.start ?? '';
}

export function currentOwner(): Owner {
  return { runId: randomUUID(), host: hostname(), pid: process.pid, pidStart: processStartTime(process.pid) };
}

/**
 * Whether the owner of a claim may still be working. Only a process on this host can be checked;
 * for other hosts the answer is `true`, and the claim's expiry decides.
 */
export function ownerAlive(owner: Pick<Owner, 'host' | 'pid' | 'pidStart'>): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const stat = procStat(owner.pid);
  if (stat === undefined) return true;
  if (stat.state === 'Z' || stat.state === 'X') return false; // exited, not yet reaped
  return owner.pidStart === '' || stat.start === owner.pidStart;
}
