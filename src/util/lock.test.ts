// The exclusive lock file: a second holder is refused while the first lives (in this process or
// another), a lock left by a dead process — or by a reused pid, or by this process but not held
// now — is taken over and told, another host's lock is refused, and release removes only its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './errors.js';
import { acquireExclusiveLock, type ExclusiveLockOptions, type LockHolder } from './lock.js';
import { processStartTime } from './pid.js';
import { tempDirs } from './testing.js';

const tmp = tempDirs('clinsum-lock-');

function options(takenOver: LockHolder[] = []): ExclusiveLockOptions {
  return {
    busy: (h, sameHost) => new ConfigError(`busy: pid ${h.pid} on ${sameHost ? 'this host' : h.host}`),
    onTakeover: (h) => takenOver.push(h),
  };
}

test('one holder at a time in a process; release frees it and removes only its own file', () => {
  const file = join(tmp(), 'x.lock');
  const a = acquireExclusiveLock(file, options());
  assert.match(readFileSync(file, 'utf8'), new RegExp(`^${process.pid} ${hostname()} \\S+ [0-9a-f]{16}\\n$`));
  assert.throws(() => acquireExclusiveLock(file, options()), new RegExp(`^ConfigError: busy: pid ${process.pid} on this host$`));
  a.release();
  assert.equal(existsSync(file), false);
  const b = acquireExclusiveLock(file, options());
  a.release(); // idempotent, and not b's lock to remove
  assert.equal(existsSync(file), true);
  b.release();
  assert.equal(existsSync(file), false);
});

test('a live process of this host is refused; once it is gone its lock is taken over and told', async () => {
  const file = join(tmp(), 'x.lock');
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    writeFileSync(file, `${child.pid} ${hostname()} ${processStartTime(child.pid!) || '-'} 0123456789abcdef\n`);
    assert.throws(() => acquireExclusiveLock(file, options()), new RegExp(`busy: pid ${child.pid} on this host`));
    // The two-field form the pipeline wrote before (`pid host`) is read too.
    writeFileSync(file, `${child.pid} ${hostname()}\n`);
    assert.throws(() => acquireExclusiveLock(file, options()), /busy/);
  } finally {
    child.kill('SIGKILL');
  }
  await exited;
  const told: LockHolder[] = [];
  const lock = acquireExclusiveLock(file, options(told));
  assert.deepEqual(told, [{ pid: child.pid, host: hostname() }]);
  lock.release();
});

test('stale: a pid reused by another process, this process without the lock, garbage; another host is refused', () => {
  const file = join(tmp(), 'x.lock');
  const cases = [
    `${process.ppid} ${hostname()} 1 abc\n`, // the parent is alive, but did not start at tick 1
    `${process.pid} ${hostname()} - 0000000000000000\n`, // this process, a lock it does not hold
    'not a lock\n',
  ];
  for (const content of cases) {
    writeFileSync(file, content);
    const told: LockHolder[] = [];
    const lock = acquireExclusiveLock(file, options(told));
    assert.equal(told.length, 1, content);
    lock.release();
  }
  writeFileSync(file, `${process.pid} elsewhere.example 1 abc\n`);
  assert.throws(() => acquireExclusiveLock(file, options()), /^ConfigError: busy: pid \d+ on elsewhere\.example$/);
  assert.equal(readFileSync(file, 'utf8'), `${process.pid} elsewhere.example 1 abc\n`, 'left alone');
});
