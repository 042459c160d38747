/**
 * The training loop (nanoGPT's order, litgpt's accumulation): for each optimizer step, set the
 * learning rate, run the step's micro-batches (forward, weighted loss, backward; gradients
 * accumulate), check the loss and the gradient norm are finite, clip, update, zero the
 * gradients, log; then evaluate and checkpoint when due, and stop when asked.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cudaAvailable, getRngState, setRngState, tensor, tidy, type Device } from '../../engine/index.js';
import { loadTokenizer, type Tokenizer } from '../../models/tokenizer/index.js';
import { ClinsumError, ConfigError, InputError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { silentLogger, type Logger } from '../../util/log.js';
import { Prng } from '../../util/prng.js';
import { Progress, withProgress } from '../../util/progress.js';
import { planEpoch, unitsByRecord } from './batching.js';
import {
  OPTIMIZER_FILE,
  checkCheckpointFiles,
  cleanUpInterrupted,
  damagedCheckpointError,
  listCheckpoints,
  readCarriedFiles,
  pruneCheckpoints,
  readTrainerState,
  writeBest,
  writeCheckpoint,
  type TrainerState,
} from './checkpoint.js';
import { configToYaml, planDifferences, planHash, planSettings, type ReadyTrainConfig } from './config.js';
import { loadTrainingSet, loadValidSet, type ExampleOptions, type TrainingSet, type ValidSet } from './examples.js';
import { CLI_TRAIN_HINTS, type TrainHints } from './hints.js';
import type { ModelLoader } from './lm.js';
import { MetricsFile, type TrainRow } from './metrics.js';
import { inspectRunFolder } from './run-folder.js';
import { combineLosses, type StepLosses } from './objective.js';
import { learningRate, warmupSteps, type LrSchedule } from './schedule.js';
import { buildOptimizer, optimizerStep, precisionCompute, type StepRunner } from './step.js';
import { isBetter, validate, type EvalResult } from './validate.js';

/** A run stopped because the loss or the gradient norm was not finite. Exit status 3. */
export class TrainingDivergedError extends ClinsumError {
  readonly step: number;
  readonly lastCheckpoint: string | undefined;

  constructor(step: number, what: string, lastCheckpoint: string | undefined, hints: TrainHints = CLI_TRAIN_HINTS) {
    super(
      'diverged',
      `training diverged at step ${step}: ${what}; stopped before the update, nothing was saved from this step. ${
        lastCheckpoint === undefined
          ? 'No checkpoint was written yet'
          : `The last good checkpoint is ${lastCheckpoint}: ${hints.resume} to replay the same settings from it; to change them (e.g. a lower lr), ${hints.changeSettings(lastCheckpoint)}`
      }`,
      { exitCode: 3 },
    );
    this.step = step;
    this.lastCheckpoint = lastCheckpoint;
  }
}

export interface StepInfo {
  step: number;
  totalSteps: number;
  losses: StepLosses;
  lr: number;
  gradNorm: number;
  /** Supervised tokens of the step. */
  tokens: number;
  /** Input tokens of the step without padding, and with it (B × T summed over micro-batches). */
  inputTokens: number;
  paddedTokens: number;
}

export interface TrainOptions {
  /** Loads the student (and checkpoints, on resume). */
  loadModel: ModelLoader;
  /** Continue from the newest checkpoint in `out` (a fresh start when there is none). */
  resume?: boolean;
  /** When aborted, the current step finishes, a checkpoint is written and `train` returns. */
  signal?: AbortSignal;
  logger?: Logger;
  /** Where the progress line goes (default stderr); `silent` turns it off. */
  progress?: { stream?: NodeJS.WritableStream & { isTTY?: boolean }; silent?: boolean };
  /** Called after every optimizer step (tests, dashboards). */
  onStep?: (info: StepInfo) => void;
  /** How the messages tell the user to resume, give key information, … (default: the CLI's flags). */
  hints?: TrainHints;
}

export interface TrainResult {
  status: 'completed' | 'interrupted';
  step: number;
  totalSteps: number;
  /** The newest checkpoint folder. */
  checkpoint: string | undefined;
  best: TrainerState['best'];
  out: string;
}

