/**
 * `clinsum train` as a process: SIGINT and SIGTERM finish the step, checkpoint and exit 0 (and
 * --resume continues from there); a diverging run (lr 1e30) stops with exit status 3 naming the
 * step and the last good checkpoint; usage and configuration errors are one clear line.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrainerState } from '../src/stages/train/index.js';
import { writeTinyRun } from '../src/stages/train/testing/fixture.js';
import { repoRoot } from '../src/util/shared-data.js';

const bin = join(repoRoot(), 'bin', 'clinsum');
const dir = mkdtempSync(join(tmpdir(), 'clinsum-train-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = writeTinyRun(dir, { train: 6, valid: 2 });

function clinsum(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, CLINSUM_LOG: 'warn' } });
}

function trainRows(out: string): number {
  if (!existsSync(join(out, 'metrics.jsonl'))) return 0;
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.startsWith('{"step"') && !l.includes('"eval"')).length;
}

/** Starts a long run, waits for `rows` training rows, sends `signal`, returns the exit and output. */
async function interrupt(args: string[], out: string, rows: number, signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, 'train', '--config', run.config, '--out', out, '--epochs', '200', '--set', 'valid=null', ...args], { env: { ...process.env, CLINSUM_LOG: 'warn' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (trainRows(out) < rows) {
    if (child.exitCode !== null) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`no training rows after 120 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill(signal);
  return { code: await done, stdout, stderr };
}

test('SIGINT finishes the step, writes a checkpoint and exits 0; --resume continues; SIGTERM does the same', async () => {
  const out = join(dir, 'sig');
  const first = await interrupt([], out, 2, 'SIGINT');
  assert.equal(first.code, 0, first.stderr);
  const m = /^interrupted at step (\d+)\/(\d+); no evaluation; checkpoint (.+)$/m.exec(first.stdout);
  assert.ok(m, first.stdout);
  const step = Number(m[1]);
  assert.ok(step >= 2);
  assert.equal(trainRows(out), step, 'the checkpoint is at the last logged step');
  const state = readTrainerState(m[3]!);
  assert.deepEqual([state.step, state.reason], [step, 'interrupt']);
  assert.match(first.stderr, /SIGINT: finishing the current step, then writing a checkpoint/);

  const second = await interrupt(['--resume'], out, step + 1, 'SIGTERM');
  assert.equal(second.code, 0, second.stderr);
  const m2 = /^interrupted at step (\d+)\//m.exec(second.stdout);
  assert.ok(m2 && Number(m2[1]) > step, second.stdout);
  assert.deepEqual(
    readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step),
    Array.from({ length: Number(m2[1]) }, (_, i) => i + 1),
    'one row per step across the two processes',
  );
});

test('a diverging run stops with exit status 3, naming the step and the last good checkpoint', () => {
  const out = join(dir, 'nan');
  const r = clinsum(['train', '--config', run.config, '--out', out, '--lr', '1e30', '--set', 'checkpoint.every=1', '--set', 'valid=null']);
  assert.equal(r.status, 3, r.stderr);
  const ckpt = join(out, 'checkpoints', 'step-000001');
  assert.ok(r.stderr.includes(`clinsum: error: training diverged at step 2: the loss is NaN (lr 1.000e+30); stopped before the update`), r.stderr);
  assert.ok(r.stderr.includes(`The last good checkpoint is ${ckpt}`), r.stderr);
  assert.deepEqual(readdirSync(join(out, 'checkpoints')), ['step-000001']);
  assert.equal(trainRows(out), 1);
  assert.ok(!readFileSync(join(out, 'metrics.jsonl'), 'utf8').includes('NaN'));
});

test('usage and configuration errors', () => {
  const none = clinsum(['train']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^clinsum: error: training config: `model`, `train`, `out` are not set \(give --model or set it in the config file\)\n$/);
  const typo = clinsum(['train', '--config', run.config, '--set', 'optimizer.lrr=1']);
  assert.match(typo.stderr, /`optimizer\.lrr` is not a training setting \(did you mean `optimizer\.lr`\?\)/);
  const badInt = clinsum(['train', '--config', run.config, '--epochs', '1.5']);
  assert.equal(badInt.status, 2);
  assert.match(badInt.stderr, /--epochs must be an integer, got "1\.5"/);
  const badValue = clinsum(['train', '--config', run.config, '--loss-reduction', 'median']);
  assert.match(badValue.stderr, /field `loss_reduction`: .* \(set by --loss-reduction\)/);
  // --out an existing file, or a folder of something else: one line before any work, no internal error.
  const file = join(dir, 'afile');
  writeFileSync(file, 'x');
  const onFile = clinsum(['train', '--config', run.config, '--out', file]);
  assert.equal(onFile.status, 1, onFile.stderr);
  assert.equal(onFile.stderr, `clinsum: error: ${file}: is a file, not a run folder (choose a new or empty folder)\n`);
  const modelAsOut = clinsum(['train', '--config', run.config, '--out', run.model, '--resume']);
  assert.equal(modelAsOut.status, 1, modelAsOut.stderr);
  assert.match(modelAsOut.stderr, /^clinsum: error: .*model: is not a clinsum training run folder: it holds [^\n]+ \(choose a new or empty folder\)\n$/);
  const help = clinsum(['train', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--max-batch-tokens N/);
});
