/**
 * The training configuration: one typed object, read from `configs/train.default.yaml` (the
 * only place defaults live), then a user's config file, then `--set key=value` overrides and
 * the CLI's direct flags, in that order. Every value remembers where it was set, so a bad one
 * is reported with its field and its source ("optimizer.lr: expected number (set by --set
 * optimizer.lr=abc)"). Keys are snake_case, as in the YAML and in `--set` paths.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { promptSetSchema } from '../../data/prompts.js';
import { ConfigError, InputError } from '../../util/errors.js';
import { expandEnvVars } from '../../util/env-vars.js';
import { readUtf8Strict } from '../../util/fs.js';
import { canonicalJson, shortHash } from '../../util/hash.js';
import { describeIssues, z } from '../../util/schema.js';

const positiveInt = z.number().int().min(1);
const path = z.string().min(1);

export const EVAL_METRICS = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'avg_r1_r2_rl', 'loss'] as const;
export type EvalMetric = (typeof EVAL_METRICS)[number];

export const trainConfigSchema = z.strictObject({
  model: path.nullable(),
  train: path.nullable(),
  valid: path.nullable(),
  keyinfo: path.nullable(),
  out: path.nullable(),
  gamma: z.number().min(0).max(1),
  loss_reduction: z.enum(['mean', 'sum']),
  layout: z.enum(['paper', 'inline']),
  prompts: promptSetSchema,
  budgets: z.strictObject({ prompt_tokens: positiveInt, target_tokens: positiveInt }),
  optimizer: z.strictObject({
    lr: z.number().positive().finite(),
    weight_decay: z.number().min(0).finite(),
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]),
    eps: z.number().min(0).finite(),
    no_decay: z.array(z.string().min(1)),
  }),
  schedule: z.strictObject({
    kind: z.enum(['cosine', 'linear', 'constant']),
    warmup_ratio: z.number().min(0).max(1),
    min_lr_ratio: z.number().min(0).max(1),
  }),
  max_grad_norm: z.number().positive().finite().nullable(),
  epochs: positiveInt,
  max_steps: positiveInt.nullable(),
  seed: z.number().int().min(0).max(0xffffffff),
  batch: z.strictObject({ max_tokens: positiveInt, grad_accum: positiveInt, group_size: positiveInt }),
  activation_checkpointing: z.boolean(),
  precision: z.enum(['auto', 'fp32', 'bf16']),
  device: z.string().regex(/^(auto|cpu|cuda|cuda:\d+)$/, 'expected auto, cpu, cuda or cuda:N'),
  eval: z.strictObject({
    every: positiveInt.nullable(),
    metric: z.enum(EVAL_METRICS),
    max_new_tokens: positiveInt,
    max_examples: positiveInt.nullable(),
    stemmer: z.boolean(),
    batch_tokens: positiveInt,
  }),
  checkpoint: z.strictObject({ every: positiveInt.nullable(), keep_last: positiveInt }),
  log_every: positiveInt,
});

/** The resolved training configuration (every field present). */
export type TrainConfig = z.output<typeof trainConfigSchema>;

/** A config whose inputs are all given (`model`, `train`, `out`). */
export type ReadyTrainConfig = TrainConfig & { model: string; train: string; out: string };

/** Objects whose keys are settings themselves; others (prompts) are one value, replaced whole. */
const LEAF_OBJECTS = new Set(['prompts']);
/** Fields that hold paths (resolved against the config file's folder). */
const PATH_FIELDS = ['model', 'train', 'valid', 'keyinfo', 'out'] as const;

/**
 * Settings that may differ between a run and its resume: they change when and how results are
 * reported, or where files are, not the sequence of updates (the training data is checked by
 * its hash instead of its path; the model comes from the checkpoint). Everything else must match
 * (see `planHash`).
 */
const RESUMABLE_CHANGES = new Set(['eval', 'checkpoint', 'log_every', 'device', 'out', 'model', 'train', 'valid', 'keyinfo']);

/** Where the defaults file sits: `configs/train.default.yaml` at the package root. */
export function defaultConfigPath(): string {
  return fileURLToPath(new URL('../../../../configs/train.default.yaml', import.meta.url));
}

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses YAML text into a value; syntax errors become InputErrors with the line. */
export function parseYaml(text: string, file: string): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const err = doc.errors[0];
  if (err !== undefined) {
    const line = err.linePos?.[0]?.line;
    throw new InputError({ file, line }, `is not valid YAML: ${err.code.toLowerCase().replace(/_/g, ' ')}`);
  }
  return doc.toJS() as unknown;
}

