import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUpInterrupted, listCheckpoints, STATE_FILE } from './checkpoint.js';

function folder(dir: string, marker: string, state = true): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.safetensors'), marker);
  if (state) writeFileSync(join(dir, STATE_FILE), '{}');
}

test('what a crash leaves is tidied at the next start: temporary folders go, a folder renamed aside for its replacement comes back', (t) => {
  const out = mkdtempSync(join(tmpdir(), 'clinsum-ckpt-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const ck = join(out, 'checkpoints');
  folder(join(ck, 'step-000002'), 'two');
  // Crash while replacing step 4: the complete old folder is aside, the new one is still temporary.
  folder(join(ck, '.step-000004.old-4242'), 'four');
  folder(join(ck, '.step-000004.tmp-4242'), 'half', false);
  // Crash after the replacement of step 6 arrived but before the old one was removed.
  folder(join(ck, 'step-000006'), 'six-new');
  folder(join(ck, '.step-000006.old-4242'), 'six-old');
  // A half-written new checkpoint.
  folder(join(ck, '.step-000008.tmp-4242'), 'eight', false);
  // best/ mid-swap: the old best aside, the new one not yet in place.
  folder(join(out, '.best.old'), 'best-old', false);
  folder(join(out, '.best.tmp-4242'), 'best-half', false);

  cleanUpInterrupted(out);
  assert.deepEqual(readdirSync(ck).sort(), ['step-000002', 'step-000004', 'step-000006']);
  assert.equal(readFileSync(join(ck, 'step-000004', 'model.safetensors'), 'utf8'), 'four');
  assert.equal(readFileSync(join(ck, 'step-000006', 'model.safetensors'), 'utf8'), 'six-new');
  assert.deepEqual(listCheckpoints(ck).map((c) => c.step), [2, 4, 6]);
  assert.deepEqual(readdirSync(out).sort(), ['best', 'checkpoints']);
  assert.equal(readFileSync(join(out, 'best', 'model.safetensors'), 'utf8'), 'best-old');
  cleanUpInterrupted(out);
  assert.ok(existsSync(join(ck, 'step-000004')), 'idempotent');
});
