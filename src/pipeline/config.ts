/**
 * The configuration of `clinsum run`: one YAML file with a section per stage, validated here with
 * zod; defaults are filled in, relative paths resolved against the file's folder (the working
 * directory for `--set` values), `${VAR}` taken from the environment. Problems name the file,
 * line and field (or the `--set` that caused them). The resolved configuration is what
 * `RUN/config.yaml` holds and what the stages' input hashes cover.
 */
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import YAML from 'yaml';
import { LANGS } from '../data/lang.js';
import { promptSetSchema } from '../data/prompts.js';
import { InputError } from '../util/errors.js';
import { describeIssues, z } from '../util/schema.js';
import { parseSet, type ConfigPath, YamlSource } from './yaml-source.js';

const nonEmpty = z.string().min(1);
const posInt = z.number().int().min(1);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the name of an environment variable, e.g. OPENAI_API_KEY');
const repoId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/, 'expected a Hugging Face repository id like Qwen/Qwen2.5-0.5B-Instruct');

/** A system's name: a file name (`predictions/<name>.jsonl`) and part of stage names. */
export const SYSTEM_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_]*$/;
const systemName = z.string().regex(SYSTEM_NAME_RE, 'a system name has letters, digits and _ only (it names files and stages)');

export const dataSectionSchema = z.strictObject({
  /** MultiClinSum folders, JSONL/JSON files (`readDataset`). */
  paths: z.array(nonEmpty).min(1),
  /** Language of inputs that do not state one. */
  lang: z.enum(LANGS as unknown as readonly ['en', 'es', 'fr', 'pt']).nullable().default(null),
  /** Skip unreadable items (listed) instead of failing. */
  skip_invalid: z.boolean().default(false),
  /** Keep only the first N records of each language, in reading order (quick trials, CI). */
  limit: posInt.nullable().default(null),
});

const ratio = z.number().min(0).max(1);
export const splitSectionSchema = z
  .strictObject({
    seed: z.number().int().min(0).max(0xffffffff).default(42),
    ratios: z.tuple([ratio, ratio, ratio]).default([0.8, 0.01, 0.19]),
  })
  .refine((s) => Math.abs(s.ratios[0] + s.ratios[1] + s.ratios[2] - 1) <= 1e-6, { message: 'the three ratios (train, valid, test) must sum to 1', path: ['ratios'] });

export const teacherSectionSchema = z
  .strictObject({
    /** OpenAI-compatible endpoint including `/v1`, e.g. http://gpu7:8000/v1. */
    base_url: nonEmpty.nullable().default(null),
    /** Model name the endpoint serves (with `serve`: the name to serve it under; default the folder name). */
    model: nonEmpty.nullable().default(null),
    /** Or: start `clinsum serve` over this model folder on a free loopback port for the extraction. */
    serve: z.strictObject({ model: nonEmpty, max_batch: posInt.default(32) }).nullable().default(null),
    /** Environment variable holding the API key (never the key itself). Default: OPENAI_API_KEY when set. */
    api_key_env: envName.nullable().default(null),
    concurrency: posInt.default(8),
    max_tokens: posInt.nullable().default(1024),
    temperature: z.number().min(0).max(2).nullable().default(0),
    top_p: z.number().gt(0).max(1).nullable().default(null),
    seed: z.number().int().nullable().default(null),
    /** Server-specific request fields (top_k, repetition_penalty, chat_template_kwargs…). */
    extra_body: z.record(z.string(), z.json()).nullable().default(null),
    /** A system prompt of your own for every report; default the extraction prompt. */
    prompt: nonEmpty.nullable().default(null),
    /** Each report gets the extraction prompt of its language (default: the English one, as in the paper). */
    lang_prompts: z.boolean().default(false),
    limits: z
      .strictObject({ requests_per_minute: z.number().positive().nullable().default(null), tokens_per_minute: z.number().positive().nullable().default(null) })
      .prefault({}),
    timeout_s: z.number().positive().default(300),
    retries: z.number().int().min(0).default(8),
    retry_failed: z.boolean().default(false),
    max_requests: posInt.nullable().default(null),
    max_cost: z.number().positive().nullable().default(null),
    prices: z.strictObject({ input_per_million: z.number().min(0), output_per_million: z.number().min(0) }).nullable().default(null),
    /** The teacher's tokenizer folder, to count prompt tokens (cost and tokens/min estimates). */
    tokenizer: nonEmpty.nullable().default(null),
  })
  .superRefine((t, ctx) => {
    if (t.serve === null && t.base_url === null) ctx.addIssue({ code: 'custom', path: ['base_url'], message: 'give base_url and model (an OpenAI-compatible endpoint), or serve: {model: DIR}' });
    if (t.serve !== null && t.base_url !== null) ctx.addIssue({ code: 'custom', path: ['serve'], message: 'give either base_url (an endpoint) or serve (a local model), not both' });
    if (t.base_url !== null && t.model === null) ctx.addIssue({ code: 'custom', path: ['model'], message: 'the endpoint needs the model name it serves, e.g. Qwen/Qwen2.5-72B-Instruct' });
    if (t.max_cost !== null && t.prices === null) ctx.addIssue({ code: 'custom', path: ['max_cost'], message: 'a cost budget needs prices: {input_per_million, output_per_million}' });
    if (t.prompt !== null && t.lang_prompts) ctx.addIssue({ code: 'custom', path: ['lang_prompts'], message: 'lang_prompts chooses the built-in prompts; it cannot be combined with prompt' });
  });