/** The epochs' batch orders, drawn from one `Prng(seed)` stream; the state before each epoch is kept. */
export interface TrainingPlan {
  epochs: number[][][];
  /** The data Prng's state at the start of each epoch. */
  rngAtEpoch: [number, number, number, number][];
  /** Optimizer steps of each epoch: ceil(batches / grad_accum). */
  stepsPerEpoch: number[];
  totalSteps: number;
}

/**
 * Plans `epochs` epochs — or, when `max_steps` is set, as many epochs as its steps need (like
 * Hugging Face's `max_steps`, which overrides the epoch count).
 */
export function planTraining(lengths: readonly number[], units: readonly (readonly number[])[], c: ReadyTrainConfig): TrainingPlan {
  const prng = new Prng(c.seed);
  const plan: TrainingPlan = { epochs: [], rngAtEpoch: [], stepsPerEpoch: [], totalSteps: 0 };
  let steps = 0;
  for (let e = 0; c.max_steps === null ? e < c.epochs : steps < c.max_steps; e++) {
    plan.rngAtEpoch.push(prng.getState());
    const batches = planEpoch(lengths, units, { maxTokens: c.batch.max_tokens, groupSize: c.batch.group_size }, prng);
    plan.epochs.push(batches);
    const n = Math.ceil(batches.length / c.batch.grad_accum);
    plan.stepsPerEpoch.push(n);
    steps += n;
  }
  plan.totalSteps = c.max_steps ?? steps;
  return plan;
}

function resolveDevice(d: string): Device {
  if (d === 'auto') return cudaAvailable() ? 'cuda' : 'cpu';
  if (d.startsWith('cuda') && !cudaAvailable()) throw new ConfigError(`device is ${d} but CUDA is not available to this libtorch (see \`clinsum doctor\`)`);
  return d as Device;
}

function torchRngStates(device: Device): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of device === 'cpu' ? ['cpu'] : ['cpu', device]) {
    const t = getRngState(d);
    out[d] = Buffer.from(t.toBytes()).toString('base64');
    t.dispose();
  }
  return out;
}

function restoreTorchRng(states: Record<string, string>, device: Device): void {
  for (const d of device === 'cpu' ? ['cpu'] : ['cpu', device]) {
    const s = states[d];
    if (s === undefined) continue;
    tidy(() => setRngState(d, tensor(new Uint8Array(Buffer.from(s, 'base64')), { dtype: 'uint8' })));
  }
}

/** The log line of an evaluation: the selection score (and `(best)`), then the valid loss unless it is that score. */
export function evalLine(step: number, r: Pick<EvalResult, 'metric' | 'score' | 'loss'>, isBest: boolean): string {
  return `eval at step ${step}: ${r.metric} ${r.score.toFixed(4)}${isBest ? ' (best)' : ''}${r.metric === 'loss' ? '' : `, loss ${r.loss.toFixed(4)}`}`;
}

/** An InputError's problem without its fix, paths inside `dir` made relative to it. */
function inputProblem(e: InputError, dir: string): string {
  const text = e.fix === undefined ? e.message : e.message.slice(0, e.message.length - e.fix.length - 3);
  return text.split(`${dir}/`).join('').split(dir).join('the folder');
}

const yieldTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

type EvalBasis = NonNullable<TrainerState['eval_basis']>;

/**
 * The evaluation settings that differ from those `state.best` was chosen under (none when there
 * is no best yet, or the checkpoint predates the record). Changing how often to evaluate is fine;
 * changing what a score means (metric, valid file, generation length, examples, stemming) is not.
 */
function evalBasisChanges(state: TrainerState, now: EvalBasis | undefined): string[] {
  const was = state.eval_basis;
  if (state.best === null || was === undefined) return [];
  if (now === undefined) return []; // no evaluation now: nothing is compared
  const out: string[] = [];
  if (was.metric !== now.metric) out.push(`metric ${was.metric} → ${now.metric}`);
  if (was.valid !== now.valid) out.push('the valid file changed');
  if (was.max_new_tokens !== now.max_new_tokens) out.push(`max_new_tokens ${was.max_new_tokens} → ${now.max_new_tokens}`);
  if (was.max_examples !== now.max_examples) out.push(`max_examples ${was.max_examples ?? 'all'} → ${now.max_examples ?? 'all'}`);
  if (was.stemmer !== now.stemmer) out.push(`stemmer ${was.stemmer} → ${now.stemmer}`);
  return out;
}

