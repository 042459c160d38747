import { readFileSync } from 'node:fs';

/** Whether process `pid` exists on this host (signal 0; EPERM means it exists under another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** State (field 3) and start time (field 22) of process `pid` from /proc/PID/stat, when readable. */
export function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is parenthesized and may hold spaces: split after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', start: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** The start time of process `pid` in clock ticks since boot (Linux /proc), or '' when not available. */
export function processStartTime(pid: number): string {
  return procStat(pid)?.start ?? '';
}

/**
 * Whether process `pid` of this host is running and is the one that started at `start` (from
 * `processStartTime`; '' = unknown, any process with that pid counts): a zombie is gone, and a
 * pid reused by a later process is not the one that wrote `start`.
 */
export function processRunning(pid: number, start: string): boolean {
  if (!pidAlive(pid)) return false;
  const stat = procStat(pid);
  if (stat === undefined) return true;
  if (stat.state === 'Z' || stat.state === 'X') return false; // exited, not yet reaped
  return start === '' || stat.start === start;
}
