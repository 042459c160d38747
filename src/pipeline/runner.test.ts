import assert from 'node:assert/strict';
import { execSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, StoppedError } from '../util/errors.js';
import { createLogger } from '../util/log.js';
import { FileHasher } from './hashing.js';
import { LOCK_FILE } from './lock.js';
import { planStages, runStages, type RunnerOptions } from './runner.js';
import type { Stage, StageContext } from './stage.js';
import { readRunState } from './state.js';
import { tempDirs } from '../util/testing.js';

/** Temporary folders of this file, removed when its tests end. */
const tempDir = tempDirs();

/** A tiny three-stage pipeline over real files: make → double → count (resumable, chunked). */
interface Knobs {
  n: number;
  /** make writes `input.txt` + n mod this (so two values of n can give the same bytes). */
  mod: number;
  /** count throws (a crash) after this many chunks in one attempt. */
  crashAfter?: number;
  /** count aborts the controller after this many chunks. */
  interruptAfter?: { chunks: number; controller: AbortController };
  /** count stops on purpose (a budget) after this many chunks. */
  stopAfter?: number;
  runs: string[];
}

const CHUNKS = 6;

function stages(dir: string, k: Knobs): Stage[] {
  const make: Stage = {
    name: 'make',
    summary: 'input + n',
    resumable: false,
    inputs: () => ({ config: { n: k.n, mod: k.mod }, files: [join(dir, 'input.txt')] }),
    clean: () => rmSync(join(dir, 'a.txt'), { force: true }),
    async run() {
      k.runs.push('make');
      writeFileSync(join(dir, 'a.txt'), `${readFileSync(join(dir, 'input.txt'), 'utf8')}+${k.n % k.mod}`);
      return { status: 'done', outputs: ['a.txt'] };
    },
  };
  const double: Stage = {
    name: 'double',
    summary: 'a twice',
    resumable: false,
    inputs: () => ({ config: {}, files: [join(dir, 'a.txt')] }),
    clean: () => rmSync(join(dir, 'b.txt'), { force: true }),
    async run() {
      k.runs.push('double');
      const a = readFileSync(join(dir, 'a.txt'), 'utf8');
      writeFileSync(join(dir, 'b.txt'), a + a);
      return { status: 'done', outputs: ['b.txt'], message: `${a.length * 2} bytes` };
    },
  };
  const count: Stage = {
    name: 'count',
    summary: 'chunked, resumable',
    resumable: true,
    inputs: () => ({ config: { chunks: CHUNKS }, files: [join(dir, 'b.txt')] }),
    clean: () => rmSync(join(dir, 'c'), { recursive: true, force: true }),
    async run(ctx: StageContext) {
      k.runs.push(ctx.resume ? 'count(resume)' : 'count');
      mkdirSync(join(dir, 'c'), { recursive: true });
      const log = join(dir, 'c', 'chunks.log');
      const done = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
      let thisAttempt = 0;
      for (let i = done; i < CHUNKS; i++) {
        if (ctx.signal.aborted) return { status: 'interrupted', message: `${i} of ${CHUNKS} chunks` };
        if (k.crashAfter !== undefined && thisAttempt === k.crashAfter) throw new Error('simulated crash');
        if (k.stopAfter !== undefined && thisAttempt === k.stopAfter) return { status: 'stopped', message: `budget reached after ${i} chunks` };
        appendFileSync(log, `chunk ${i}\n`);
        thisAttempt++;
        if (k.interruptAfter !== undefined && thisAttempt === k.interruptAfter.chunks) k.interruptAfter.controller.abort();
      }
      return { status: 'done', outputs: ['c/chunks.log'] };
    },
  };
  return [make, double, count];
}

function setup(): { dir: string; lines: string[]; opts: (k: Knobs, extra?: Partial<RunnerOptions>) => RunnerOptions } {
  const dir = tempDir('clinsum-runner-');
  writeFileSync(join(dir, 'input.txt'), 'x');
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => void lines.push(l.trimEnd()) });
  return { dir, lines, opts: (k, extra = {}) => ({ runDir: dir, stages: stages(dir, k), log, ...extra }) };
}

