/**
 * The stage runner: runs stages in order in one run directory, skipping a stage whose inputs
 * (configuration section and files, by content hash) are those of its last complete run and
 * whose outputs still exist; resuming a stage that an earlier attempt with the same inputs left
 * unfinished; recording everything in `run.json`.
 *
 * Downstream stages read upstream outputs as input files, so when a stage reruns and writes
 * different files, every stage that reads them reruns too; a rerun that writes the same bytes
 * leaves them alone.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ClinsumError, InputError, StoppedError, UsageError, errorMessage } from '../util/errors.js';
import { canonicalJson, sha256 } from '../util/hash.js';
import { silentLogger, type Logger } from '../util/log.js';
import { FileHasher } from './hashing.js';
import { acquireRunLock, runLockHolder } from './lock.js';
import type { Stage, StageOutcome } from './stage.js';
import { readRunState, writeRunState, type RunState, type StageRecord } from './state.js';
import { makeDir } from '../util/fs.js';

export interface RunnerOptions {
  runDir: string;
  stages: readonly Stage[];
  signal?: AbortSignal;
  /** Stage lines and diagnostics (default: silent). */
  log?: Logger;
  /** Where stages draw progress (default stderr). */
  progress?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Stop after this stage. */
  until?: string;
  /** Run this stage and every later one even when unchanged. */
  rerunFrom?: string;
  /** Runs once the run directory is locked, before the first stage (e.g. writes config.yaml). */
  prepare?: () => void;
  /** Clock (tests). */
  now?: () => Date;
}

export type StageAction = 'skipped' | 'ran' | 'resumed';

export interface StageReport {
  name: string;
  action: StageAction;
  status: StageRecord['status'];
  /** Wall time of this invocation's attempt (0 when skipped). */
  seconds: number;
  message: string | null;
  /** Inputs that changed since the last record (empty on a first run or a skip). */
  changed: string[];
}

export interface PipelineResult {
  /** `complete`: every stage done; `partial`: stopped after `until`; `stopped`: a stage stopped on purpose. */
  status: 'complete' | 'partial' | 'stopped';
  stages: StageReport[];
}

/** The canonical input description of a stage and its hash. */
export interface HashedInputs {
  hash: string;
  /** `config` → hash of the config section; each input path (relative to the run when inside it) → hash. */
  parts: Record<string, string>;
}

export function hashInputs(stage: Stage, runDir: string, hasher: FileHasher): HashedInputs {
  const inputs = stage.inputs();
  const parts: Record<string, string> = { config: sha256(canonicalJson(inputs.config ?? null)) };
  for (const f of inputs.files) {
    const abs = resolve(f);
    const rel = relative(runDir, abs);
    const key = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split('\\').join('/') : abs;
    parts[key] = hasher.path(abs);
  }
  return { hash: sha256(canonicalJson(parts)), parts };
}

/** Which inputs differ between two records (added, removed or changed), sorted. */
export function changedInputs(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]).sort();
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - 60 * m)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function outputsExist(runDir: string, outputs: readonly string[]): boolean {
  return outputs.every((o) => existsSync(join(runDir, o)));
}

/** Stage names are unique, and `--until`/`--rerun` name one of them (a UsageError otherwise). */
export function checkStageNames(stages: readonly Stage[], options: Pick<RunnerOptions, 'until' | 'rerunFrom'>): void {
  const names = new Set<string>();
  for (const s of stages) {
    if (names.has(s.name)) throw new Error(`two stages are named ${s.name}`);
    names.add(s.name);
  }
  for (const [flag, v] of [['--until', options.until], ['--rerun', options.rerunFrom]] as const) {
    if (v !== undefined && !names.has(v)) throw new UsageError(`${flag} ${v}: no such stage (stages: ${[...names].join(', ')})`);
  }
  if (options.until !== undefined && options.rerunFrom !== undefined) {
    const order = stages.map((s) => s.name);
    if (order.indexOf(options.rerunFrom) > order.indexOf(options.until)) {
      throw new UsageError(`--rerun ${options.rerunFrom} comes after --until ${options.until}: nothing would rerun (stages: ${order.join(', ')})`);
    }
  }
}

/**
 * Runs the stages. Resolves when every stage is done (or skipped), or after `until`, or when a
 * stage stopped on purpose. Throws `StoppedError` (exit 130) when interrupted, and the stage's
 * error when it failed; `run.json` says which and the next call resumes.
 */
