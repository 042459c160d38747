/**
 * Stage `extract`: the teacher's clinical key information for every training and validation
 * report (docs/teacher.md), into `RUN/teacher/`. Resumable inside: answers live in
 * `teacher/cache.sqlite`, so a rerun sends only what was not answered. With `teacher.serve` the
 * teacher is clinsum's own server over a local model, started for the stage and closed after it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isLoopbackHost } from '../../stages/teacher/client.js';
import { runExtraction, type ExtractionSummary } from '../../stages/teacher/index.js';
import { readUtf8Strict, writeJsonAtomic } from '../../util/fs.js';
import { writeJsonlAtomic } from '../../util/jsonl.js';
import { FileHasher } from '../hashing.js';
import { ConfigError } from '../../util/errors.js';
import { startLocalTeacher, type LocalTeacher } from '../local-teacher.js';
import type { Stage } from '../stage.js';
import { runPaths, type PipelineSetup } from './context.js';

/** Teacher settings that change how the run goes, not what the teacher answers (left out of the hash). */
const OPERATIONAL = ['concurrency', 'limits', 'timeout_s', 'retries', 'api_key_env', 'max_requests', 'max_cost', 'prices', 'tokenizer'] as const;

/** The API key from `teacher.api_key_env` (which must then be set), else OPENAI_API_KEY when set. */
export function teacherApiKey(varName: string | null, env: NodeJS.ProcessEnv): string | undefined {
  if (varName !== null) {
    const v = env[varName];
    if (v === undefined || v.trim() === '') throw new ConfigError(`the environment variable ${varName} (named by teacher.api_key_env) is not set or empty`);
    return v;
  }
  const v = env.OPENAI_API_KEY;
  return v !== undefined && v.trim() !== '' ? v : undefined;
}

function describe(s: ExtractionSummary): string {
  const parts = [`${s.answered} of ${s.reports} reports answered`];
  const flags = Object.entries(s.stats.all.flags).filter(([, n]) => n > 0);
  if (flags.length > 0) parts.push(`flagged: ${flags.map(([f, n]) => `${n} ${f.replace(/_/g, ' ')}`).join(', ')}`);
  if (s.failed > 0) parts.push(`${s.failed} failed (they train the summarization task only; teacher.retry_failed: true sends them again)`);
  if (s.thisRun.sent > 0) parts.push(`${s.thisRun.sent} requests, ${s.thisRun.promptTokens} + ${s.thisRun.completionTokens} tokens`);
  else parts.push('all from the answer store');
  if (s.thisRun.costUsd !== null) parts.push(`$${s.thisRun.costUsd.toFixed(2)}`);
  return parts.join(', ');
}

/** Whether a recorded teacher host (`host[:port]`) is this machine's loopback. */
function loopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return isLoopbackHost(name);
}

/**
 * The identity a self-served teacher (`teacher.serve`) is recorded under instead of its random
 * loopback port: the served model folder's content hash (`clinsum-serve/sha256:<16 hex>`), so a
 * resumed extraction (a new port) reads as the same teacher, and the same folder gives the same bytes.
 */
export function servedTeacherHost(modelDir: string, hasher: FileHasher): string {
  return `clinsum-serve/sha256:${hasher.path(modelDir).slice(0, 16)}`;
}

/**
 * Rewrites the teacher host of the extraction's outputs (`keyinfo.jsonl` lines, `stats.json` and
 * `summary.json`) from a loopback `host:port` to `host`. Answers recorded from another endpoint
 * (not loopback) keep theirs: they are another teacher's.
 */
export function recordServedTeacher(outDir: string, host: string): void {
  const keyinfo = join(outDir, 'keyinfo.jsonl');
  if (existsSync(keyinfo)) {
    const rows = readUtf8Strict(keyinfo).split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { teacher?: { host?: unknown } });
    let changed = false;
    for (const r of rows) {
      if (typeof r.teacher?.host === 'string' && r.teacher.host !== host && loopbackHost(r.teacher.host)) {
        r.teacher.host = host;
        changed = true;
      }
    }
    if (changed) writeJsonlAtomic(keyinfo, rows);
  }
  for (const name of ['stats.json', 'summary.json']) {
    const file = join(outDir, name);
    if (!existsSync(file)) continue;
    const value = JSON.parse(readUtf8Strict(file)) as { teacher?: { host?: unknown } };
    if (typeof value.teacher?.host === 'string' && value.teacher.host !== host && loopbackHost(value.teacher.host)) {
      value.teacher.host = host;
      writeJsonAtomic(file, value);
    }
  }
}