test('a first run runs every stage; a second one skips them all', async () => {
  const { dir, lines, opts } = setup();
  const k: Knobs = { n: 1, mod: 10, runs: [] };
  const r1 = await runStages(opts(k));
  assert.equal(r1.status, 'complete');
  assert.deepEqual(k.runs, ['make', 'double', 'count']);
  assert.deepEqual(r1.stages.map((s) => s.action), ['ran', 'ran', 'ran']);
  const state = readRunState(dir);
  assert.deepEqual(Object.keys(state.stages), ['make', 'double', 'count']);
  assert.equal(state.stages.count!.status, 'done');
  assert.deepEqual(state.stages.double!.outputs, ['b.txt']);
  assert.equal(state.stages.double!.message, '6 bytes');
  assert.deepEqual(Object.keys(state.stages.double!.inputs).sort(), ['a.txt', 'config']);
  assert.match(lines.join('\n'), /^done: double in \d+\.\d s — 6 bytes$/m);

  k.runs = [];
  lines.length = 0;
  const r2 = await runStages(opts(k));
  assert.deepEqual(k.runs, []);
  assert.deepEqual(r2.stages.map((s) => s.action), ['skipped', 'skipped', 'skipped']);
  assert.deepEqual(lines, ['skip: make (unchanged)', 'skip: double (unchanged)', 'skip: count (unchanged)']);
  assert.equal(existsSync(join(dir, LOCK_FILE)), false, 'the lock is released');
});

test('a changed input reruns its stage and those that read what it wrote differently', async () => {
  const { dir, lines, opts } = setup();
  const k: Knobs = { n: 1, mod: 10, runs: [] };
  await runStages(opts(k));

  // A config change that changes make's output: everything reruns.
  k.runs = [];
  k.n = 2;
  const r = await runStages(opts(k));
  assert.deepEqual(k.runs, ['make', 'double', 'count']);
  assert.deepEqual(r.stages.map((s) => s.changed), [['config'], ['a.txt'], ['b.txt']]);
  assert.ok(lines.includes('start: make (changed: config) — input + n'));

  // A config change with the same output (12 mod 10 = 2): only make reruns.
  k.runs = [];
  k.n = 12;
  await runStages(opts(k));
  assert.deepEqual(k.runs, ['make']);

  // An input file edited outside: make reruns; so does everything after it.
  k.runs = [];
  writeFileSync(join(dir, 'input.txt'), 'y');
  await runStages(opts(k));
  assert.deepEqual(k.runs, ['make', 'double', 'count']);
  assert.equal(readFileSync(join(dir, 'b.txt'), 'utf8'), 'y+2y+2');

  // A deleted output: its stage reruns; the same bytes come back, so the next stage is skipped.
  k.runs = [];
  lines.length = 0;
  rmSync(join(dir, 'b.txt'));
  await runStages(opts(k));
  assert.deepEqual(k.runs, ['double']);
  assert.ok(lines.includes('start: double (outputs missing) — a twice'), lines.join('\n'));
});

test('a crash in a resumable stage: the next run resumes it where it stopped', async () => {
  const { dir, lines, opts } = setup();
  const k: Knobs = { n: 1, mod: 10, crashAfter: 2, runs: [] };
  await assert.rejects(runStages(opts(k)), /simulated crash/);
  let state = readRunState(dir);
  assert.equal(state.stages.count!.status, 'failed');
  assert.equal(state.stages.count!.message, 'simulated crash');
  assert.equal(readFileSync(join(dir, 'c', 'chunks.log'), 'utf8'), 'chunk 0\nchunk 1\n');

  k.runs = [];
  k.crashAfter = undefined;
  const r = await runStages(opts(k));
  assert.deepEqual(k.runs, ['count(resume)']);
  assert.equal(r.stages[2]!.action, 'resumed');
  state = readRunState(dir);
  assert.equal(state.stages.count!.attempts, 2);
  assert.equal(readFileSync(join(dir, 'c', 'chunks.log'), 'utf8').split('\n').filter(Boolean).length, CHUNKS, 'each chunk once');
  assert.ok(lines.some((l) => l.startsWith('resume: count (attempt 2, after failed)')), lines.join('\n'));
});

