/**
 * Evaluation on the valid split (its own function, like nanoGPT's `estimate_loss` and litgpt's
 * `validate`): teacher-forced losses under no-grad, then greedy summaries of every valid report
 * with the localized summarization prompt, scored with ROUGE (rouge-score semantics).
 */
import { crossEntropy, inferenceMode, tidy } from '../../engine/index.js';
import { renderPrompt, type Layout, type PromptSet } from '../../data/index.js';
import type { Tokenizer } from '../../models/tokenizer/index.js';
import { RougeScorer } from '../evaluate/index.js';
import { collate, planSorted, type TaskCounts } from './batching.js';
import type { EvalMetric } from './config.js';
import type { ValidSet } from './examples.js';
import type { TrainableLM } from './lm.js';
import { combineLosses, sumsByTask, type LossSums } from './objective.js';

export interface ValidateOptions {
  gamma: number;
  layout: Layout;
  prompts: PromptSet;
  /** Budget of the generation prompt (the report is cut to fit, as in training). */
  promptTokens: number;
  maxNewTokens: number;
  stemmer: boolean;
  /** Token budget of the teacher-forced batches. */
  batchTokens: number;
  metric: EvalMetric;
  padId: number;
  /** Runs model computations (autocast on CUDA). */
  compute: <T>(fn: () => T) => T;
  /** Checked between batches; when set, the evaluation stops and returns undefined. */
  signal?: AbortSignal;
}

/** The `eval` object of a metrics row (docs/run-directory.md), before `best` is known. */
export interface EvalResult {
  loss: number;
  loss_sum: number | null;
  loss_ext: number | null;
  rouge1: number;
  rouge2: number;
  rougeL: number;
  rougeLsum: number;
  metric: EvalMetric;
  score: number;
  examples: number;
  seconds: number;
}

/** Whether `metric` is better when larger (ROUGE) or smaller (loss). */
export function higherIsBetter(metric: EvalMetric): boolean {
  return metric !== 'loss';
}

/** Whether `score` beats `best` under `metric` (strictly; the first evaluation always does). */
export function isBetter(metric: EvalMetric, score: number, best: number | undefined): boolean {
  if (best === undefined) return true;
  return higherIsBetter(metric) ? score > best : score < best;
}

const yieldTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function validate(model: TrainableLM, tok: Tokenizer, valid: ValidSet, o: ValidateOptions): Promise<EvalResult | undefined> {
  const t0 = performance.now();
  model.setTraining(false);
  try {
    // Teacher-forced losses: per-token means per task over the whole valid set.
    const sums: LossSums = { sum: 0, ext: 0 };
    const counts: TaskCounts = { sum: 0, ext: 0 };
    const lengths = valid.examples.map((e) => e.inputIds.length);
    for (const idx of planSorted(lengths, o.batchTokens, 'eval.batch_tokens')) {
      const s = inferenceMode(() =>
        tidy(() => {
          const c = collate(idx.map((i) => valid.examples[i]!), o.padId, model.device);
          counts.sum += c.counts.sum;
          counts.ext += c.counts.ext;
          const logits = o.compute(() => model.forward({ inputIds: c.inputIds, logitsAt: c.logitsAt }));
          return sumsByTask(crossEntropy(logits, c.targets, { reduction: 'none' }), c.tasks);
        }),
      );
      sums.sum += s.sum;
      sums.ext += s.ext;
      await yieldTurn();
      if (o.signal?.aborted) return undefined;
    }
    const losses = combineLosses(sums, counts, o.gamma, 'mean');

    // Generated summaries, scored per language, then averaged over languages.
    const prompts = valid.records.map((r) => renderPrompt(r, 'sum', tok, { layout: o.layout, prompts: o.prompts, promptTokens: o.promptTokens }).inputIds);
    const stopIds = [...new Set([tok.eosId, ...(tok.imEndId === undefined ? [] : [tok.imEndId])])];
    const longest = prompts.reduce((m, p) => Math.max(m, p.length), 0);
    const perCall = Math.max(1, Math.floor(o.batchTokens / (longest + o.maxNewTokens)));
    const predictions: string[] = [];
    for (let s = 0; s < prompts.length; s += perCall) {
      const out = o.compute(() => inferenceMode(() => model.generate(prompts.slice(s, s + perCall), { maxNewTokens: o.maxNewTokens, stopIds })));
      for (const ids of out) predictions.push(tok.decode(ids, { skipSpecialTokens: true }).trim());
      await yieldTurn();
      if (o.signal?.aborted) return undefined;
    }
    const rouge = scoreByLanguage(valid, predictions, o.stemmer);
    const score = o.metric === 'loss' ? losses.loss : o.metric === 'avg_r1_r2_rl' ? (rouge.rouge1 + rouge.rouge2 + rouge.rougeL) / 3 : rouge[o.metric];
    return { ...losses, ...rouge, metric: o.metric, score, examples: valid.records.length, seconds: (performance.now() - t0) / 1000 };
  } finally {
    model.setTraining(true);
  }
}

type RougeMeans = { rouge1: number; rouge2: number; rougeL: number; rougeLsum: number };

/** Mean ROUGE F per language, then the mean over languages (the paper's average). */
export function scoreByLanguage(valid: Pick<ValidSet, 'records'>, predictions: readonly string[], stemmer: boolean): RougeMeans {
  const scorer = new RougeScorer({ stemmer });
  const byLang = new Map<string, { n: number; m: RougeMeans }>();
  valid.records.forEach((r, i) => {
    const s = scorer.score(r.summary ?? '', predictions[i] ?? '');
    let acc = byLang.get(r.lang);
    if (acc === undefined) {
      acc = { n: 0, m: { rouge1: 0, rouge2: 0, rougeL: 0, rougeLsum: 0 } };
      byLang.set(r.lang, acc);
    }
    acc.n++;
    acc.m.rouge1 += s.rouge1!.fmeasure;
    acc.m.rouge2 += s.rouge2!.fmeasure;
    acc.m.rougeL += s.rougeL!.fmeasure;
    acc.m.rougeLsum += s.rougeLsum!.fmeasure;
  });
  const out: RougeMeans = { rouge1: 0, rouge2: 0, rougeL: 0, rougeLsum: 0 };
  for (const { n, m } of byLang.values()) {
    for (const k of Object.keys(out) as (keyof RougeMeans)[]) out[k] += m[k] / n / byLang.size;
  }
  return out;
}
