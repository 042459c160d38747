/**
 * The built-in demo (`clinsum demo`, `npm start`): the whole method on this machine's CPU in a few
 * minutes, with nothing to download. It writes the fictional demo dataset (docs/demo.md), two tiny
 * random Qwen2 models with the real Qwen2.5 tokenizer (`model init-tiny`): the student, and the
 * teacher that clinsum's own server answers with during the extraction, and a configuration
 * file, then runs `clinsum run` on it. Tiny random models write meaningless text: the demo shows
 * the machinery (files, resumption, curves, tables, significance, the report), not the method's
 * quality.
 */
import { join, resolve } from 'node:path';
import { writeDemoDataset } from '../data/demo/index.js';
import { initTinyQwen2 } from '../models/qwen2/index.js';
import { makeDir, writeFileAtomic } from '../util/fs.js';
import { silentLogger, type Logger } from '../util/log.js';
import { runPipeline } from './pipeline.js';
import type { PipelineResult } from './runner.js';

/** Rows of the tiny models' embeddings: exactly the Qwen2.5 tokenizer's ids. */
export const TINY_VOCAB = 151665;
/** Cases per language of the demo dataset: 16 train, 2 valid, 6 test with the demo's split. */
export const DEMO_PER_LANGUAGE = 24;
/** Optimizer steps per system by default (the whole demo stays well under 10 minutes on 2 cores). */
export const DEMO_MAX_STEPS = 30;

export interface DemoOptions {
  /** Output folder (default `runs/demo` under `cwd`). */
  out?: string;
  /** Cap on the optimizer steps of each system (CI: a few). */
  maxSteps?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: Logger;
  progress?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface DemoResult {
  runDir: string;
  /** The configuration file the demo wrote and ran (a starting point for your own). */
  configFile: string;
  /** Absolute path of report.html (undefined when the run stopped early). */
  report: string | undefined;
  result: PipelineResult;
}

/** The demo's configuration (paths relative to `RUN/inputs/`). */
export function demoConfigYaml(maxSteps: number): string {
  return `# clinsum demo: the whole method on fictional data with tiny random models, on the CPU.
# Tiny random models write meaningless text; this run shows the machinery, not the method.
# For the paper's recipe see configs/paper.yaml and docs/reproduce.md.
run_dir: ..

data:
  paths: [data/demo.jsonl]      # 24 fictional case reports per language (en, es, fr, pt)

split:
  seed: 42
  ratios: [0.7, 0.1, 0.2]       # 16 / 2 / 6 per language (the paper: 0.8 / 0.01 / 0.19)

teacher:
  serve: {model: models/teacher, max_batch: 32}   # clinsum serve, in-process, on a free port
  model: tiny-teacher
  concurrency: 16
  max_tokens: 32
  temperature: 1                # a random model's greedy answer is often only special tokens (empty text);
  seed: 42                      # sampled with a fixed seed, its answers are gibberish, but the same every run

student:
  model: models/student

train:
  max_steps: ${maxSteps}
  optimizer: {lr: 5.0e-3}       # a tiny model from scratch; the paper's 1e-5 fine-tunes a pretrained one
  schedule: {warmup_ratio: 0.1}
  batch: {max_tokens: 2048}
  budgets: {prompt_tokens: 768, target_tokens: 128}
  eval: {every: ${Math.max(1, Math.ceil(maxSteps / 3))}, max_new_tokens: 32}
  checkpoint: {keep_last: 1}
  systems:
    standard: {gamma: 1}
    distil: {gamma: 0.8}

generate:
  max_new_tokens: 48
  batch_size: 8

eval:
  bootstrap: {samples: 200}

report:
  title: clinsum demo (tiny random models, fictional data)
  examples: 1
`;
}

/** Writes the demo's inputs and runs the pipeline on them. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const log = options.log ?? silentLogger;
  const runDir = resolve(options.cwd ?? process.cwd(), options.out ?? join('runs', 'demo'));
  const maxSteps = options.maxSteps ?? DEMO_MAX_STEPS;
  const inputs = join(runDir, 'inputs');
  makeDir(inputs, 'choose another --out');

  // Every input is deterministic: a second demo writes the same bytes, and the pipeline skips
  // every stage whose inputs did not change.
  const data = writeDemoDataset(join(inputs, 'data'), { perLanguage: DEMO_PER_LANGUAGE });
  log.info(`demo: ${Object.values(data.counts).reduce((a, b) => a + b, 0)} fictional case reports in ${Object.keys(data.counts).join(', ')} → ${join(inputs, 'data')}`);
  // vocab = the tokenizer's 151,665 ids (Qwen2.5's embedding is padded to 151,936): a random
  // model then never samples an id the tokenizer cannot write.
  initTinyQwen2(join(inputs, 'models', 'student'), { seed: 1, vocab: TINY_VOCAB });
  initTinyQwen2(join(inputs, 'models', 'teacher'), { seed: 2, vocab: TINY_VOCAB });
  log.info(`demo: tiny random Qwen2 student and teacher (2 layers, hidden 64, the Qwen2.5 tokenizer) → ${join(inputs, 'models')}`);
  const configFile = join(inputs, 'demo.yaml');
  writeFileAtomic(configFile, demoConfigYaml(maxSteps));

  const r = await runPipeline({ configFile, out: runDir, cwd: options.cwd, env: options.env, signal: options.signal, log, progress: options.progress });
  return { runDir: r.runDir, configFile, report: r.report, result: r.result };
}

/** What the demo says at the end, before the report's path. */
export function demoNotice(r: Pick<DemoResult, 'runDir' | 'configFile'>): string {
  return [
    '',
    'This was the clinsum demo: fictional case reports, and TINY RANDOM MODELS as teacher and student.',
    'Their key information and summaries are meaningless text; the scores only show that every stage ran.',
    `Run directory: ${r.runDir} (the configuration it ran: ${r.configFile})`,
    'To run the real recipe (Qwen2.5-0.5B-Instruct student, Qwen2.5-72B-Instruct teacher, MultiClinSum):',
    '  see docs/reproduce.md, then: clinsum run --config configs/paper.yaml',
    'The report:',
  ].join('\n');
}