/** An override and where it came from, e.g. `{path: 'optimizer.lr', value: 2e-5, source: '--lr'}`. */
export interface ConfigOverride {
  path: string;
  value: unknown;
  source: string;
}

/**
 * Parses `--set key=value`: the key is a dotted path, the value a YAML scalar or flow value
 * (`1e-5`, `null`, `true`, `[0.9, 0.95]`), so types are checked by the schema afterwards.
 */
export function parseSetOverride(arg: string): ConfigOverride {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--set ${arg}: expected key=value, e.g. --set optimizer.lr=2e-5`);
  const key = arg.slice(0, eq).trim();
  const raw = arg.slice(eq + 1);
  let value: unknown;
  try {
    value = YAML.parse(raw) as unknown;
  } catch {
    value = raw;
  }
  return { path: key, value: value === undefined ? null : value, source: `--set ${key}=${raw}` };
}

/** Keys of the default config, as dotted paths (leaf settings only). */
function settingPaths(defaults: Plain, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(defaults)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (isPlain(v) && !LEAF_OBJECTS.has(p)) out.push(...settingPaths(v, p));
    else out.push(p);
  }
  return out;
}

function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(key, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/**
 * Builds a training config from layers. Keeps, for every setting, the source that set it last,
 * so validation errors can say where a bad value came from.
 */
export class ConfigBuilder {
  readonly #value: Plain;
  readonly #sources = new Map<string, string>();
  readonly #paths: string[];

  /** Starts from the defaults file (`defaultConfigPath()` unless given). */
  constructor(defaultsFile: string = defaultConfigPath()) {
    const parsed = parseYaml(readUtf8Strict(defaultsFile), defaultsFile);
    if (!isPlain(parsed)) throw new ConfigError(`${defaultsFile}: the training defaults must be a YAML mapping`);
    this.#value = structuredClone(parsed);
    this.#paths = settingPaths(this.#value);
    for (const p of this.#paths) this.#sources.set(p, defaultsFile);
  }

  /** Dotted paths of every setting. */
  get settings(): readonly string[] {
    return this.#paths;
  }

  /**
   * Merges a config file (a YAML mapping); `${VAR}` / `${VAR:-default}` in its strings come from
   * `env` (as in `clinsum run` configs), and relative paths resolve against its folder.
   */
  addFile(file: string, env: NodeJS.ProcessEnv = process.env): this {
    const parsed = parseYaml(readUtf8Strict(file), file);
    if (parsed === null || parsed === undefined) return this;
    if (!isPlain(parsed)) throw new InputError({ file }, 'must be a YAML mapping of training settings (see configs/train.default.yaml)');
    const expand = (v: unknown, field: string): unknown => {
      if (typeof v === 'string') {
        return expandEnvVars(v, env, (problem, fix) => {
          throw new InputError({ file, field }, problem, fix);
        });
      }
      if (Array.isArray(v)) return v.map((x, i) => expand(x, `${field}[${i}]`));
      if (isPlain(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x, field === '' ? k : `${field}.${k}`)]));
      return v;
    };
    const expanded = expand(parsed, '') as Plain;
    const base = dirname(resolve(file));
    this.#merge(expanded, '', file, (p, v) => (PATH_FIELDS.includes(p as (typeof PATH_FIELDS)[number]) && typeof v === 'string' && !isAbsolute(v) ? resolve(base, v) : v));
    return this;
  }

  /** Applies one override (`--set`, a direct flag); relative paths resolve against the working directory. */
  set(o: ConfigOverride): this {
    const leaf = this.#paths.includes(o.path);
    const group = this.#paths.some((p) => p.startsWith(`${o.path}.`));
    if (!leaf && !group) throw this.#unknown(o.path, o.source);
    if (group) {
      if (!isPlain(o.value)) throw new ConfigError(`${o.source}: \`${o.path}\` is a group of settings; set one of them, e.g. ${this.#paths.find((p) => p.startsWith(`${o.path}.`))}=...`);
      this.#merge(o.value, o.path, o.source, (p, v) => v);
      return this;
    }
    const v = PATH_FIELDS.includes(o.path as (typeof PATH_FIELDS)[number]) && typeof o.value === 'string' && !isAbsolute(o.value) ? resolve(o.value) : o.value;
    this.#assign(o.path, v, o.source);
    return this;
  }

  /** Validates and returns the config; errors name the field and the source that set it. */
  build(): TrainConfig {
    const r = trainConfigSchema.safeParse(this.#value);
    if (r.success) return r.data;
    const issue = r.error.issues[0]!;
    const field = issue.path.map(String).join('.');
    const source = this.#sourceOf(field);
    const { text } = describeIssues(r.error);
    throw new ConfigError(`training config: field \`${field}\`: ${text}${source ? ` (set by ${source})` : ''}`);
  }

  #sourceOf(field: string): string | undefined {
    for (let p = field; p !== ''; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
      const s = this.#sources.get(p);
      if (s !== undefined) return s;
    }
    return undefined;
  }

  #unknown(path: string, source: string): ConfigError {
    const hint = closest(path, this.#paths);
    return new ConfigError(`${source}: \`${path}\` is not a training setting${hint ? ` (did you mean \`${hint}\`?)` : ''}; see configs/train.default.yaml`);
  }

  #merge(obj: Plain, prefix: string, source: string, map: (path: string, v: unknown) => unknown): void {
    for (const [k, v] of Object.entries(obj)) {
      const p = prefix ? `${prefix}.${k}` : k;
      if (this.#paths.includes(p)) {
        this.#assign(p, map(p, v), source);
      } else if (this.#paths.some((q) => q.startsWith(`${p}.`))) {
        if (!isPlain(v)) throw new ConfigError(`${source}: field \`${p}\` must be a mapping of settings (${this.#paths.filter((q) => q.startsWith(`${p}.`)).join(', ')})`);
        this.#merge(v, p, source, map);
      } else {
        throw this.#unknown(p, source);
      }
    }
  }

  #assign(path: string, value: unknown, source: string): void {
    const keys = path.split('.');
    let o = this.#value;
    for (const k of keys.slice(0, -1)) o = o[k] as Plain;
    o[keys[keys.length - 1]!] = value;
    this.#sources.set(path, source);
  }
}