export async function runStages(options: RunnerOptions): Promise<PipelineResult> {
  const runDir = resolve(options.runDir);
  const log = options.log ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const signal = options.signal ?? new AbortController().signal;
  checkStageNames(options.stages, options);
  makeDir(runDir, 'choose another run directory');
  const lock = acquireRunLock(runDir, (m) => log.warn(m));
  try {
    options.prepare?.();
    const state: RunState = readRunState(runDir);
    const hasher = new FileHasher(join(runDir, '.clinsum-hashes.json'));
    const reports: StageReport[] = [];
    let forcing = false;
    for (const stage of options.stages) {
      if (signal.aborted) throw interrupted(stage.name, undefined);
      if (stage.name === options.rerunFrom) forcing = true;
      const inputs = hashInputs(stage, runDir, hasher);
      hasher.save();
      const prev = state.stages[stage.name];
      const changed = prev === undefined ? [] : changedInputs(prev.inputs, inputs.parts);
      if (!forcing && prev?.status === 'done' && prev.input_hash === inputs.hash && outputsExist(runDir, prev.outputs)) {
        log.info(`skip: ${stage.name} (unchanged)`);
        reports.push({ name: stage.name, action: 'skipped', status: 'done', seconds: 0, message: prev.message, changed: [] });
        if (stage.name === options.until) return { status: 'partial', stages: reports };
        continue;
      }
      const resume = !forcing && stage.resumable && prev !== undefined && prev.status !== 'done' && prev.input_hash === inputs.hash;
      if (!resume) stage.clean();
      const why =
        resume ? `resume: ${stage.name} (attempt ${prev!.attempts + 1}, after ${prev!.status === 'running' ? 'a crash' : prev!.status})`
        : forcing ? `start: ${stage.name} (--rerun)`
        : prev === undefined ? `start: ${stage.name}`
        : prev.status !== 'done' && prev.input_hash === inputs.hash ? `start: ${stage.name} (again, after ${prev.status === 'running' ? 'a crash' : prev.status})`
        : changed.length > 0 ? `start: ${stage.name} (changed: ${changed.join(', ')})`
        : `start: ${stage.name} (outputs missing)`;
      log.info(`${why} — ${stage.summary}`);
      const record: StageRecord = {
        status: 'running',
        input_hash: inputs.hash,
        inputs: inputs.parts,
        outputs: [],
        started: now().toISOString(),
        finished: null,
        seconds: null,
        attempts: resume ? prev!.attempts + 1 : 1,
        message: null,
      };
      state.stages[stage.name] = record;
      writeRunState(runDir, state);
      const t0 = performance.now();
      let outcome: StageOutcome;
      try {
        outcome = await stage.run({ runDir, signal, log, progress: options.progress ?? process.stderr, resume });
      } catch (e) {
        const seconds = (performance.now() - t0) / 1000;
        const stopped = e instanceof StoppedError || (signal.aborted && !(e instanceof ClinsumError && e.code !== 'stopped'));
        record.status = stopped ? 'interrupted' : 'failed';
        record.finished = now().toISOString();
        record.seconds = seconds;
        record.message = oneLine(errorMessage(e));
        writeRunState(runDir, state);
        if (stopped) {
          log.info(`interrupted: ${stage.name} after ${formatSeconds(seconds)}`);
          throw interrupted(stage.name, stage.resumable);
        }
        log.info(`failed: ${stage.name} after ${formatSeconds(seconds)}`);
        throw e;
      }
      const seconds = (performance.now() - t0) / 1000;
      record.finished = now().toISOString();
      record.seconds = seconds;
      record.message = outcome.message ?? null;
      if (outcome.status === 'done') {
        record.status = 'done';
        record.outputs = [...outcome.outputs];
        writeRunState(runDir, state);
        log.info(`done: ${stage.name} in ${formatSeconds(seconds)}${outcome.message ? ` — ${outcome.message}` : ''}`);
        reports.push({ name: stage.name, action: resume ? 'resumed' : 'ran', status: 'done', seconds, message: record.message, changed });
        if (stage.name === options.until) return { status: 'partial', stages: reports };
        continue;
      }
      record.status = outcome.status;
      writeRunState(runDir, state);
      if (outcome.status === 'interrupted') {
        log.info(`interrupted: ${stage.name} after ${formatSeconds(seconds)}${outcome.message ? ` — ${outcome.message}` : ''}`);
        throw interrupted(stage.name, stage.resumable);
      }
      log.info(`stopped: ${stage.name} after ${formatSeconds(seconds)} — ${outcome.message}`);
      reports.push({ name: stage.name, action: resume ? 'resumed' : 'ran', status: 'stopped', seconds, message: outcome.message, changed });
      return { status: 'stopped', stages: reports };
    }
    return { status: 'complete', stages: reports };
  } finally {
    lock.release();
  }
}

