/**
 * Who holds an in-flight claim: host name, process id and the process's start time, so that a
 * claim left by a dead process (kill -9, crash, power cut) is recognized even when its pid has
 * been reused.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { processRunning, processStartTime } from '../../util/pid.js';

export interface Owner {
  /** Unique per run (several runs may share a process, e.g. in tests). */
  runId: string;
  host: string;
  pid: number;
  /** Process start time in clock ticks since boot (Linux /proc), or '' where unknown. */
  pidStart: string;
}

export { processStartTime };

export function currentOwner(): Owner {
  return { runId: randomUUID(), host: hostname(), pid: process.pid, pidStart: processStartTime(process.pid) };
}

/**
 * Whether the owner of a claim may still be working. Only a process on this host can be checked;
 * for other hosts the answer is `true`, and the claim's expiry decides.
 */
export function ownerAlive(owner: Pick<Owner, 'host' | 'pid' | 'pidStart'>): boolean {
  if (owner.host !== hostname()) return true;
  return processRunning(owner.pid, owner.pidStart);
}
