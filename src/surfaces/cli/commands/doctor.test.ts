import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const bin = join(fileURLToPath(new URL('../../../../../', import.meta.url)), 'bin', 'clinsum');

test('clinsum doctor --json reports libtorch (version) and cuda (boolean)', () => {
  const r = spawnSync(process.execPath, [bin, 'doctor', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { libtorch: unknown; cuda: unknown; threads: unknown; blas: unknown };
  assert.match(String(info.libtorch), /^\d+\.\d+\.\d+/);
  assert.equal(typeof info.cuda, 'boolean');
  assert.equal(typeof info.threads, 'number');
  assert.ok(Array.isArray(info.blas));
});

test('clinsum doctor prints a readable summary and rejects unknown flags', () => {
  const r = spawnSync(process.execPath, [bin, 'doctor'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^libtorch {2}\d+\.\d+\.\d+ \(found by (env|python|system)/);
  assert.match(r.stdout, /\ncuda {6}(available|not available)/);
  const bad = spawnSync(process.execPath, [bin, 'doctor', '--nope'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Unknown option '--nope'/);
});
