/**
 * Test fixture around the fake Hub: a temporary folder holding the repositories' folders and
 * fresh cache folders, an isolated environment (no token file, no HF_* variables of the machine
 * running the tests), and pull options with short retry waits.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubError } from '../errors.js';
import type { PullOptions } from '../pull.js';
import { type FakeHub, type FakeHubOptions, startFakeHub } from './hub-server.js';

export interface HubFixture {
  root: string;
  hub: FakeHub;
  /** Environment with `HF_HOME` inside the fixture (so no real token file is read). */
  env: NodeJS.ProcessEnv;
  /** A new empty cache folder. */
  freshCache(): string;
  /** Options for `pullModel` against the fake Hub, with a cache folder and fast retries. */
  options(cacheDir: string, extra?: PullOptions): PullOptions;
  close(): Promise<void>;
}

/** Build repositories with `build(dir)` (`dir(name)` is a new folder) and serve them. */
export async function createHubFixture(build: (dir: (name: string) => string) => FakeHubOptions): Promise<HubFixture> {
  const root = mkdtempSync(join(tmpdir(), 'clinsum-hub-'));
  const hub = await startFakeHub(
    build((name) => {
      const d = join(root, 'repos', name);
      mkdirSync(d, { recursive: true });
      return d;
    }),
  );
  let caches = 0;
  const env: NodeJS.ProcessEnv = { HF_HOME: join(root, 'hf-home') };
  return {
    root,
    hub,
    env,
    freshCache: () => {
      const d = join(root, `cache-${++caches}`);
      mkdirSync(d, { recursive: true });
      return d;
    },
    options: (cacheDir, extra = {}) => ({
      endpoint: hub.endpoint,
      cacheDir,
      env,
      retry: { backoffMs: 1, backoffLimitMs: 10 },
      ...extra,
    }),
    close: async () => {
      await hub.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The HubError that `p` (a pull expected to fail) rejects with; fails the test on anything else. */
export async function hubFailure(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof HubError, `a HubError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the pull to fail');
}
