/**
 * The generate stage: predictions of a model for a file of reports. Each report is prompted with
 * the localized summarization prompt of its language (the data layer's `renderPrompt`, the model's
 * own chat template), generated in batches with the KV cache, decoded, and appended to the output
 * JSONL as its batch finishes (fsynced). Rerunning with the same output skips the reports already
 * there, so a killed run resumes without duplicates; the settings are recorded beside the output
 * (`<out>.settings.json`) and a resume with other settings is refused, as is an output that holds
 * an id twice. `<out>.lock` (util/lock.ts) keeps a second writer out while a run works on the
 * output; a lock left by a process that is gone is taken over with a warning. Settings and
 * budgets are checked before anything is written.
 *
 * Stopping: when `signal` is aborted (Ctrl-C) the stage finishes the batch in progress (generation
 * is synchronous), appends it, and throws a `StoppedError` (exit status 130) naming how many
 * reports the output holds; a rerun with the same settings continues from there. Nothing
 * half-written is left: the output only ever grows by whole, fsynced batches.
 *
 * Output rows: `{id, lang, prediction, finish_reason, prompt_tokens, completion_tokens,
 * report_truncated}` (the evaluation reads `id`, `lang`, `prediction`).
 *
 * Truncation policy: the prompt (chat template + summarization prompt + report + the assistant
 * header) may hold at most `min(maxInputTokens, max_position_embeddings − maxNewTokens)` tokens;
 * a longer report is cut from its end at a token boundary that does not split a character, never
 * the template's own tokens (renderPrompt's `promptTokens` budget). Cut reports are counted in the
 * summary and flagged in their rows.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { cudaAvailable, type Device, type FloatDType } from '../../engine/index.js';
import { PromptBudgetError, readDataset, renderPrompt, type CaseRecord, type Layout, type PromptSet } from '../../data/index.js';
import { generate, GREEDY, type SamplingParams } from '../../models/generation/index.js';
import { listFolder, requireModelDir } from '../../models/hf/index.js';
import { loadQwen2 } from '../../models/qwen2/index.js';
import { loadTokenizer } from '../../models/tokenizer/index.js';
import { ConfigError, InputError, StoppedError } from '../../util/errors.js';
import { makeDir, readUtf8Strict } from '../../util/fs.js';
import { sha256 } from '../../util/hash.js';
import { acquireExclusiveLock, type ExclusiveLock } from '../../util/lock.js';
import { appendJsonl, readJsonlTolerant, truncateTornTail } from '../../util/jsonl.js';
import { silentLogger, type Logger } from '../../util/log.js';
import { Prng } from '../../util/prng.js';
import { Progress } from '../../util/progress.js';
import { writeJsonAtomic } from '../../util/fs.js';
import { z } from '../../util/schema.js';

export interface GeneratePredictionsOptions {
  /** A Hugging Face model folder (config.json, weights, tokenizer files). */
  modelDir: string;
  /** Reports: JSONL/JSON rows `{id, lang, report}` or a MultiClinSum folder (docs/data.md). */
  dataPath: string;
  /** The predictions JSONL (appended to; existing rows are kept and skipped). */
  outPath: string;
  /** Most tokens generated per report (default 1024, the paper's inference setting). */
  maxNewTokens?: number;
  /** Reports generated together (default 8). */
  batchSize?: number;
  /**
   * Sampling (default: greedy with generation_config.json's repetition penalty). With a
   * temperature > 0, top-k and top-p default to generation_config.json's.
   */
  sampling?: Partial<SamplingParams>;
  /** Seed of the sampling; each report's generator is seeded with `deriveSeed(seed, id)` (default 42). */
  seed?: number;
  /**
   * Only the first `limit` reports of each language, in input order (the pipeline's
   * `generate.limit`). Not a setting of the output: raising it on a resume continues the same
   * output; lowering it below what the output already holds is refused.
   */
  limit?: number;
  /** Prompt budget in tokens (default 16384, the paper's input length). */
  maxInputTokens?: number;
  layout?: Layout;
  prompts?: PromptSet;
  /** Default: cuda when available, else cpu. */
  device?: Device;
  /** Default: bfloat16 on CUDA, float32 on the CPU. float16 needs CUDA (the CPU has no float16 matmul). */
  dtype?: FloatDType;
  /**
   * How errors name the settings a user can change (defaults: the CLI flags `--max-input-tokens`,
   * `--max-new-tokens`, `--dtype`, `--limit`); the pipeline passes its configuration keys.
   */
  settingNames?: { maxInputTokens?: string; maxNewTokens?: string; dtype?: string; limit?: string };
  logger?: Logger;
  /** Where the progress line goes (default stderr); `silent` prints none. */
  progress?: { stream?: NodeJS.WritableStream; silent?: boolean; intervalMs?: number };
  /**
   * When aborted, no further batch starts: the one in progress is finished and appended, then a
   * `StoppedError` (exit status 130) is thrown. The output is resumable as after any stop.
   */
  signal?: AbortSignal;
  /** Called after each batch is appended (tests, dashboards). */
  onBatch?: (info: BatchInfo) => void;
}

