/**
 * Read a run directory (docs/run-directory.md) into `RunData`. What is absent is listed in
 * `missing` with how to make it (a run may be partly done); what is present is validated, and a
 * malformed file is an `InputError` naming the file, line and field.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isLang } from '../../../data/lang.js';
import { resolvePromptSet, promptSetSchema } from '../../../data/prompts.js';
import { InputError } from '../../../util/errors.js';
import { sha256 } from '../../../util/hash.js';
import { readJsonl } from '../../../util/jsonl.js';
import { parseWith, z } from '../../../util/schema.js';
import { pairKey, type ConfigInfo, type ManifestInfo, type Missing, type RunData, type SystemData } from '../model.js';
import { PREDICTION_FIX, manifestSchema, predictionRowSchema, runStateSchema, splitRowSchema, trainConfigSchema, type SplitRowFile } from '../schemas.js';
import { readEvalDir } from './eval.js';
import { isDir, isFile, readJsonFile, readYamlFile } from './files.js';
import { readTeacher } from './teacher.js';
import { readTrainLog } from './train.js';

/** The two systems of the method first (plain fine-tuning, then distillation), then by name. */
export const SYSTEM_ORDER: readonly string[] = Object.freeze(['standard', 'distil']);

export function compareSystems(a: string, b: string): number {
  const ia = SYSTEM_ORDER.indexOf(a);
  const ib = SYSTEM_ORDER.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

const configSchema = z.looseObject({ prompts: promptSetSchema.optional() });

function readConfig(file: string): ConfigInfo {
  const { text, value } = readYamlFile(file, configSchema);
  return { file, text, sha256: sha256(text), prompts: resolvePromptSet(value.prompts), promptsConfigured: value.prompts !== undefined };
}

function readManifest(dir: string, file: string): ManifestInfo {
  const value = readJsonFile(file, manifestSchema, 'rerun `clinsum data split` to rewrite it');
  const checks = Object.entries(value.files).map(([name, f]) => {
    const path = join(dir, `${name}.jsonl`);
    return { name, rows: f.rows, expected: f.sha256, actual: isFile(path) ? sha256(readFileSync(path)) : undefined };
  });
  return { file, value, checks };
}

function readTest(file: string, notes: string[]): Map<string, SplitRowFile> {
  const out = new Map<string, SplitRowFile>();
  let duplicates = 0;
  for (const { value } of readJsonl(file, splitRowSchema)) {
    const key = pairKey(value.lang, value.id);
    if (out.has(key)) duplicates++;
    out.set(key, value);
  }
  if (duplicates > 0) notes.push(`${file}: ${duplicates} duplicate ids (per language); the last row of each is used`);
  return out;
}

/** `predictions/<name>.jsonl[.gz]` files, by system name. */
function predictionFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!isDir(dir)) return out;
  for (const n of readdirSync(dir).sort()) {
    const m = /^(.+)\.jsonl(\.gz)?$/.exec(n);
    if (m === null || n.startsWith('.')) continue;
    if (out.has(m[1]!)) throw new InputError({ file: join(dir, n) }, `and ${basename(out.get(m[1]!)!)} are predictions of the same system`, 'keep one of them');
    out.set(m[1]!, join(dir, n));
  }
  return out;
}

function readPredictions(file: string, test: Map<string, SplitRowFile> | undefined): { file: string; count: number; byKey: Map<string, string> } {
  // Rows without `lang` take their test row's language when the id names one test row.
  const langOfId = new Map<string, string | null>();
  for (const r of test?.values() ?? []) langOfId.set(r.id, langOfId.has(r.id) ? null : r.lang);
  const byKey = new Map<string, string>();
  let count = 0;
  for (const { value: row, line } of readJsonl(file, z.unknown())) {
    const value = parseWith(predictionRowSchema, row, { file, line }, PREDICTION_FIX);
    const lang = value.lang ?? langOfId.get(value.id) ?? 'und';
    byKey.set(pairKey(lang, value.id), value.prediction);
    count++;
  }
  return { file, count, byKey };
}