test('a crash with changed inputs starts the stage afresh (clean) instead of resuming', async () => {
  const { dir, opts } = setup();
  const k: Knobs = { n: 1, mod: 10, crashAfter: 2, runs: [] };
  await assert.rejects(runStages(opts(k)));
  k.runs = [];
  k.crashAfter = undefined;
  k.n = 3;
  await runStages(opts(k));
  assert.deepEqual(k.runs, ['make', 'double', 'count']);
  assert.equal(readRunState(dir).stages.count!.attempts, 1);
  assert.equal(readFileSync(join(dir, 'c', 'chunks.log'), 'utf8').split('\n').filter(Boolean).length, CHUNKS);
});

test('an interrupt stops with exit status 130 and a resume hint; the next run resumes', async () => {
  const { dir, opts } = setup();
  const controller = new AbortController();
  const k: Knobs = { n: 1, mod: 10, interruptAfter: { chunks: 3, controller }, runs: [] };
  await assert.rejects(runStages(opts(k, { signal: controller.signal })), (e: unknown) => {
    assert.ok(e instanceof StoppedError);
    assert.equal(e.exitCode, 130);
    assert.match(e.message, /interrupted during count; run the same command again to resume \(count continues where it stopped/);
    return true;
  });
  assert.equal(readRunState(dir).stages.count!.status, 'interrupted');
  assert.equal(readRunState(dir).stages.count!.message, `3 of ${CHUNKS} chunks`);
  k.interruptAfter = undefined;
  k.runs = [];
  await runStages(opts(k));
  assert.deepEqual(k.runs, ['count(resume)']);
  assert.equal(readFileSync(join(dir, 'c', 'chunks.log'), 'utf8').split('\n').filter(Boolean).length, CHUNKS);
});

test('a stage that stops on purpose ends the run without error; the next run continues it', async () => {
  const { dir, opts } = setup();
  const k: Knobs = { n: 1, mod: 10, stopAfter: 4, runs: [] };
  const r = await runStages(opts(k));
  assert.equal(r.status, 'stopped');
  assert.equal(readRunState(dir).stages.count!.status, 'stopped');
  k.stopAfter = undefined;
  k.runs = [];
  const r2 = await runStages(opts(k));
  assert.equal(r2.status, 'complete');
  assert.deepEqual(k.runs, ['count(resume)']);
});

test('--until stops after a stage; --rerun forces a stage and the ones after it', async () => {
  const { opts } = setup();
  const k: Knobs = { n: 1, mod: 10, runs: [] };
  const r = await runStages(opts(k, { until: 'double' }));
  assert.equal(r.status, 'partial');
  assert.deepEqual(k.runs, ['make', 'double']);
  k.runs = [];
  await runStages(opts(k));
  assert.deepEqual(k.runs, ['count']);
  k.runs = [];
  await runStages(opts(k, { rerunFrom: 'double' }));
  assert.deepEqual(k.runs, ['double', 'count']);
  await assert.rejects(runStages(opts(k, { until: 'nope' })), /--until nope: no such stage \(stages: make, double, count\)/);
  // A --rerun stage after --until would run nothing: an error naming both, for the run and the plan.
  k.runs = [];
  await assert.rejects(runStages(opts(k, { until: 'make', rerunFrom: 'count' })), /--rerun count comes after --until make/);
  assert.throws(() => planStages(opts(k, { until: 'make', rerunFrom: 'count' })), /--rerun count comes after --until make/);
  assert.deepEqual(k.runs, []);
  // The plan shows the stages past --until as not run, forced or not.
  assert.deepEqual(planStages(opts(k, { until: 'double', rerunFrom: 'make' })).map((p) => [p.name, p.plan, p.why]), [
    ['make', 'run', '--rerun'],
    ['double', 'run', '--rerun'],
    ['count', 'stop', 'after --until double'],
  ]);
  await runStages(opts(k, { until: 'double', rerunFrom: 'make' }));
  assert.deepEqual(k.runs, ['make', 'double']);
});

test('planStages says what the next run would do, running nothing', async () => {
  const { dir, opts } = setup();
  const k: Knobs = { n: 1, mod: 10, runs: [] };
  assert.deepEqual(planStages(opts(k)).map((p) => [p.plan, p.why]), [
    ['run', 'never ran'],
    ['after', `needs ${join(dir, 'a.txt')}, not there yet`],
    ['after', `needs ${join(dir, 'b.txt')}, not there yet`],
  ]);
  await runStages(opts(k));
  assert.deepEqual(planStages(opts(k)).map((p) => p.plan), ['skip', 'skip', 'skip']);
  k.runs = [];
  k.n = 2;
  const plan = planStages(opts(k));
  assert.deepEqual(plan.map((p) => [p.plan, p.why]), [
    ['run', 'changed: config'],
    ['after', 'unchanged so far; reruns if an earlier stage writes different files'],
    ['after', 'unchanged so far; reruns if an earlier stage writes different files'],
  ]);
  assert.deepEqual(k.runs, []);
  assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'x+1');
});