export type TeacherSection = NonNullable<PipelineSetup['config']['teacher']>;

export function extractStage(setup: PipelineSetup, t: TeacherSection): Stage {
  const { config, runDir, env } = setup;
  const hashed = Object.fromEntries(Object.entries(t).filter(([k]) => !(OPERATIONAL as readonly string[]).includes(k)));
  return {
    name: 'extract',
    summary: `key information of the training and validation reports from the teacher (${t.serve !== null ? `clinsum serve over ${t.serve.model}` : `${t.model} at ${t.base_url}`})`,
    resumable: true,
    inputs: () => ({
      config: { teacher: hashed, prompts: config.prompts },
      files: [runPaths.split(runDir, 'train'), runPaths.split(runDir, 'valid'), ...(t.serve !== null ? [t.serve.model] : [])],
    }),
    // Nothing to clean: the answer store is keyed by prompt, model, parameters and report, so
    // answers made under other settings are never reused for these; the outputs are rewritten whole.
    clean: () => undefined,
    async run(ctx) {
      let local: LocalTeacher | undefined;
      if (t.serve !== null) local = await startLocalTeacher(t.serve.model, { name: t.model ?? undefined, maxBatch: t.serve.max_batch, logger: ctx.log });
      let summary: ExtractionSummary;
      try {
        summary = await runExtraction({
          data: [runPaths.split(runDir, 'train'), runPaths.split(runDir, 'valid')],
          // config.prompts holds the extraction prompt of every language in effect (effectivePrompts).
          langPrompts: true,
          promptSet: config.prompts,
          tokenizerDir: t.tokenizer ?? t.serve?.model,
          baseUrl: local?.baseUrl ?? t.base_url!,
          model: local?.model ?? t.model!,
          apiKey: local !== undefined ? undefined : teacherApiKey(t.api_key_env, env),
          params: {
            temperature: t.temperature ?? undefined,
            top_p: t.top_p ?? undefined,
            max_tokens: t.max_tokens ?? undefined,
            seed: t.seed ?? undefined,
            extra: t.extra_body ?? undefined,
          },
          timeoutMs: t.timeout_s * 1000,
          retry: { limit: t.retries },
          concurrency: t.concurrency,
          limits: { requestsPerMinute: t.limits.requests_per_minute ?? undefined, tokensPerMinute: t.limits.tokens_per_minute ?? undefined },
          outDir: runPaths.teacher(runDir),
          retryFailed: t.retry_failed,
          maxRequests: t.max_requests ?? undefined,
          maxCost: t.max_cost ?? undefined,
          prices: t.prices === null ? undefined : { inputPerMillion: t.prices.input_per_million, outputPerMillion: t.prices.output_per_million },
          logger: ctx.log,
          progress: { stream: ctx.progress },
          signal: ctx.signal,
        });
      } finally {
        await local?.close();
      }
      if (t.serve !== null) recordServedTeacher(runPaths.teacher(runDir), servedTeacherHost(t.serve.model, new FileHasher(join(runDir, '.clinsum-hashes.json'))));
      if (summary.stop !== 'complete') {
        return { status: 'stopped', message: `teacher budget reached (${summary.stop}): ${describe(summary)}; raise teacher.${summary.stop === 'max-cost' ? 'max_cost' : 'max_requests'} and run again to continue` };
      }
      const all = summary.stats.all;
      if (all.answered > 0 && all.flags.empty === all.answered) {
        throw new ConfigError(
          `every one of the teacher's ${all.answered} answers is empty (teacher/stats.json): the distilled systems would have no key information to learn from; check teacher.model, its chat template and teacher.max_tokens`,
        );
      }
      return { status: 'done', outputs: ['teacher/keyinfo.jsonl', 'teacher/stats.json'], message: describe(summary) };
    },
  };
}
