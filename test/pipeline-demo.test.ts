/**
 * The demo end to end, as a user runs it (`node bin/clinsum demo`), with a step cap: stopped
 * with Ctrl-C in mid-training and resumed, killed with SIGKILL in mid-training and resumed by the
 * same command; a second run skips everything; a changed training setting reruns training and
 * what follows it, not the split nor the teacher.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { modelInputs } from '../src/pipeline/stages/generate.js';
import { readRunState } from '../src/pipeline/state.js';
import { repoRoot } from '../src/util/shared-data.js';
import { tempDirs } from '../src/util/testing.js';

/** Temporary folders of this file, removed when its tests end. */
const tempDir = tempDirs();

const BIN = join(repoRoot(), 'bin', 'clinsum');
const STEPS = 4;

interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `killWhen` is polled every 50 ms and sends `signal` (once) when true. */
function clinsum(args: string[], killWhen?: () => boolean, signal: NodeJS.Signals = 'SIGKILL'): Promise<Done> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CLINSUM_LOG: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let sent = false;
  const timer =
    killWhen === undefined
      ? undefined
      : setInterval(() => {
          if (!sent && killWhen()) sent = child.kill(signal);
        }, 50);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function stageLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^(start|resume|skip|done|interrupted|failed|stopped): /.test(l));
}

const lastLine = (s: string): string => s.trimEnd().split('\n').pop() ?? '';

