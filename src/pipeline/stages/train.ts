/**
 * Stage `train.<system>`: fine-tune the student on the training split — γ = 1 on summaries only
 * (standard), γ < 1 with the teacher's key information (distil) — into `RUN/train/<system>/`
 * (docs/training.md). Resumable inside: a rerun continues from the newest checkpoint.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigBuilder, loadStudent, requireInputs, train, type ReadyTrainConfig, type TrainHints } from '../../stages/train/index.js';
import type { Stage } from '../stage.js';
import type { YamlSource } from '../yaml-source.js';
import { runPaths, type PipelineSetup } from './context.js';

/** One system to train: its name and its resolved training configuration. */
export interface SystemTraining {
  name: string;
  config: ReadyTrainConfig;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets every leaf of `values` on the builder, each with the place it came from. */
function setAll(b: ConfigBuilder, values: Plain, at: string[], where: (path: string[]) => string): void {
  for (const [k, v] of Object.entries(values)) {
    const path = [...at, k];
    const dotted = path.join('.');
    if (isPlain(v) && !b.settings.includes(dotted)) setAll(b, v, path, where);
    else b.set({ path: dotted, value: v, source: where(path) });
  }
}

/** Where a setting of the run configuration came from, for the trainer's messages. */
function sourceOf(source: YamlSource, path: (string | number)[]): string {
  const loc = source.locate(path);
  return loc.line !== undefined ? `${loc.file}:${loc.line}` : (loc.file ?? 'the run configuration');
}

/** The shared training settings, resolved (defaults filled in), without the paths the pipeline sets. */
export function sharedTrainSettings(config: PipelineSetup['config'], source: YamlSource): Plain {
  const { systems: _systems, ...shared } = config.train;
  const b = new ConfigBuilder();
  setAll(b, shared, [], (p) => sourceOf(source, ['train', ...p]));
  const { model: _m, train: _t, valid: _v, keyinfo: _k, out: _o, prompts: _p, gamma: _g, ...rest } = b.build();
  return rest;
}

/** Each system's training configuration: defaults, then the shared settings, then its own. */
export function systemTrainings(setup: Omit<PipelineSetup, 'systems'>, source: YamlSource, studentDir: string): SystemTraining[] {
  const { config, runDir } = setup;
  const { systems, ...shared } = config.train;
  return Object.entries(systems).map(([name, overrides]) => {
    const b = new ConfigBuilder();
    setAll(b, shared, [], (p) => sourceOf(source, ['train', ...p]));
    setAll(b, overrides, [], (p) => sourceOf(source, ['train', 'systems', name, ...p]));
    b.set({ path: 'prompts', value: config.prompts, source: sourceOf(source, ['prompts']) });
    const c = b.build();
    const paths = {
      model: studentDir,
      train: runPaths.split(runDir, 'train'),
      valid: runPaths.split(runDir, 'valid'),
      keyinfo: c.gamma < 1 ? runPaths.keyinfo(runDir) : null,
      out: runPaths.train(runDir, name),
    };
    return { name, config: requireInputs({ ...c, ...paths }) };
  });
}

/** Settings that change neither the weights nor the choice of the best checkpoint (left out of the hash). */
function hashedSettings(c: ReadyTrainConfig): Plain {
  const { model: _m, train: _t, valid: _v, keyinfo: _k, out: _o, device: _d, log_every: _l, checkpoint: _c, ...rest } = c;
  return rest;
}

/**
 * The trainer's hints in the pipeline's words: the user runs the same command again and edits the
 * run configuration; there are no `--resume`, `--keyinfo` or `--out` flags to pass.
 */
export function pipelineTrainHints(system: string): TrainHints {
  return {
    resume: 'run the same command again',
    newRun: `start it over with \`clinsum run --rerun train.${system}\``,
    changeSettings: () => `set them under \`train\` (or \`train.systems.${system}\`) in the run configuration: the stage then trains again from the student`,
    keyinfo: "check the extract stage's answers (the `teacher` section of the run configuration)",
    noKeyinfo: `set \`train.systems.${system}.gamma: 1\` for plain fine-tuning`,
  };
}

export function trainStage(setup: PipelineSetup, system: SystemTraining): Stage {
  const c = system.config;
  const out = c.out;
  return {
    name: `train.${system.name}`,
    summary: `fine-tune ${system.name} (γ = ${c.gamma}${c.gamma === 1 ? ', summaries only' : ', summaries and key information'})`,
    resumable: true,
    inputs: () => ({
      config: hashedSettings(c),
      files: [c.train, ...(c.valid !== null ? [c.valid] : []), ...(c.keyinfo !== null ? [c.keyinfo] : []), c.model],
    }),
    clean: () => rmSync(out, { recursive: true, force: true }),
    async run(ctx) {
      const r = await train(c, {
        loadModel: loadStudent,
        resume: ctx.resume,
        signal: ctx.signal,
        logger: ctx.log,
        progress: { stream: ctx.progress },
        hints: pipelineTrainHints(system.name),
      });
      if (r.status === 'interrupted') return { status: 'interrupted', message: `stopped at step ${r.step} of ${r.totalSteps}${r.checkpoint !== undefined ? ', checkpoint written' : ''}` };
      const best = r.best !== null ? `best ${r.best.metric} ${r.best.metric === 'loss' ? r.best.score.toFixed(4) : (100 * r.best.score).toFixed(2)} at step ${r.best.step}` : 'no validation split: the last checkpoint is the model';
      const model = r.best !== null ? join('train', system.name, 'best') : undefined;
      return {
        status: 'done',
        outputs: [join('train', system.name, 'metrics.jsonl'), join('train', system.name, 'config.yaml'), ...(model !== undefined ? [model] : [])],
        message: `${r.step} steps, ${best}`,
      };
    },
  };
}