export interface BatchInfo {
  /** Rows this batch appended. */
  rows: number;
  /** Rows written by this run so far, and the output's rows in all (resumed ones included). */
  written: number;
  done: number;
  total: number;
}

export interface GenerateSummary {
  /** Reports in the input. */
  total: number;
  /** Already in the output before this run. */
  resumed: number;
  /** Written by this run. */
  written: number;
  /** Of those, reports cut to fit the prompt budget. */
  truncated: number;
  /** Tokens generated by this run. */
  tokens: number;
  seconds: number;
  outPath: string;
}

/** One output row. */
export interface PredictionRow {
  id: string;
  lang: string;
  prediction: string;
  finish_reason: 'eos' | 'length' | 'stop';
  prompt_tokens: number;
  completion_tokens: number;
  report_truncated: boolean;
}

const doneRowSchema = z.object({ id: z.string() });

/** Runs the stage; resolves with what was done. */
export async function generatePredictions(options: GeneratePredictionsOptions): Promise<GenerateSummary> {
  const started = performance.now();
  const log = options.logger ?? silentLogger;
  const outPath = resolve(options.outPath);
  const maxNewTokens = options.maxNewTokens ?? 1024;
  const batchSize = options.batchSize ?? 8;
  const seed = options.seed ?? 42;
  if (!(Number.isInteger(maxNewTokens) && maxNewTokens >= 1)) throw new ConfigError(`maxNewTokens must be a positive integer, got ${maxNewTokens}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new ConfigError(`batchSize must be a positive integer, got ${batchSize}`);
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 1)) throw new ConfigError(`limit must be a positive integer, got ${options.limit}`);

  if (options.signal?.aborted) throw new StoppedError('generate: interrupted before it started; nothing was written', 130);

  const { records: all } = readDataset([options.dataPath], { requireSummary: false });
  if (all.length === 0) throw new InputError({ file: options.dataPath }, 'holds no reports');
  const records = options.limit === undefined ? all : firstPerLanguage(all, options.limit);

  const names = { maxInputTokens: '--max-input-tokens', maxNewTokens: '--max-new-tokens', dtype: '--dtype', limit: '--limit', ...options.settingNames };
  const device: Device = options.device ?? (cudaAvailable() ? 'cuda' : 'cpu');
  const dtype: FloatDType = options.dtype ?? (device === 'cpu' ? 'float32' : 'bfloat16');
  if (dtype === 'float16' && device === 'cpu') throw new ConfigError(`${names.dtype} float16 needs CUDA; use float32 or bfloat16 on the CPU`);
  requireModelDir(options.modelDir);
  const modelDir = resolve(options.modelDir);
  const tokenizer = loadTokenizer(modelDir);
  const loaded = loadQwen2(modelDir, { device, dtype });
  const { model, generation } = loaded;
  let lock: ExclusiveLock | undefined;
  try {
    const sampling = resolveSampling(options.sampling, generation);
    const maxInputTokens = options.maxInputTokens ?? 16384;
    const promptTokens = Math.min(maxInputTokens, model.maxPositions - maxNewTokens);
    if (promptTokens < 1) {
      throw new ConfigError(
        `${names.maxNewTokens} ${maxNewTokens} leaves no room for a prompt in the model's ${model.maxPositions} positions (max_position_embeddings); use at most ${model.maxPositions - 1}`,
      );
    }
    const renderOptions = { layout: options.layout, prompts: options.prompts, promptTokens };
    // The budget is checked before anything is written: the template and prompt of each language
    // must leave room for a report (a refused run leaves no settings file behind).
    const firstOfLang = new Map(records.map((r) => [r.lang, r] as const));
    for (const rec of firstOfLang.values()) renderPromptWithin(rec, tokenizer, renderOptions, names.maxInputTokens);

    const settings = {
      model: {
        dir: modelDir,
        config_sha256: sha256(readUtf8Strict(resolve(modelDir, 'config.json'))),
        weights_sha256: weightsDigest(modelDir),
      },
      layout: options.layout ?? 'paper',
      prompts: options.prompts ?? null,
      max_new_tokens: maxNewTokens,
      prompt_tokens: promptTokens,
      sampling,
      seed,
      eos_token_ids: generation.eosTokenIds,
      dtype,
    };
    makeDir(dirname(outPath), 'write to another --out');
    lock = acquireExclusiveLock(`${outPath}.lock`, {
      busy: (h, sameHost) =>
        new ConfigError(
          sameHost
            ? `${outPath} is being written by another clinsum process (pid ${h.pid}); wait for it to finish, or write to another --out`
            : `${outPath} is being written by a clinsum process on ${h.host} (pid ${h.pid}); if it is gone, delete ${outPath}.lock`,
        ),
      onTakeover: (h) => log.warn(`generate: took over ${outPath}.lock, left by pid ${h.pid}, which is gone`),
    });
    const fresh = !existsSync(outPath);
    const done = fresh ? new Set<string>() : resume(outPath, settings, records, all, options.limit, names.limit);
    const pending = records.filter((r) => !done.has(r.id));
    if (done.size > 0) log.info(`generate: ${done.size} of ${records.length} reports already in ${options.outPath}; ${pending.length} to go`);

    // Prompts, longest first: batches of similar lengths pad little, and memory peaks early.
    const jobs = pending
      .map((rec) => {
        const r = renderPromptWithin(rec, tokenizer, renderOptions, names.maxInputTokens);
        return { rec, ids: r.inputIds, truncated: r.truncated };
      })
      .sort((a, b) => b.ids.length - a.ids.length || (a.rec.id < b.rec.id ? -1 : 1));
    if (fresh) writeJsonAtomic(`${outPath}.settings.json`, settings);

    const progress = new Progress({
      label: 'generate',
      total: records.length,
      unit: 'reports',
      initial: done.size,
      stream: options.progress?.stream,
      silent: options.progress?.silent,
      intervalMs: options.progress?.intervalMs,
    });
    let tokens = 0;
    let written = 0;
    let truncated = 0;
    const genStart = performance.now();
    const rate = (): number => tokens / Math.max(1e-9, (performance.now() - genStart) / 1000);
    // Let a signal that came while the model loaded run before the first batch.
    await yieldTurn();
    for (let i = 0; i < jobs.length; i += batchSize) {
      if (options.signal?.aborted) {
        progress.finish({ 'tokens/s': rate() });
        throw new StoppedError(
          `generate: interrupted; ${outPath} holds ${done.size + written} of ${records.length} reports (${written} written by this run). Run the same command again to continue`,
          130,
        );
      }
      const batch = jobs.slice(i, i + batchSize);
      const outputs = generate(
        model,
        batch.map((j) => ({ promptIds: j.ids, seed: Prng.deriveSeed(seed, j.rec.id) })),
        {
          maxNewTokens,
          eosTokenIds: generation.eosTokenIds,
          sampling,
          onToken: () => {
            tokens++;
            progress.update(done.size + written, { 'tokens/s': rate() });
          },
        },
      );
      const rows: PredictionRow[] = batch.map((j, k) => {
        const o = outputs[k]!;
        return {
          id: j.rec.id,
          lang: j.rec.lang,
          // Ids the tokenizer has no token for (the embedding's padding rows) add no text.
          prediction: tokenizer.decode(o.tokens, { skipSpecialTokens: true }).trim(),
          finish_reason: o.finishReason,
          prompt_tokens: j.ids.length,
          completion_tokens: o.tokens.length + (o.finishReason === 'eos' ? 1 : 0),
          report_truncated: j.truncated,
        };
      });
      appendJsonl(outPath, rows);
      written += rows.length;
      truncated += batch.filter((j) => j.truncated).length;
      progress.update(done.size + written, { 'tokens/s': rate() });
      options.onBatch?.({ rows: rows.length, written, done: done.size + written, total: records.length });
      // Let signals and timers run between batches.
      await yieldTurn();
    }
    progress.finish({ 'tokens/s': rate() });
    if (truncated > 0) log.info(`generate: ${truncated} report${truncated === 1 ? '' : 's'} cut to fit ${promptTokens} prompt tokens (flagged report_truncated)`);
    return { total: records.length, resumed: done.size, written, truncated, tokens, seconds: (performance.now() - started) / 1000, outPath };
  } finally {
    lock?.release();
    model.dispose();
  }
}