test('the demo: killed in mid-training, resumed by the same command, then skipped, then partly rerun', async () => {
  const out = tempDir('clinsum-demo-');
  const checkpoints = join(out, 'train', 'distil', 'checkpoints');
  const args = ['demo', '--out', out, '--max-steps', String(STEPS)];

  // 1. Ctrl-C while the standard student trains: it stops cleanly with a checkpoint, says how to resume, exits 130.
  const standardMetrics = join(out, 'train', 'standard', 'metrics.jsonl');
  const stopped = await clinsum(args, () => existsSync(standardMetrics) && readFileSync(standardMetrics, 'utf8').includes('"step":1,'), 'SIGINT');
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, /SIGINT: stopping the stage in progress cleanly/);
  // the trainer's own line in the pipeline's words (no --resume flag to pass here)
  assert.match(stopped.stderr, /interrupted: checkpoint .*step-\d+ at step \d+\/\d+; run the same command again to continue/);
  assert.doesNotMatch(stopped.stderr, /--resume/);
  assert.match(stopped.stderr, /clinsum: interrupted during train\.standard; run the same command again to resume \(train\.standard continues where it stopped/);
  assert.equal(readRunState(out).stages['train.standard']?.status, 'interrupted');

  // 2. The same command resumes it; kill -9 as soon as the distilled student has a checkpoint (and before it finishes).
  const killed = await clinsum(args, () => existsSync(checkpoints) && readdirSync(checkpoints).some((n) => /^step-\d+$/.test(n)));
  assert.match(killed.stderr, /^resume: train\.standard \(attempt 2, after interrupted\)/m);
  assert.equal(killed.signal, 'SIGKILL', `the demo ended before it could be killed:\n${killed.stderr}`);
  let state = readRunState(out);
  assert.equal(state.stages['train.distil']?.status, 'running', 'the crash left the stage running');
  for (const s of ['split', 'extract', 'train.standard']) assert.equal(state.stages[s]?.status, 'done', s);
  assert.equal(existsSync(join(out, 'report.html')), false);

  // 3. The same command resumes: finished stages are skipped, training continues from its checkpoint.
  const resumed = await clinsum(args);
  assert.equal(resumed.code, 0, resumed.stderr);
  const lines = stageLines(resumed.stderr);
  assert.deepEqual(lines.filter((l) => l.startsWith('skip: ')), ['skip: split (unchanged)', 'skip: extract (unchanged)', 'skip: train.standard (unchanged)']);
  assert.ok(lines.some((l) => l.startsWith('resume: train.distil (attempt 2, after a crash)')), lines.join('\n'));
  assert.match(resumed.stderr, new RegExp(`resuming \\S+step-\\d+ at step \\d+/${STEPS}`), 'the trainer resumed from its checkpoint');
  const report = lastLine(resumed.stdout);
  assert.equal(report, join(out, 'report.html'));
  assert.ok(existsSync(report));
  assert.match(resumed.stdout, /TINY RANDOM MODELS/);
  assert.match(resumed.stdout, /configs\/paper\.yaml/);
  state = readRunState(out);
  assert.ok(Object.values(state.stages).every((s) => s.status === 'done'));
  assert.equal(state.stages['train.distil']!.attempts, 2);
  assert.equal(state.stages['train.standard']!.attempts, 2);
  const metrics = readFileSync(join(out, 'train', 'distil', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; eval?: unknown });
  assert.equal(Math.max(...metrics.map((m) => m.step)), STEPS);
  for (const f of ['predictions/standard.jsonl', 'predictions/distil.jsonl', 'eval/distil-vs-standard.json', 'eval/standard.json', 'teacher/keyinfo.jsonl']) assert.ok(existsSync(join(out, f)), f);
  assert.deepEqual(state.stages['train.distil']!.outputs, ['train/distil/metrics.jsonl', 'train/distil/config.yaml', 'train/distil/best']);
  // Each system's own training configuration: the shared settings, then its γ (and no key information for γ = 1).
  const standardConfig = readFileSync(join(out, 'train', 'standard', 'config.yaml'), 'utf8');
  assert.match(standardConfig, /^gamma: 1$/m);
  assert.match(standardConfig, /^keyinfo: null$/m);
  assert.match(readFileSync(join(out, 'train', 'distil', 'config.yaml'), 'utf8'), /^gamma: 0\.8$/m);
  assert.match(readFileSync(join(out, 'config.yaml'), 'utf8'), /^ {2}max_steps: 4$/m);

  // 4. Nothing changed: every stage is skipped, nothing is rewritten.
  const finished = Object.fromEntries(Object.entries(state.stages).map(([k, v]) => [k, v.finished]));
  const again = await clinsum(args);
  assert.equal(again.code, 0, again.stderr);
  const stages = Object.keys(state.stages);
  assert.deepEqual(stageLines(again.stderr), stages.map((s) => `skip: ${s} (unchanged)`));
  assert.deepEqual(Object.fromEntries(Object.entries(readRunState(out).stages).map(([k, v]) => [k, v.finished])), finished);
  assert.equal(lastLine(again.stdout), report);

  // 5. A training setting changed: both systems retrain and everything after them reruns; the split and the teacher do not.
  // Generation reruns when the retrained best model differs; when the best evaluation picks the
  // same weights (only best/clinsum-best.json, with its wall time, differs), it is skipped.
  const weights = (s: string): string => modelInputs(join(out, 'train', s, 'best')).map((f) => `${f} ${createHash('sha256').update(readFileSync(f)).digest('hex')}`).join('\n');
  const before = { standard: weights('standard'), distil: weights('distil') };
  const changed = await clinsum(['run', '--config', join(out, 'inputs', 'demo.yaml'), '--set', 'train.max_steps=2']);
  assert.equal(changed.code, 0, changed.stderr);
  const actions = Object.fromEntries(stageLines(changed.stderr).filter((l) => /^(start|skip): /.test(l)).map((l) => [l.split(' ')[1], l.split(':')[0]]));
  assert.deepEqual(actions['split'], 'skip');
  assert.deepEqual(actions['extract'], 'skip');
  for (const s of ['train.standard', 'train.distil']) assert.equal(actions[s], 'start', s);
  for (const s of ['standard', 'distil'] as const) assert.equal(actions[`generate.${s}`], weights(s) === before[s] ? 'skip' : 'start', `generate.${s}`);
  assert.ok(stageLines(changed.stderr).includes('start: train.standard (changed: config) — fine-tune standard (γ = 1, summaries only)'));
  assert.equal(actions['report'], 'start', 'the training curves changed');
  assert.equal(lastLine(changed.stdout), report);
});
