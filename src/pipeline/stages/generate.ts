/**
 * Stage `generate.<system>`: the system's summaries of the test reports (docs/model.md, the
 * generate stage), with the localized summarization prompts and the training layout, into
 * `RUN/predictions/<system>.jsonl`. Resumable inside: rows are appended and fsynced batch by
 * batch, and a rerun skips the reports already there.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Device, FloatDType } from '../../engine/index.js';
import { generatePredictions } from '../../stages/generate/predict.js';
import { BEST_INFO_FILE } from '../../stages/train/index.js';
import { readJsonl } from '../../util/jsonl.js';
import { z } from '../../util/schema.js';
import { readUtf8Strict, writeFileAtomic } from '../../util/fs.js';
import type { Stage } from '../stage.js';
import { runPaths, type PipelineSetup } from './context.js';
import type { SystemTraining } from './train.js';

/** The model a trained system generates with: `best/` when there was a validation split, else the last checkpoint. */
export function trainedModel(runDir: string, system: string): string {
  const dir = runPaths.train(runDir, system);
  const best = join(dir, 'best');
  if (existsSync(join(best, 'config.json'))) return best;
  const ckpts = join(dir, 'checkpoints');
  const steps = existsSync(ckpts) ? readdirSync(ckpts).filter((n) => /^step-\d+$/.test(n)).sort() : [];
  if (steps.length > 0) return join(ckpts, steps[steps.length - 1]!);
  return best; // missing: hashing the inputs says so, naming it
}

/**
 * The files of the model generation reads, as stage inputs: the folder's entries but
 * `clinsum-best.json` (the best evaluation's record, with its wall time: a retrain that gives the
 * same weights must not regenerate). A missing folder stays one input, so the error names it.
 */
export function modelInputs(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir)
    .filter((n) => n !== BEST_INFO_FILE && !/^\..*\.tmp$/.test(n))
    .sort()
    .map((n) => join(dir, n));
}

export function generateStage(setup: PipelineSetup, system: SystemTraining): Stage {
  const { config, runDir } = setup;
  const g = config.generate;
  const out = runPaths.predictions(runDir, system.name);
  const subset = g.limit === null ? undefined : join(runDir, 'generate', `test-first-${g.limit}.jsonl`);
  return {
    name: `generate.${system.name}`,
    summary: `summaries of the test reports by ${system.name}${g.limit !== null ? ` (the first ${g.limit} per language)` : ''}`,
    resumable: true,
    inputs: () => ({
      config: { generate: { ...g, device: undefined }, layout: system.config.layout, prompts: config.prompts },
      files: [runPaths.split(runDir, 'test'), ...modelInputs(trainedModel(runDir, system.name))],
    }),
    clean: () => {
      rmSync(out, { force: true });
      rmSync(`${out}.settings.json`, { force: true });
    },
    // A first Ctrl-C stops generatePredictions after the batch in progress (a StoppedError: the
    // runner records the stage as interrupted); a rerun resumes from the rows appended so far.
    async run(ctx) {
      let data = runPaths.split(runDir, 'test');
      if (subset !== undefined) {
        // The first `limit` test rows of each language, as the split wrote them (line by line).
        const seen = new Map<string, number>();
        const rows = readJsonl(data, z.looseObject({ lang: z.string() }));
        const lines = readUtf8Strict(data).split('\n');
        const kept = rows.filter((r) => {
          const n = (seen.get(r.value.lang) ?? 0) + 1;
          seen.set(r.value.lang, n);
          return n <= g.limit!;
        });
        writeFileAtomic(subset, kept.map((r) => `${lines[r.line - 1]}\n`).join(''));
        data = subset;
      }
      const s = await generatePredictions({
        modelDir: trainedModel(runDir, system.name),
        dataPath: data,
        outPath: out,
        maxNewTokens: g.max_new_tokens,
        maxInputTokens: g.max_input_tokens,
        settingNames: { maxInputTokens: 'generate.max_input_tokens', maxNewTokens: 'generate.max_new_tokens' },
        batchSize: g.batch_size,
        sampling: g.repetition_penalty !== null ? { repetitionPenalty: g.repetition_penalty } : undefined,
        layout: system.config.layout,
        prompts: config.prompts,
        device: g.device === 'auto' ? undefined : (g.device as Device),
        dtype: g.precision === 'auto' ? undefined : ((g.precision === 'bf16' ? 'bfloat16' : 'float32') as FloatDType),
        logger: ctx.log,
        progress: { stream: ctx.progress },
        signal: ctx.signal,
      });
      const cut = s.truncated > 0 ? `, ${s.truncated} reports cut to ${g.max_input_tokens} prompt tokens` : '';
      const resumed = s.resumed > 0 ? ` (${s.resumed} from an earlier attempt)` : '';
      return { status: 'done', outputs: [`predictions/${system.name}.jsonl`], message: `${s.total} predictions${resumed}, ${s.tokens} tokens in ${s.seconds.toFixed(1)} s${cut}` };
    },
  };
}