test('one run per directory: a live holder is refused, a dead one taken over', async () => {
  const { dir, opts } = setup();
  const k: Knobs = { n: 1, mod: 10, runs: [] };
  // A live process (this test's parent shell's child) holds the lock.
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    writeFileSync(join(dir, LOCK_FILE), `${holder.pid} ${execSync('hostname').toString().trim()}\n`);
    await assert.rejects(runStages(opts(k)), (e: unknown) => e instanceof ConfigError && /in use by another clinsum run \(pid \d+\)/.test(e.message));
    // The plan says so for the stage that run is running, not "last attempt crashed".
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ version: 1, stages: { make: { status: 'running', input_hash: '0'.repeat(64), inputs: {}, outputs: [], started: '2026-01-01T00:00:00.000Z', finished: null, seconds: null, attempts: 1, message: null } } }));
    assert.deepEqual(planStages(opts(k))[0]!.plan, 'busy');
    assert.match(planStages(opts(k))[0]!.why, new RegExp(`running now in another clinsum run \\(pid ${holder.pid}\\)`));
    rmSync(join(dir, 'run.json'));
  } finally {
    holder.kill('SIGKILL');
  }
  await new Promise((r) => holder.once('exit', r));
  await runStages(opts(k)); // its process is gone: taken over
  assert.deepEqual(k.runs, ['make', 'double', 'count']);
});

test('FileHasher: folders hash like find | sort | sha256sum; the cache follows size, mtime and inode', () => {
  const dir = tempDir('clinsum-hash-');
  mkdirSync(join(dir, 'm', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'm', 'b.json'), '{}');
  writeFileSync(join(dir, 'm', 'sub', 'a.bin'), Buffer.from([0, 1, 2]));
  writeFileSync(join(dir, 'm', '.x.json.123.0.tmp'), 'partial write');
  const expected = execSync("find . -type f ! -name '.*.tmp' | sed 's|^\\./||' | LC_ALL=C sort | xargs sha256sum | sha256sum", { cwd: join(dir, 'm') })
    .toString()
    .split(' ')[0];
  const cacheFile = join(dir, 'hashes.json');
  const h = new FileHasher(cacheFile);
  assert.equal(h.path(join(dir, 'm')), expected);
  h.save();
  const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { files: Record<string, { sha256: string }> };
  assert.equal(Object.keys(cached.files).length, 2);

  // Same size and mtime: the cache answers (the bytes are not read again).
  const f = join(dir, 'm', 'b.json');
  const t = new Date('2030-01-01T00:00:00Z');
  utimesSync(f, t, t);
  const h2 = new FileHasher(cacheFile);
  const before = h2.file(f);
  writeFileSync(f, '[]');
  utimesSync(f, t, t);
  assert.equal(h2.file(f), before, 'unchanged stat: cached');
  utimesSync(f, t, new Date('2030-01-01T00:00:01Z'));
  assert.notEqual(h2.file(f), before, 'a new mtime: read again');
  assert.throws(() => h2.path(join(dir, 'nope')), /nope: does not exist/);
});

test('a malformed run.json is an error naming it, with the way out', async () => {
  const { dir, opts } = setup();
  writeFileSync(join(dir, 'run.json'), '{"version": 1, "stages": {"make": {"status": "bogus"}}}');
  await assert.rejects(runStages(opts({ n: 1, mod: 10, runs: [] })), /run\.json: field `stages\.make\.status`: .*delete it to start the bookkeeping afresh/);
});
