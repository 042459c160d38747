/**
 * `clinsum run`: from a configuration file to a run directory with a report. Builds the stage
 * list from the configuration (pull → split → extract → train per system → generate per
 * system → eval → report; the report writes the resolved `RUN/config.yaml`), and hands the stages to the
 * runner (skip when unchanged, resume after a crash).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError, UsageError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { loadRunConfig, runConfigToYaml, type RunConfig } from './config.js';
import { planStages, runStages, type PipelineResult, type PlannedStage } from './runner.js';
import type { Stage } from './stage.js';
import { runPaths, type PipelineSetup } from './stages/context.js';
import { comparisons, evalStage } from './stages/evaluate.js';
import { extractStage } from './stages/extract.js';
import { generateStage } from './stages/generate.js';
import { modelFolder, pullStage } from './stages/pull.js';
import { reportStage } from './stages/report.js';
import { splitStage } from './stages/split.js';
import { sharedTrainSettings, systemTrainings, trainStage, type SystemTraining } from './stages/train.js';
import { effectivePrompts } from './prompts.js';
import { runLockHolder } from './lock.js';
import type { YamlSource } from './yaml-source.js';

export interface PipelineOptions {
  /** The run configuration (YAML). */
  configFile: string;
  /** `--set key=value` overrides. */
  sets?: readonly string[];
  /** The run directory (`--out`; relative to `cwd`); default the config's `run_dir`. */
  out?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface RunPipelineOptions extends PipelineOptions {
  signal?: AbortSignal;
  log?: Logger;
  progress?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Stop after this stage. */
  until?: string;
  /** Run this stage and every later one even when unchanged. */
  rerun?: string;
}

export interface PreparedPipeline {
  config: RunConfig;
  runDir: string;
  setup: PipelineSetup;
  stages: Stage[];
  /** The text of RUN/config.yaml. */
  configYaml: string;
}

function checkCrossSection(setup: PipelineSetup, source: YamlSource, trainings: readonly SystemTraining[]): void {
  const { systems, config } = setup;
  const distilled = trainings.filter((t) => t.config.gamma < 1).map((t) => t.name);
  if (distilled.length > 0 && config.teacher === null) {
    throw new InputError(source.locate(['teacher']), `is missing: ${distilled.join(', ')} (γ < 1) learn${distilled.length === 1 ? 's' : ''} from the teacher's key information`, 'add a teacher section (base_url and model, or serve: {model: DIR})');
  }
  for (const [i, pair] of comparisons(setup).entries()) {
    for (const [k, name] of pair.entries()) {
      if (!systems.includes(name)) throw new InputError(source.locate(['eval', 'compare', i, k]), `no system named ${name} (systems: ${systems.join(', ')})`);
    }
    if (pair[0] === pair[1]) throw new InputError(source.locate(['eval', 'compare', i]), `compares ${pair[0]} with itself`);
  }
}

/** The user's input paths exist (checked before any stage runs: a typo must not wait for a download). */
function checkInputPaths(config: RunConfig, source: YamlSource): void {
  const inputs: [(string | number)[], string | null | undefined][] = [
    ...config.data.paths.map((p, i): [(string | number)[], string] => [['data', 'paths', i], p]),
    [['student', 'model'], config.student.model],
    [['teacher', 'serve', 'model'], config.teacher?.serve?.model],
    [['teacher', 'tokenizer'], config.teacher?.tokenizer],
    [['eval', 'bertscore', 'model'], config.eval.bertscore?.model],
    [['eval', 'bertscore', 'baseline'], config.eval.bertscore?.baseline],
  ];
  for (const [path, value] of inputs) {
    if (value !== null && value !== undefined && !existsSync(value)) throw new InputError(source.locate(path), `${value} does not exist`, 'check the path; relative paths are relative to the configuration file');
  }
}

/** Reads the configuration and builds the stages, running nothing. */
export function preparePipeline(options: PipelineOptions): PreparedPipeline {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const loaded = loadRunConfig(options.configFile, { sets: options.sets, env, cwd });
  const source = loaded.source;
  const config: RunConfig = { ...loaded.config, prompts: effectivePrompts(loaded.config, source) };
  const runDir = options.out !== undefined ? resolve(cwd, options.out) : config.run_dir;
  if (runDir === null) throw new UsageError(`run: say where the run goes: --out DIR, or run_dir in ${options.configFile}`);
  const setup: PipelineSetup = { config, runDir, systems: Object.keys(config.train.systems), env };
  const studentDir = modelFolder(runDir, config.student);
  const trainings = systemTrainings(setup, source, studentDir);
  checkCrossSection(setup, source, trainings);
  checkInputPaths(config, source);
  const teacher = trainings.some((t) => t.config.gamma < 1);

  const stages: Stage[] = [];
  if (config.student.hub !== null) stages.push(pullStage(setup, 'student', { hub: config.student.hub, revision: config.student.revision }));
  stages.push(splitStage(setup));
  if (teacher) stages.push(extractStage(setup, config.teacher!));
  for (const t of trainings) stages.push(trainStage(setup, t));
  for (const t of trainings) stages.push(generateStage(setup, t));
  const bs = config.eval.bertscore;
  if (bs !== null && bs.hub !== null) stages.push(pullStage(setup, 'bertscore', { hub: bs.hub, revision: bs.revision }));
  stages.push(evalStage(setup));
  const resolved = { ...config, train: { ...sharedTrainSettings(config, source), systems: config.train.systems } };
  const configYaml = runConfigToYaml(resolved, `clinsum run: the resolved configuration of this run (defaults filled in, paths absolute).\nMade from ${resolve(cwd, options.configFile)}; edit that file (or use --set), not this one.`);
  // The report writes RUN/config.yaml with report.html, so both describe the same complete run;
  // it reruns when a setting some stage hashes changed (not for log_every, concurrency, …).
  const upstream = [...stages];
  stages.push(reportStage(setup, { teacher, train: true, configYaml, settings: () => Object.fromEntries(upstream.map((s) => [s.name, s.inputs().config])) }));
  return { config, runDir, setup, stages, configYaml };
}

/** Runs the pipeline; resolves with the report's path when the run is complete. */
export async function runPipeline(options: RunPipelineOptions): Promise<{ runDir: string; report: string | undefined; result: PipelineResult }> {
  const p = preparePipeline(options);
  const result = await runStages({
    runDir: p.runDir,
    stages: p.stages,
    signal: options.signal,
    log: options.log,
    progress: options.progress,
    until: options.until,
    rerunFrom: options.rerun,
  });
  const report = runPaths.report(p.runDir);
  return { runDir: p.runDir, report: result.status === 'complete' && existsSync(report) ? report : undefined, result };
}

/** What `runPipeline` would do now, stage by stage (`clinsum run --plan`). */
export function planPipeline(options: PipelineOptions & { rerun?: string; until?: string }): { runDir: string; stages: PlannedStage[]; inUseBy: string | undefined } {
  const p = preparePipeline(options);
  return { runDir: p.runDir, stages: planStages({ runDir: p.runDir, stages: p.stages, rerunFrom: options.rerun, until: options.until }), inUseBy: runLockHolder(p.runDir) };
}