/** The first `limit` records of each language, in input order (as the pipeline's `generate.limit`). */
export function firstPerLanguage<T extends { lang: string }>(records: readonly T[], limit: number): T[] {
  const seen = new Map<string, number>();
  return records.filter((r) => {
    const n = (seen.get(r.lang) ?? 0) + 1;
    seen.set(r.lang, n);
    return n <= limit;
  });
}

const yieldTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * SHA-256 over the model's safetensors files (name, then bytes, in name order): a resume must use
 * the very weights the output was started with — a folder retrained in place keeps its size and
 * config.json. About a second per GB.
 */
function weightsDigest(dir: string): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(8 << 20);
  for (const f of listFolder(dir).filter((x) => x.name.endsWith('.safetensors'))) {
    h.update(`${f.name}\0`);
    const fd = openSync(join(dir, f.name), 'r');
    try {
      for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) h.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
  return h.digest('hex');
}

function resolveSampling(s: Partial<SamplingParams> | undefined, g: { topK: number; topP: number; repetitionPenalty: number }): SamplingParams {
  const temperature = s?.temperature ?? GREEDY.temperature;
  return {
    temperature,
    topK: s?.topK ?? (temperature > 0 ? g.topK : 0),
    topP: s?.topP ?? (temperature > 0 ? g.topP : 1),
    repetitionPenalty: s?.repetitionPenalty ?? g.repetitionPenalty,
  };
}

