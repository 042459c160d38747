/**
 * Test helpers for every layer: temporary folders and open servers that a test file leaves
 * behind, cleaned up once after all its tests. Tests only (it registers `node:test` hooks).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/**
 * A maker of temporary folders (`<os tmpdir>/<prefix>XXXXXX`), every one removed after the
 * file's tests. Call it at the top of a test file; `prefix` defaults to `defaultPrefix`.
 */
export function tempDirs(defaultPrefix = 'clinsum-'): (prefix?: string) => string {
  const made: string[] = [];
  after(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });
  return (prefix = defaultPrefix) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    made.push(d);
    return d;
  };
}

/**
 * A list whose items are closed, in order, after the file's tests (push servers and harnesses
 * onto it). Hooks run in the order they are registered: create it before `tempDirs` to close
 * the servers before their folders go.
 */
export function closedAfter<T extends { close(): Promise<unknown> }>(): T[] {
  const items: T[] = [];
  after(async () => {
    for (const x of items) await x.close();
  });
  return items;
}