function subdirs(dir: string): string[] {
  if (!isDir(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name);
}

export interface ReadRunOptions {
  /** Name in tables and legends; default: the folder's name. */
  label?: string;
}

/** Read everything the report shows from run directory `dir`. */
export function readRun(dir: string, options: ReadRunOptions = {}): RunData {
  if (!isDir(dir)) throw new InputError({ file: dir }, 'is not a run directory (no such folder)', 'pass the folder that `clinsum run` wrote');
  const notes: string[] = [];
  const missing: Missing[] = [];
  const at = (...p: string[]) => join(dir, ...p);

  const config = isFile(at('config.yaml')) ? readConfig(at('config.yaml')) : undefined;
  if (config === undefined) missing.push({ section: 'config', what: 'config.yaml', hint: '`clinsum run --config FILE` writes the resolved configuration here' });
  const state = isFile(at('run.json')) ? readJsonFile(at('run.json'), runStateSchema) : undefined;

  const manifest = isFile(at('splits', 'manifest.json')) ? readManifest(at('splits'), at('splits', 'manifest.json')) : undefined;
  if (manifest === undefined) missing.push({ section: 'splits', what: 'splits/manifest.json', hint: 'run `clinsum data split` (or `clinsum run`)' });
  for (const c of manifest?.checks ?? []) {
    if (c.actual === undefined) notes.push(`splits/${c.name}.jsonl is listed in the manifest but missing`);
    else if (c.actual !== c.expected) notes.push(`splits/${c.name}.jsonl differs from the file the manifest records (sha256 ${c.actual.slice(0, 12)}…, manifest ${c.expected.slice(0, 12)}…): it changed after the split`);
  }
  const test = isFile(at('splits', 'test.jsonl')) ? readTest(at('splits', 'test.jsonl'), notes) : undefined;
  if (test === undefined) missing.push({ section: 'splits', what: 'splits/test.jsonl', hint: 'run `clinsum data split`; the examples need the test references' });

  const teacher = readTeacher(at('teacher'), notes);
  if (teacher === undefined) missing.push({ section: 'teacher', what: 'teacher/keyinfo.jsonl', hint: 'run the teacher stage (`clinsum extract`); standard fine-tuning does not need it' });
  if (teacher !== undefined && config !== undefined) {
    for (const ident of teacher.identities) {
      for (const lang of Object.keys(ident.answers)) {
        if (!isLang(lang)) continue;
        const p = config.prompts.extraction[lang];
        if (p.hash !== ident.promptHash) {
          notes.push(`the teacher's ${lang} answers were made with extraction prompt ${ident.promptHash}, config.yaml's is ${p.hash}`);
        }
      }
    }
  }

  const evals = readEvalDir(at('eval'), notes);
  const preds = predictionFiles(at('predictions'));
  const trained = subdirs(at('train'));
  const names = [...new Set([...trained, ...preds.keys(), ...evals.systems.keys()])].sort(compareSystems);

  const systems: SystemData[] = names.map((name) => {
    const metricsFile = at('train', name, 'metrics.jsonl');
    const train = isFile(metricsFile) ? readTrainLog(metricsFile) : undefined;
    if (train?.torn) notes.push(`train/${name}/metrics.jsonl ends in a partial line (training still running, or stopped mid-write); it was left out`);
    if (train !== undefined && train.repeated > 0) notes.push(`train/${name}/metrics.jsonl logs ${train.repeated} steps twice (a resumed run); the later rows are shown`);
    const configFile = at('train', name, 'config.yaml');
    let trainConfig: SystemData['trainConfig'];
    if (isFile(configFile)) {
      const y = readYamlFile(configFile, trainConfigSchema);
      trainConfig = { file: configFile, text: y.text, gamma: y.value.gamma };
    }
    const predFile = preds.get(name);
    return {
      name,
      train,
      trainConfig,
      predictions: predFile === undefined ? undefined : readPredictions(predFile, test),
      evaluation: evals.systems.get(name),
      scores: evals.scores.get(name),
    };
  });

  if (systems.length === 0) missing.push({ section: 'train', what: 'train/<model>/', hint: 'train a student (`clinsum train`): `standard` (γ = 1) and `distil` (γ = 0.8)' });
  for (const s of systems) {
    if (s.train === undefined && trained.includes(s.name)) missing.push({ section: 'train', what: `train/${s.name}/metrics.jsonl`, hint: 'the trainer writes it from its first logged step' });
    if (s.predictions === undefined) missing.push({ section: 'predictions', what: `predictions/${s.name}.jsonl`, hint: `run \`clinsum generate\` with the ${s.name} model on the test split` });
    if (s.evaluation === undefined) {
      missing.push({ section: 'eval', what: `eval/${s.name}.json`, hint: `run \`clinsum eval --ref splits/test.jsonl --pred predictions/${s.name}.jsonl --out-dir eval\`` });
    }
  }
  const evaluated = systems.filter((s) => s.evaluation !== undefined).map((s) => s.name);
  if (evaluated.length >= 2 && evals.comparisons.length === 0) {
    missing.push({
      section: 'comparison',
      what: `eval/${evaluated[1]}-vs-${evaluated[0]}.json`,
      hint: `run \`clinsum eval --ref splits/test.jsonl --compare predictions/${evaluated[1]}.jsonl predictions/${evaluated[0]}.jsonl --out-dir eval\``,
    });
  }

  return {
    dir,
    label: options.label ?? basename(resolve(dir)),
    config,
    state,
    manifest,
    test,
    teacher,
    systems,
    comparisons: evals.comparisons,
    missing,
    notes,
  };
}