/**
 * The ids already in an existing `outPath` (a torn last line from a crash is cut off first). The
 * settings file beside it must match these settings; every row must be a report of `records`
 * (the input, after `limit`), once.
 */
function resume(
  outPath: string,
  settings: Record<string, unknown>,
  records: readonly CaseRecord[],
  all: readonly CaseRecord[],
  limit: number | undefined,
  limitName: string,
): Set<string> {
  const settingsPath = `${outPath}.settings.json`;
  if (!existsSync(settingsPath)) {
    throw new ConfigError(`${outPath} exists but ${settingsPath} does not, so it cannot be resumed safely; write to a new --out, or delete it to start over`);
  }
  const before = JSON.parse(readUtf8Strict(settingsPath)) as Record<string, unknown>;
  const changed = Object.keys({ ...before, ...settings }).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(settings[k]));
  if (changed.length > 0) {
    throw new ConfigError(
      `${outPath} was started with other settings (${changed.join(', ')} differ, see ${settingsPath}); write to a new --out, or delete both files to start over`,
    );
  }
  truncateTornTail(outPath);
  const wanted = new Set(records.map((r) => r.id));
  const inInput = new Set(all.map((r) => r.id));
  const lineOf = new Map<string, number>();
  for (const { value, line } of readJsonlTolerant(outPath, doneRowSchema).rows) {
    const where = { file: outPath, line, field: 'id' };
    const first = lineOf.get(value.id);
    if (first !== undefined) {
      throw new InputError(where, `${value.id} is there twice (also on line ${first})`, 'delete one of the two lines, or write to a new --out');
    }
    if (!wanted.has(value.id)) {
      if (inInput.has(value.id)) {
        throw new InputError(where, `${value.id} is past ${limitName} ${limit}, which keeps the first ${limit} of each language`, `raise ${limitName} to what the output was made with, or write to a new --out`);
      }
      throw new InputError(where, `${value.id} is not a report of the input`, 'write to a new --out');
    }
    lineOf.set(value.id, line);
  }
  return new Set(lineOf.keys());
}

/** `renderPrompt`, with a budget too small for any report named by its setting and the size that fits. */
function renderPromptWithin(
  rec: CaseRecord,
  tokenizer: Parameters<typeof renderPrompt>[2],
  options: NonNullable<Parameters<typeof renderPrompt>[3]>,
  budgetName: string,
): ReturnType<typeof renderPrompt> {
  try {
    return renderPrompt(rec, 'sum', tokenizer, options);
  } catch (e) {
    if (!(e instanceof PromptBudgetError)) throw e;
    throw new ConfigError(
      `${budgetName} ${e.budget} leaves no room for the report: the chat template and the prompt alone take ${e.overhead} tokens (raise ${budgetName} above ${e.overhead}; the default is 16384)`,
      { cause: e },
    );
  }
}