/** A model: a local Hugging Face folder, or a Hub repository pulled into the run (`models/<name>`). */
const modelRefSchema = z
  .strictObject({ model: nonEmpty.nullable().default(null), hub: repoId.nullable().default(null), revision: nonEmpty.default('main') })
  .superRefine((m, ctx) => {
    if ((m.model === null) === (m.hub === null)) ctx.addIssue({ code: 'custom', path: ['model'], message: 'give either model (a local folder) or hub (a Hub repository id)' });
  });
export const studentSectionSchema = modelRefSchema;

export const DEFAULT_SYSTEMS = Object.freeze({ standard: { gamma: 1 }, distil: { gamma: 0.8 } });

/**
 * Training: settings shared by every system (any setting of `clinsum train`, docs/training.md,
 * except the paths the pipeline fills in), and per system its overrides.
 */
export const trainSectionSchema = z
  .looseObject({
    systems: z.record(z.string(), z.record(z.string(), z.unknown())).default({ ...DEFAULT_SYSTEMS }),
  })
  .superRefine((t, ctx) => {
    for (const name of Object.keys(t.systems)) {
      if (!SYSTEM_NAME_RE.test(name)) ctx.addIssue({ code: 'custom', path: ['systems', name], message: 'a system name has letters, digits and _ only (it names files and stages)' });
    }
    if (Object.keys(t.systems).length === 0) ctx.addIssue({ code: 'custom', path: ['systems'], message: 'name at least one system, e.g. {standard: {gamma: 1}, distil: {gamma: 0.8}}' });
    for (const k of ['model', 'train', 'valid', 'keyinfo', 'out', 'prompts']) {
      if (k in t) ctx.addIssue({ code: 'custom', path: [k], message: k === 'prompts' ? 'prompts are a top-level section (the teacher, training and generation share them)' : `the pipeline sets ${k} itself` });
    }
  });

export const generateSectionSchema = z.strictObject({
  max_new_tokens: posInt.default(1024),
  /** Reports are cut (keeping their beginning) so that the prompt fits this many tokens. */
  max_input_tokens: posInt.default(16384),
  /** Sequences generated together. */
  batch_size: posInt.default(8),
  /** Greedy decoding's repetition penalty (default: the model's generation_config.json, 1.1 for Qwen2.5-Instruct; 1 = off). */
  repetition_penalty: z.number().positive().nullable().default(null),
  /** Generate for the first N test records of each language only (quick trials, CI). */
  limit: posInt.nullable().default(null),
  device: z.string().regex(/^(auto|cpu|cuda|cuda:\d+)$/, 'expected auto, cpu, cuda or cuda:N').default('auto'),
  precision: z.enum(['auto', 'fp32', 'bf16']).default('auto'),
});

export const evalSectionSchema = z.strictObject({
  stemmer: z.boolean().default(true),
  /** reference: rouge-score's tokenizer (comparable); unicode: clinsum's multilingual one (not comparable); both. */
  tokenizer: z.enum(['reference', 'unicode', 'both']).default('both'),
  split: z.enum(['newline', 'sentence']).default('newline'),
  bootstrap: z
    .strictObject({ samples: posInt.default(1000), confidence: z.number().gt(0).lt(1).default(0.95), seed: z.number().int().min(0).max(0xffffffff).default(42) })
    .prefault({}),
  /** Pairs [a, b] to test a against b; default: every system against the first. */
  compare: z.array(z.tuple([systemName, systemName])).nullable().default(null),
  /** BERTScore (bert_score 0.3.13 semantics) with a local encoder folder or a Hub model; null: none. */
  bertscore: z
    .strictObject({
      model: nonEmpty.nullable().default(null),
      hub: repoId.nullable().default(null),
      revision: nonEmpty.default('main'),
      /** Hidden layer (default: bert_score's for the model: distilbert-base-uncased 5). */
      layer: z.number().int().min(0).nullable().default(null),
      idf: z.boolean().default(false),
      /** A bert_score rescale baseline file (LAYER,P,R,F). */
      baseline: nonEmpty.nullable().default(null),
      batch_size: posInt.default(64),
      device: z.string().regex(/^(auto|cpu|cuda|cuda:\d+)$/, 'expected auto, cpu, cuda or cuda:N').default('auto'),
    })
    .superRefine((m, ctx) => {
      if ((m.model === null) === (m.hub === null)) ctx.addIssue({ code: 'custom', path: ['model'], message: 'give either model (a local folder) or hub (a Hub repository id)' });
    })
    .nullable()
    .default(null),
});

export const reportSectionSchema = z.strictObject({
  examples: z.number().int().min(0).default(2),
  excerpt: posInt.default(1200),
  title: nonEmpty.nullable().default(null),
});