/** Checks that the inputs a run needs are given; returns the config typed accordingly. */
export function requireInputs(c: TrainConfig): ReadyTrainConfig {
  const missing = (['model', 'train', 'out'] as const).filter((k) => c[k] === null);
  if (missing.length > 0) {
    throw new ConfigError(`training config: ${missing.map((m) => `\`${m}\``).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set (give --${missing[0]} or set it in the config file)`);
  }
  return c as ReadyTrainConfig;
}

/** The settings that decide the sequence of updates (everything but `RESUMABLE_CHANGES`). */
export function planSettings(c: TrainConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) if (!RESUMABLE_CHANGES.has(k)) out[k] = v;
  return out;
}

/** A short hash of `planSettings`: equal hashes mean a checkpoint can be resumed with this config. */
export function planHash(c: TrainConfig): string {
  return shortHash(canonicalJson(planSettings(c)));
}

/** The top-level settings whose values differ between two plans (for the resume error). */
export function planDifferences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k])).sort();
}

/**
 * The first line of every `config.yaml` the trainer writes: it marks the folder as a training run
 * of clinsum (`inspectRunFolder`). A YAML comment, so the file still loads with `--config`.
 */
export const RUN_CONFIG_HEADER = '# clinsum train: the resolved configuration of this run (written by clinsum train; usable with --config)';

/** The config as YAML (written to `config.yaml` of the run), under `RUN_CONFIG_HEADER`. */
export function configToYaml(c: TrainConfig): string {
  return `${RUN_CONFIG_HEADER}\n${YAML.stringify(c, { lineWidth: 0 })}`;
}

/**
 * Whether `text` is a `config.yaml` the trainer wrote: it starts with `RUN_CONFIG_HEADER`, or —
 * runs written before the header — it parses as a complete training configuration.
 */
export function isRunConfigYaml(text: string): boolean {
  if (text.startsWith(`${RUN_CONFIG_HEADER}\n`)) return true;
  let value: unknown;
  try {
    value = YAML.parse(text, { uniqueKeys: true }) as unknown;
  } catch {
    return false;
  }
  return trainConfigSchema.safeParse(value).success;
}
