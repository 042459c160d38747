/** Flags and helpers shared by the `eval` commands: ROUGE and BERTScore settings, bootstrap, progress, printing. */
import { statSync } from 'node:fs';
import { UsageError } from '../../../util/errors.js';
import { Progress } from '../../../util/progress.js';
import type { BootstrapOptions } from '../../../stages/evaluate/bootstrap.js';
import type { Metric } from '../../../stages/evaluate/metric.js';
import { evaluatePairsFile, type EvalProgress } from '../../../stages/evaluate/run.js';
import { renderDetailedMarkdown } from '../../../stages/evaluate/table.js';
import { SUMMARY_SPLITS, type SummarySplit } from '../../../stages/evaluate/rouge/sentences.js';
import { bool, int, outFile, str, type FlagSpec, type ParsedFlags } from '../args.js';
import type { BertScoreMetricOptions } from '../../../stages/evaluate/bertscore/metric.js';
import type { CliIO } from '../command.js';

export const BOOTSTRAP_FLAGS: FlagSpec = {
  samples: { type: 'string' },
  seed: { type: 'string' },
};

export const BOOTSTRAP_USAGE = `  --samples N          bootstrap resamples for the intervals (default 1000, as rouge-score)
  --seed N             seed of the resampling (default 42)`;

export function bootstrapFlags(f: ParsedFlags): BootstrapOptions {
  const samples = int(f, 'samples', { min: 1, max: 1_000_000 });
  const seed = int(f, 'seed', { min: 0, max: 0xffffffff });
  return { ...(samples !== undefined && { samples }), ...(seed !== undefined && { seed }) };
}

export function oneOf<T extends string>(f: ParsedFlags, name: string, allowed: readonly T[], fallback: T): T {
  const v = str(f, name);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

/** The ROUGE settings of \`eval rouge\` and \`eval\`: --stemmer, --tokenizer, --split. */
export const ROUGE_FLAGS: FlagSpec = {
  stemmer: { type: 'boolean' },
  tokenizer: { type: 'string' },
  split: { type: 'string' },
};

export function splitFlag(f: ParsedFlags): SummarySplit {
  return oneOf(f, 'split', SUMMARY_SPLITS, 'newline');
}

/** Progress lines on an interactive stderr only (ROUGE takes seconds; BERTScore may take minutes). */
export function progressReporter(io: CliIO): { onProgress: EvalProgress | undefined; finish(): void } {
  if ((io.stderr as { isTTY?: boolean }).isTTY !== true) return { onProgress: undefined, finish: () => undefined };
  const bars = new Map<string, Progress>();
  return {
    onProgress: ({ system, metric, done, total }) => {
      const key = `${system} ${metric}`;
      let bar = bars.get(key);
      if (bar === undefined) {
        bar = new Progress({ label: key, total, unit: 'pairs', stream: io.stderr });
        bars.set(key, bar);
      }
      bar.update(done);
      if (done === total) {
        bar.finish();
        bars.delete(key);
      }
    },
    finish: () => {
      bars.forEach((b) => b.finish());
      bars.clear();
    },
  };
}

export const BERTSCORE_USAGE = `  --layer N            use the hidden states after layer N (0 = embeddings); default bert_score's
                       for the model: distilbert-base-uncased 5, bert-base-multilingual-cased 9,
                       roberta-large 17, xlm-roberta-large 17 (told from the folder's name)
  --idf                weigh tokens by idf over each language's references (bert_score idf=True)
  --baseline FILE      rescale (x − b)/(1 − b) with a bert_score baseline file (LAYER,P,R,F)
  --batch-size N       pairs per matching batch and texts per model batch (default 64, as
                       bert_score; the matching batches decide padding, so keep 64 to match it)
  --device D           cpu (default) or cuda[:N]`;

/** The BERTScore flags (read by \`bertScoreFlags\`), with the layer flag named \`layerFlag\`. */
export function bertScoreFlagSpec(layerFlag: string): FlagSpec {
  return {
    [layerFlag]: { type: 'string' },
    idf: { type: 'boolean' },
    baseline: { type: 'string' },
    'batch-size': { type: 'string' },
    device: { type: 'string' },
  };
}

/** The BERTScore model folder of `--FLAG`, refused in one line naming the flag when it is not a folder. */
export function bertScoreModelDir(f: ParsedFlags, flag: string, name: string): string | undefined {
  const dir = str(f, flag);
  if (dir === undefined) return undefined;
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`${name}: --${flag} ${dir}: no such folder (pass a BERT, DistilBERT, RoBERTa or XLM-RoBERTa model folder)`);
  }
  if (!isDir) throw new UsageError(`${name}: --${flag} ${dir}: is a file, not a model folder (pass a BERT, DistilBERT, RoBERTa or XLM-RoBERTa model folder)`);
  return dir;
}

/** The BERTScore options of \`eval bertscore\` (layer flag \`--layer\`) and \`eval\` (\`--bertscore-layer\`). */
export function bertScoreFlags(f: ParsedFlags, layerFlag: string): Omit<BertScoreMetricOptions, 'model'> {
  const layer = int(f, layerFlag, { min: 0, max: 1000 });
  const batchSize = int(f, 'batch-size', { min: 1, max: 100_000 });
  const device = str(f, 'device');
  if (device !== undefined && !/^(cpu|cuda(:\d+)?)$/.test(device)) throw new UsageError(`--device must be cpu, cuda or cuda:N, got "${device}"`);
  return {
    ...(layer !== undefined && { layer }),
    layerFlag: `--${layerFlag}`,
    idf: bool(f, 'idf'),
    ...(str(f, 'baseline') !== undefined && { baseline: str(f, 'baseline') }),
    ...(batchSize !== undefined && { batchSize }),
    ...(device !== undefined && { device: device as BertScoreMetricOptions['device'] }),
  };
}

/**
 * Runs `evaluate` with progress lines on an interactive stderr, then prints its result: JSON
 * with --json, else `markdown(result)`; then its notes on stderr.
 */
export async function evaluateAndPrint<R extends { notes: readonly string[] }>(
  io: CliIO,
  f: ParsedFlags,
  evaluate: (onProgress: EvalProgress | undefined) => Promise<R>,
  markdown: (result: R) => string,
): Promise<R> {
  const progress = progressReporter(io);
  const result = await evaluate(progress.onProgress);
  progress.finish();
  io.stdout.write(bool(f, 'json') ? `${JSON.stringify(result, null, 2)}\n` : markdown(result));
  for (const n of result.notes) io.stderr.write(`clinsum: note: ${n}\n`);
  return result;
}

/**
 * `eval rouge` and `eval bertscore`: score `pairsFile` with one metric (--out, --samples, --seed
 * from `f`), print the aggregate (a table under `heading(pairs)` and above `footer`, or --json)
 * and the notes, then the --out file on stderr. Returns the exit status.
 */
export async function scorePairsFile(io: CliIO, f: ParsedFlags, pairsFile: string, metric: Metric, heading: (pairs: number) => string, footer = ''): Promise<number> {
  const out = outFile(f, 'out');
  const result = await evaluateAndPrint(
    io,
    f,
    (onProgress) => evaluatePairsFile({ pairsFile, metrics: [metric], outFile: out, bootstrap: bootstrapFlags(f), onProgress }),
    (r) => `${heading(r.pairs)}${renderDetailedMarkdown(r.table)}${footer}`,
  );
  if (out !== undefined) io.stderr.write(`clinsum: wrote ${result.pairs} pair scores to ${out}\n`);
  return 0;
}