export const runConfigSchema = z.strictObject({
  /** Where the run goes (`--out` wins). */
  run_dir: nonEmpty.nullable().default(null),
  data: dataSectionSchema,
  split: splitSectionSchema.prefault({}),
  /** Prompt overrides for every stage: `{extraction: {en: …}, summarization: {…}}`. */
  prompts: promptSetSchema.prefault({}),
  /** Needed when a system has γ < 1 (its key information comes from the teacher). */
  teacher: teacherSectionSchema.nullable().default(null),
  student: studentSectionSchema,
  train: trainSectionSchema.prefault({}),
  generate: generateSectionSchema.prefault({}),
  eval: evalSectionSchema.prefault({}),
  report: reportSectionSchema.prefault({}),
});

export type RunConfig = z.output<typeof runConfigSchema>;

/** Fields holding paths: resolved against the config file's folder (or the working directory for `--set`). */
const PATH_FIELDS: readonly ConfigPath[] = [
  ['run_dir'],
  ['data', 'paths', '*'],
  ['teacher', 'serve', 'model'],
  ['teacher', 'tokenizer'],
  ['student', 'model'],
  ['eval', 'bertscore', 'model'],
  ['eval', 'bertscore', 'baseline'],
];

export interface LoadConfigOptions {
  /** `--set key=value` overrides, in order. */
  sets?: readonly string[];
  /** Environment for `${VAR}` (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Working directory for relative `--set` paths (default process.cwd()). */
  cwd?: string;
}

export interface LoadedConfig {
  config: RunConfig;
  source: YamlSource;
}

function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? resolve(homedir(), p.slice(2)) : p;
}

function resolvePaths(source: YamlSource, cwd: string): void {
  const base = dirname(resolve(source.file));
  const visit = (node: unknown, pattern: ConfigPath, at: (string | number)[]): void => {
    if (pattern.length === 0) return;
    const [head, ...rest] = pattern;
    if (node === null || typeof node !== 'object') return;
    const keys = head === '*' ? (Array.isArray(node) ? node.map((_, i) => i) : []) : [head!];
    for (const k of keys) {
      const container = node as Record<string | number, unknown>;
      const v = container[k];
      const path = [...at, k];
      if (rest.length === 0) {
        if (typeof v === 'string' && v !== '') {
          const p = expandHome(v);
          container[k] = isAbsolute(p) ? p : resolve(source.overrideOf(path) !== undefined ? cwd : base, p);
        }
      } else {
        visit(v, rest, path);
      }
    }
  };
  for (const p of PATH_FIELDS) visit(source.value, p, []);
}

/** Validates `value` against `schema`; the first problems become an InputError at their source. */
export function validateAt<S extends z.ZodType>(schema: S, value: unknown, source: YamlSource, prefix: ConfigPath = [], fix?: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const first = r.error.issues[0]!;
  const path = [...prefix, ...first.path.filter((p): p is string | number => typeof p !== 'symbol')];
  let { text } = describeIssues(r.error);
  if (first.code === 'unrecognized_keys') {
    const keys = (first as { keys?: string[] }).keys ?? [];
    const known = knownKeys(schema, first.path);
    text = `unknown setting${keys.length > 1 ? 's' : ''} ${keys.join(', ')}${known.length > 0 ? ` (known here: ${known.join(', ')})` : ''}`;
    if (keys.length === 1) path.push(keys[0]!);
  }
  throw new InputError(source.locate(path), text, fix);
}

function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: unknown = schema;
  const unwrap = (x: unknown): unknown => {
    let cur = x as { def?: { innerType?: unknown; in?: unknown; type?: string; shape?: unknown } };
    for (let i = 0; i < 10 && cur?.def !== undefined; i++) {
      if (cur.def.innerType !== undefined) cur = cur.def.innerType as typeof cur;
      else if (cur.def.in !== undefined) cur = cur.def.in as typeof cur;
      else break;
    }
    return cur;
  };
  for (const seg of path) {
    const obj = unwrap(s) as { shape?: Record<string, unknown> };
    if (obj.shape === undefined || typeof seg !== 'string') return [];
    s = obj.shape[seg];
  }
  const obj = unwrap(s) as { shape?: Record<string, unknown> };
  return obj.shape !== undefined ? Object.keys(obj.shape) : [];
}

/** Reads, interpolates, overrides, resolves and validates a run configuration file. */
export function loadRunConfig(file: string, options: LoadConfigOptions = {}): LoadedConfig {
  const source = new YamlSource(file);
  source.interpolate(options.env ?? process.env);
  source.override((options.sets ?? []).map(parseSet));
  resolvePaths(source, options.cwd ?? process.cwd());
  const config = validateAt(runConfigSchema, source.value, source, [], 'see docs/pipeline.md for every setting');
  return { config, source };
}

/** The resolved configuration as YAML (RUN/config.yaml). */
export function runConfigToYaml(config: RunConfig, header?: string): string {
  const body = YAML.stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
  return header === undefined ? body : `${header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n${body}`;
}