/** Trains a student as `config` says; see docs/training.md. */
export async function train(config: ReadyTrainConfig, options: TrainOptions): Promise<TrainResult> {
  const log = options.logger ?? silentLogger;
  const hints = options.hints ?? CLI_TRAIN_HINTS;
  const c = config;
  const device = resolveDevice(c.device);
  const { compute } = precisionCompute(c.precision, device);

  // The run folder: only a new or empty folder, or a run of ours; refuse to mix two runs; tidy
  // what a crash left. Nothing is created before the inputs have been read and checked.
  const folder = inspectRunFolder(c.out);
  if (folder !== 'absent') cleanUpInterrupted(c.out);
  const metrics = new MetricsFile(join(c.out, 'metrics.jsonl'));
  const existing = listCheckpoints(join(c.out, 'checkpoints'));
  if (!options.resume && (existing.length > 0 || metrics.hasRows() || existsSync(join(c.out, 'best')))) {
    throw new ConfigError(`${c.out} already holds a training run${existing.length > 0 ? ` (checkpoints up to step ${existing[existing.length - 1]!.step})` : ''}; ${hints.resume} to continue it, or ${hints.newRun}`);
  }
  const from = options.resume ? existing[existing.length - 1] : undefined;
  if (options.resume && from === undefined) log.warn(`no checkpoint to resume from in ${join(c.out, 'checkpoints')}; starting from step 0`);
  /** Runs `load` on the newest checkpoint; a file of it that cannot be read is reported as a damaged checkpoint. */
  const fromCheckpoint = <T>(load: () => T): T => {
    if (from === undefined) return load();
    try {
      return load();
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw damagedCheckpointError(from, existing[existing.length - 2], inputProblem(e, from.dir));
    }
  };

  // Resume: the checkpoint's files are what its trainer state recorded.
  let state: TrainerState | undefined;
  if (from !== undefined) {
    state = fromCheckpoint(() => readTrainerState(from.dir));
    const wrong = checkCheckpointFiles(from.dir, state);
    if (wrong !== undefined) throw damagedCheckpointError(from, existing[existing.length - 2], wrong);
  }

  // Data.
  // On resume the checkpoint is the source: it holds the tokenizer files, the model folder may be gone.
  const source = from?.dir ?? c.model;
  const tok: Tokenizer = fromCheckpoint(() => loadTokenizer(source));
  const carried = readCarriedFiles(source);
  const padId = tok.padId ?? tok.eosId;
  const exOpts: ExampleOptions = { gamma: c.gamma, layout: c.layout, prompts: c.prompts, budgets: c.budgets };
  const data: TrainingSet = loadTrainingSet(c.train, c.keyinfo, tok, exOpts, hints);
  const s = data.stats;
  log.info(`train: ${s.records} records → ${s.sum} summarization + ${s.ext} extraction examples (${s.reportCut} reports and ${s.targetCut} targets cut to the budgets)`);
  if (s.missingKeyinfo > 0) log.warn(`${s.missingKeyinfo} of ${s.records} training records have no key information: they train the summarization task only`);
  const valid: ValidSet | undefined = c.valid === null ? undefined : loadValidSet(c.valid, c.keyinfo, tok, exOpts, c.eval.max_examples);
  if (valid === undefined) log.warn('no valid split: no evaluation, no best/ (set `valid`)');
  const lengths = data.examples.map((e) => e.inputIds.length);
  const plan = planTraining(lengths, unitsByRecord(data.examples.map((e) => e.id)), c);
  const total = plan.totalSteps;
  const hash = planHash(c);
  const dataIds = { train: data.sources.train, keyinfo: data.sources.keyinfo, examples: data.examples.length };

  const evalBasis: EvalBasis | undefined =
    valid === undefined ? undefined : { metric: c.eval.metric, valid: valid.source, max_new_tokens: c.eval.max_new_tokens, max_examples: c.eval.max_examples, stemmer: c.eval.stemmer };

  // Resume: the checkpoint must belong to this plan.
  if (from !== undefined && state !== undefined) {
    if (state.plan_hash !== hash) {
      const diff = planDifferences(state.plan, planSettings(c));
      throw new ConfigError(`${from.dir} was trained with other settings (${diff.join(', ') || 'plan'} differ); resume with the same settings, or ${hints.newRun}`);
    }
    if (state.data.train !== dataIds.train || state.data.keyinfo !== dataIds.keyinfo || state.data.examples !== dataIds.examples) {
      throw new ConfigError(`${from.dir} was trained on other data (the training or key-information file changed); resume with the same files, or ${hints.newRun}`);
    }
    const changed = evalBasisChanges(state, evalBasis);
    if (changed.length > 0) {
      throw new ConfigError(
        `${from.dir}: best/ was chosen by evaluations with other settings (${changed.join(', ')}); scores of the two kinds cannot be compared: resume with the same evaluation settings, or ${hints.newRun}`,
      );
    }
    const expect = plan.rngAtEpoch[state.epoch];
    if (state.step < total && (expect === undefined || expect.some((w, i) => w !== state!.rng.data[i]))) {
      throw new ConfigError(`${from.dir}: the batch order of epoch ${state.epoch} does not replay (this clinsum plans batches differently from the one that wrote it)`);
    }
  }

  const model = fromCheckpoint(() => options.loadModel(source, { device }));
  const optimizer = buildOptimizer(model, c.optimizer);
  try {
    if (from !== undefined) fromCheckpoint(() => optimizer.load(join(from.dir, OPTIMIZER_FILE)));
  } catch (e) {
    optimizer.dispose();
    model.dispose();
    throw e;
  }
  const runner: StepRunner = { model, optimizer, gamma: c.gamma, reduction: c.loss_reduction, checkpoint: c.activation_checkpointing, maxGradNorm: c.max_grad_norm, padId, compute };
  try {
    // Every input is read and checked: the folder may be created. config.yaml first — it marks
    // the folder as a run of ours (inspectRunFolder).
    mkdirSync(c.out, { recursive: true });
    writeFileAtomic(join(c.out, 'config.yaml'), configToYaml(c));
    if (from !== undefined && state !== undefined) {
      restoreTorchRng(state.rng.torch, device);
      const dropped = metrics.truncateAfter(state.step);
      log.info(`resuming ${from.dir} at step ${state.step}/${total}${dropped > 0 ? ` (${dropped} metrics rows after it dropped)` : ''}`);
    } else {
      metrics.reset();
    }

    const schedule: LrSchedule = { lr: c.optimizer.lr, kind: c.schedule.kind, warmup: warmupSteps(c.schedule.warmup_ratio, total), total, minLrRatio: c.schedule.min_lr_ratio };
    let step = state?.step ?? 0;
    let epoch = state?.epoch ?? 0;
    let pos = state?.batch ?? 0;
    let tokens = state?.tokens ?? 0;
    let trainSeconds = state?.train_seconds ?? 0;
    let best = state?.best ?? null;
    let lastCheckpoint = from?.dir;
    const ckptEvery = c.checkpoint.every ?? c.eval.every;
    const evalEvery = c.eval.every;
    const progress = new Progress({
      label: 'train',
      total,
      unit: 'steps',
      initial: step,
      stream: options.progress?.stream,
      silent: options.progress?.silent,
      priority: ['tok/s', 'loss', 'lr'],
    });
    // From here on log lines go above the progress line.
    const plog = withProgress(log, progress);

    const snapshot = (reason: TrainerState['reason']): void => {
      const st: TrainerState = {
        format: 'clinsum.trainer-state.v1',
        step,
        total_steps: total,
        epoch,
        batch: pos,
        tokens,
        rng: { data: plan.rngAtEpoch[Math.min(epoch, plan.rngAtEpoch.length - 1)]!, torch: torchRngStates(device) },
        best,
        ...(evalBasis === undefined ? {} : { eval_basis: evalBasis }),
        plan_hash: hash,
        plan: planSettings(c),
        data: dataIds,
        reason,
        time: new Date().toISOString(),
        train_seconds: trainSeconds,
      };
      lastCheckpoint = writeCheckpoint(c.out, model, optimizer, st, carried);
      pruneCheckpoints(c.out, c.checkpoint.keep_last);
      plog.debug(`checkpoint ${lastCheckpoint}`);
    };

    const evaluate = async (): Promise<EvalResult | undefined> => {
      if (valid === undefined) return undefined;
      const r = await validate(model, tok, valid, {
        gamma: c.gamma,
        layout: c.layout,
        prompts: c.prompts,
        promptTokens: c.budgets.prompt_tokens,
        maxNewTokens: c.eval.max_new_tokens,
        stemmer: c.eval.stemmer,
        batchTokens: c.eval.batch_tokens,
        metric: c.eval.metric,
        padId,
        compute,
        signal: options.signal,
      });
      if (r === undefined) return undefined;
      const isBest = isBetter(c.eval.metric, r.score, best?.score);
      if (isBest) {
        best = { step, metric: r.metric, score: r.score };
        writeBest(c.out, model, { step, metric: r.metric, score: r.score, eval: { ...r } }, carried);
      }
      metrics.append({ step, eval: { ...r, best: isBest } });
      plog.info(evalLine(step, r, isBest));
      return r;
    };

    let interrupted = options.signal?.aborted === true;
    // An interrupt that fell on an evaluation step skipped that evaluation: run it now, so the
    // resumed run logs the same evaluations (and the same best/) as an uninterrupted one.
    if (state !== undefined && !interrupted && step > 0 && (step === total || (evalEvery !== null && step % evalEvery === 0)) && !metrics.hasEvalAt(step)) {
      if ((await evaluate()) !== undefined) snapshot(step === total ? 'end' : 'eval');
      interrupted = options.signal?.aborted === true;
    }
    while (step < total && !interrupted) {
      const t0 = performance.now();
      const batches = plan.epochs[epoch]!;
      const micro = batches.slice(pos, pos + c.batch.grad_accum);
      const examples = micro.map((mb) => mb.map((i) => data.examples[i]!));
      let inputTokens = 0;
      let paddedTokens = 0;
      for (const mb of micro) {
        let longest = 0;
        for (const i of mb) {
          inputTokens += lengths[i]!;
          longest = Math.max(longest, lengths[i]!);
        }
        paddedTokens += longest * mb.length;
      }
      const lr = learningRate(step, schedule);
      const out = optimizerStep(runner, examples, lr);
      if (!out.ok) throw new TrainingDivergedError(step + 1, `${out.what} (lr ${lr.toExponential(3)})`, lastCheckpoint, hints);
      const { sums, counts, gradNorm } = out;
      step++;
      pos += micro.length;
      if (pos >= batches.length) {
        epoch++;
        pos = 0;
      }
      const stepTokens = counts.sum + counts.ext;
      tokens += stepTokens;
      const seconds = (performance.now() - t0) / 1000;
      trainSeconds += seconds;
      const losses = combineLosses(sums, counts, c.gamma, c.loss_reduction);
      const tps = stepTokens / Math.max(seconds, 1e-9);
      if (step % c.log_every === 0 || step === total) {
        const row: TrainRow = {
          step,
          epoch: epoch + (plan.epochs[epoch] === undefined ? 0 : pos / plan.epochs[epoch]!.length),
          ...losses,
          lr,
          grad_norm: gradNorm,
          tokens: stepTokens,
          tokens_per_s: tps,
          time: new Date().toISOString(),
        };
        metrics.append(row);
      }
      progress.update(step, { loss: losses.loss, lr: lr.toExponential(2), 'tok/s': Math.round(tokens / Math.max(trainSeconds, 1e-9)) });
      options.onStep?.({ step, totalSteps: total, losses, lr, gradNorm, tokens: stepTokens, inputTokens, paddedTokens });

      await yieldTurn();
      interrupted = options.signal?.aborted === true;
      const last = step === total;
      if (!interrupted && (last || (evalEvery !== null && step % evalEvery === 0))) await evaluate();
      interrupted = options.signal?.aborted === true;
      if (interrupted) snapshot('interrupt');
      else if (last) snapshot('end');
      else if (ckptEvery !== null && step % ckptEvery === 0) snapshot(evalEvery !== null && step % evalEvery === 0 ? 'eval' : 'interval');
    }
    if (interrupted && lastCheckpoint === undefined) snapshot('interrupt');
    progress.finish();
    if (interrupted) log.info(`interrupted: checkpoint ${lastCheckpoint} at step ${step}/${total}; ${hints.resume} to continue`);
    return { status: interrupted ? 'interrupted' : 'completed', step, totalSteps: total, checkpoint: lastCheckpoint, best, out: c.out };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