function interrupted(stage: string, resumable: boolean | undefined): StoppedError {
  const how = resumable === true ? 'continues where it stopped' : resumable === false ? 'starts over' : 'runs next';
  return new StoppedError(`interrupted during ${stage}; run the same command again to resume (${stage} ${how}, finished stages are skipped)`, 130);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** What the next run would do for each stage, without running anything (`clinsum run --plan`). */
export interface PlannedStage {
  name: string;
  summary: string;
  /**
   * `skip`: unchanged; `run`: will run (reason in `why`); `after`: depends on files an earlier
   * stage will write; `stop`: not reached (after `--until`); `busy`: another clinsum run is
   * running it now.
   */
  plan: 'skip' | 'run' | 'resume' | 'after' | 'stop' | 'busy';
  why: string;
  last: StageRecord | undefined;
}

export function planStages(options: Pick<RunnerOptions, 'runDir' | 'stages' | 'rerunFrom' | 'until'>): PlannedStage[] {
  checkStageNames(options.stages, options);
  const runDir = resolve(options.runDir);
  const state = readRunState(runDir);
  const hasher = new FileHasher(join(runDir, '.clinsum-hashes.json'));
  const out: PlannedStage[] = [];
  let upstreamRuns = false;
  let forcing = false;
  let stopped = false;
  const holder = runLockHolder(runDir);
  for (const stage of options.stages) {
    if (stage.name === options.rerunFrom) forcing = true;
    const prev = state.stages[stage.name];
    if (stopped) {
      out.push({ name: stage.name, summary: stage.summary, plan: 'stop', why: `after --until ${options.until}`, last: prev });
      continue;
    }
    if (stage.name === options.until) stopped = true;
    if (holder !== undefined && prev?.status === 'running') {
      out.push({ name: stage.name, summary: stage.summary, plan: 'busy', why: `running now in another clinsum run (${holder})`, last: prev });
      upstreamRuns = true;
      continue;
    }
    let inputs: HashedInputs | undefined;
    let missing = '';
    try {
      inputs = hashInputs(stage, runDir, hasher);
    } catch (e) {
      if (!(e instanceof ClinsumError)) throw e;
      missing = e instanceof InputError && e.location.file !== undefined ? e.location.file : e.message;
    }
    let plan: PlannedStage['plan'];
    let why: string;
    if (forcing) {
      plan = 'run';
      why = '--rerun';
    } else if (inputs === undefined) {
      plan = upstreamRuns ? 'after' : 'run';
      why = `needs ${missing}, not there yet${upstreamRuns ? '' : ' (it would fail)'}`;
    } else if (prev === undefined) {
      plan = upstreamRuns ? 'after' : 'run';
      why = upstreamRuns ? 'after the stages before it' : 'never ran';
    } else if (prev.status === 'done' && prev.input_hash === inputs.hash && outputsExist(runDir, prev.outputs)) {
      plan = upstreamRuns ? 'after' : 'skip';
      why = upstreamRuns ? 'unchanged so far; reruns if an earlier stage writes different files' : 'unchanged';
    } else if (prev.status !== 'done' && prev.input_hash === inputs.hash) {
      plan = stage.resumable ? 'resume' : 'run';
      why = `last attempt ${prev.status === 'running' ? 'crashed' : prev.status}`;
    } else {
      const changed = changedInputs(prev.inputs, inputs.parts);
      plan = 'run';
      why = changed.length > 0 ? `changed: ${changed.join(', ')}` : 'outputs missing';
    }
    if (plan !== 'skip') upstreamRuns = true;
    out.push({ name: stage.name, summary: stage.summary, plan, why, last: prev });
  }
  if (existsSync(runDir)) hasher.save();
  return out;
}
