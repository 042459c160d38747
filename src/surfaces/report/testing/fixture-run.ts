/**
 * A realistic synthetic run directory (docs/run-directory.md) for tests and demos: fictional case
 * reports in up to four languages, seeded splits with their manifest, teacher key information with
 * statistics, training logs of two systems (`standard`, γ = 1, and `distil`, γ = 0.8) with
 * validation rows, test predictions, and evaluation files made by the real evaluation stage
 * (`evaluatePredictions`) on those predictions. Every stage can be left out to make a partly done
 * run. Deterministic: the same options write the same files (except the eval files' absolute paths).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Lang } from '../../../data/lang.js';
import { extractionPrompt } from '../../../data/prompts.js';
import { createRougeMetric, evaluatePredictions, type Metric } from '../../../stages/evaluate/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../../../util/fs.js';
import { sha256 } from '../../../util/hash.js';
import { toJsonl } from '../../../util/jsonl.js';
import { Prng } from '../../../util/prng.js';
import { selectionRank } from '../select.js';
import { fill, fillerText, keyinfoText, paraphraseText, randomCase, reportText, summaryText, type CaseFacts } from './texts.js';

export interface FixtureStages {
  /** config.yaml. Default true. */
  config?: boolean;
  /** run.json. Default true. */
  runState?: boolean;
  /** teacher/keyinfo.jsonl. Default true. */
  teacher?: boolean;
  /** teacher/stats.json (with the teacher). Default true. */
  teacherStats?: boolean;
  /** train/<system>/{config.yaml,metrics.jsonl}. Default true. */
  train?: boolean;
  /** predictions/<system>.jsonl. Default true. */
  predictions?: boolean;
  /** eval/<system>.{json,md,scores.jsonl}. Default true (needs predictions). */
  eval?: boolean;
  /** eval/<a>-vs-<b>.{json,md} of the first two systems (distil vs standard). Default true. */
  compare?: boolean;
}

export interface FixtureRunOptions {
  languages?: readonly Lang[];
  /** Cases per language, split 60 / 10 / 30 % (40 → 24 / 4 / 12). Default 40. */
  casesPerLanguage?: number;
  /** Systems, in order; `standard` gets γ = 1, the others 0.8. Default ['standard', 'distil']. */
  systems?: readonly string[];
  stages?: FixtureStages;
  /** Optimizer steps of each training run. Default 300. */
  trainSteps?: number;
  /** A training row every this many steps. Default 5. */
  logEvery?: number;
  /** An evaluation row every this many steps (and at the last). Default 50. */
  evalEvery?: number;
  /** Seed of everything random. Default 7. */
  seed?: number;
  /**
   * Text put into the run's user data: the config's `name`, the teacher's model name, and the
   * test case shown first in the report's examples (its report, reference and first system's
   * prediction). For escaping tests, e.g. `</script><b>bold</b>`.
   */
  marker?: string;
  /** Leave a partial last line in the last system's metrics.jsonl (a trainer still writing). */
  tornMetrics?: boolean;
  /** Also evaluate with clinsum's multilingual ROUGE (columns not comparable with published numbers). */
  unicodeRouge?: boolean;
}

export interface FixtureRun {
  dir: string;
  languages: Lang[];
  systems: string[];
  /** Test cases by language, in file order. */
  testIds: { id: string; lang: Lang }[];
  /** The test case holding `marker` (the first example the report shows), when a marker was given. */
  markedCase: { id: string; lang: Lang } | undefined;
  teacherModel: string;
}

const RATIOS: [number, number, number] = [0.6, 0.1, 0.3];
const TEACHER = { model: 'Qwen/Qwen2.5-72B-Instruct', host: '127.0.0.1:8000', params: { temperature: 0, max_tokens: 1024, seed: 42 } };
const START = Date.parse('2026-01-15T09:00:00Z');

interface Case {
  id: string;
  lang: Lang;
  facts: CaseFacts;
  report: string;
  summary: string;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function codePoints(s: string): number {
  return [...s].length;
}

/** Cut points as the data layer's split makes them: floor for train and valid, the rest test. */
function cut(n: number): { train: number; valid: number; test: number } {
  const train = Math.floor(RATIOS[0] * n + 1e-9);
  const valid = Math.floor(RATIOS[1] * n + 1e-9);
  return { train, valid, test: n - train - valid };
}

function splitRow(c: Case): { id: string; lang: Lang; report: string; summary: string } {
  return { id: c.id, lang: c.lang, report: c.report, summary: c.summary };
}

function writeSplits(dir: string, langs: readonly Lang[], cases: Map<Lang, Case[]>): { train: Case[]; valid: Case[]; test: Case[] } {
  const out = { train: [] as Case[], valid: [] as Case[], test: [] as Case[] };
  const counts: Record<string, { train: number; valid: number; test: number }> = {};
  const sources: { path: string; sha256: string }[] = [];
  for (const lang of langs) {
    const all = cases.get(lang)!;
    const c = cut(all.length);
    out.train.push(...all.slice(0, c.train));
    out.valid.push(...all.slice(c.train, c.train + c.valid));
    out.test.push(...all.slice(c.train + c.valid));
    counts[lang] = c;
    sources.push({ path: `data/synthetic_${lang}.jsonl`, sha256: sha256(toJsonl(all.map(splitRow))) });
  }
  const files: Record<string, { rows: number; sha256: string }> = {};
  for (const name of ['train', 'valid', 'test'] as const) {
    const text = toJsonl(out[name].map(splitRow));
    writeFileAtomic(join(dir, 'splits', `${name}.jsonl`), text);
    files[name] = { rows: out[name].length, sha256: sha256(text) };
  }
  writeJsonAtomic(join(dir, 'splits', 'manifest.json'), {
    seed: 42,
    ratios: RATIOS,
    algorithm: 'synthetic fixture: cases in generation order, cut train = floor(r0*n + 1e-9), valid = floor(r1*n + 1e-9), test = rest',
    counts,
    total: { train: out.train.length, valid: out.valid.length, test: out.test.length },
    sources,
    files,
    skipped: 0,
  });
  return out;
}

interface Group {
  reports: number;
  answered: number;
  failed: number;
  chars: number[];
  reportChars: number[];
  flags: { empty: number; truncated: number; wrong_language: number; copies_report: number };
  prompt: number;
  completion: number;
}

function charStats(xs: readonly number[]): { mean: number; min: number; max: number } | null {
  if (xs.length === 0) return null;
  return { mean: round(xs.reduce((a, b) => a + b, 0) / xs.length, 2), min: Math.min(...xs), max: Math.max(...xs) };
}

function groupStats(g: Group) {
  return {
    reports: g.reports,
    answered: g.answered,
    failed: g.failed,
    pending: 0,
    keyinfo_chars: charStats(g.chars),
    report_chars: charStats(g.reportChars),
    flags: g.flags,
    tokens: { prompt: g.prompt, completion: g.completion },
    cost_usd: round((g.prompt * 0.9 + g.completion * 0.9) / 1e6, 6),
  };
}

/** Teacher answers for the training reports: the first of each language but one fails; every 9th is truncated. */
function writeTeacher(dir: string, train: readonly Case[], model: string, withStats: boolean): void {
  const rows: unknown[] = [];
  const groups = new Map<string, Group>();
  const all: Group = { reports: 0, answered: 0, failed: 0, chars: [], reportChars: [], flags: { empty: 0, truncated: 0, wrong_language: 0, copies_report: 0 }, prompt: 0, completion: 0 };
  const promptHashes: Record<string, string> = {};
  train.forEach((c, i) => {
    let g = groups.get(c.lang);
    if (g === undefined) groups.set(c.lang, (g = { reports: 0, answered: 0, failed: 0, chars: [], reportChars: [], flags: { empty: 0, truncated: 0, wrong_language: 0, copies_report: 0 }, prompt: 0, completion: 0 }));
    const prompt = extractionPrompt(c.lang);
    promptHashes[c.lang] = prompt.hash;
    for (const x of [g, all]) {
      x.reports++;
      x.reportChars.push(codePoints(c.report));
    }
    if (i === 1) {
      g.failed++;
      all.failed++;
      return;
    }
    const truncated = i % 9 === 4;
    let keyinfo = keyinfoText(c.lang, fill(c.lang, c.facts));
    if (truncated) keyinfo = keyinfo.slice(0, Math.floor(keyinfo.length * 0.6)).trimEnd();
    const promptTokens = 40 + Math.round(codePoints(c.report) / 4);
    const completionTokens = Math.round(codePoints(keyinfo) / 4);
    rows.push({
      id: c.id,
      lang: c.lang,
      keyinfo,
      teacher: { model, host: TEACHER.host, prompt_hash: prompt.hash, params: TEACHER.params },
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      finish_reason: truncated ? 'length' : 'stop',
      flags: truncated ? ['truncated'] : [],
      copy_ratio: round(0.1 + (i % 5) * 0.04, 4),
    });
    for (const x of [g, all]) {
      x.answered++;
      x.chars.push(codePoints(keyinfo));
      if (truncated) x.flags.truncated++;
      x.prompt += promptTokens;
      x.completion += completionTokens;
    }
  });
  writeFileAtomic(join(dir, 'teacher', 'keyinfo.jsonl'), toJsonl(rows));
  if (withStats) {
    const languages = Object.fromEntries([...groups.keys()].sort().map((l) => [l, groupStats(groups.get(l)!)]));
    writeJsonAtomic(join(dir, 'teacher', 'stats.json'), {
      teacher: { model, host: TEACHER.host, params: TEACHER.params, prompt_hashes: promptHashes },
      languages,
      all: groupStats(all),
    });
  }
}

function gammaOf(system: string): number {
  return system === 'standard' ? 1 : 0.8;
}

/** Loss curves that fall like a fine-tuning run's, and validation ROUGE that rises and levels off. */
function writeTraining(dir: string, system: string, k: number, o: Required<Pick<FixtureRunOptions, 'trainSteps' | 'logEvery' | 'evalEvery' | 'seed'>>, torn: boolean): void {
  const rng = new Prng(Prng.deriveSeed(o.seed, `train ${system}`));
  const gamma = gammaOf(system);
  const steps = o.trainSteps;
  const warmup = Math.max(1, Math.round(steps * 0.03));
  const noise = (scale: number) => (rng.float() - 0.5) * 2 * scale;
  const lrAt = (s: number) => (s <= warmup ? (1e-5 * s) / warmup : 1e-5 * 0.5 * (1 + Math.cos((Math.PI * (s - warmup)) / Math.max(1, steps - warmup))));
  const lines: unknown[] = [];
  let best = -Infinity;
  const gain = gamma < 1 ? 0.15 : 0.12;
  for (let s = 1; s <= steps; s++) {
    if (s % o.logEvery === 0 || s === 1) {
      const lossSum = 1.05 + 1.6 * Math.exp(-s / (0.25 * steps)) + noise(0.06);
      const lossExt = gamma < 1 ? 0.8 + 1.9 * Math.exp(-s / (0.2 * steps)) + noise(0.08) : null;
      const loss = lossExt === null ? lossSum : gamma * lossSum + (1 - gamma) * lossExt;
      const tokens = 4096 + rng.int(1024);
      lines.push({
        step: s,
        epoch: round((3 * s) / steps, 4),
        loss: round(loss, 4),
        loss_sum: round(lossSum, 4),
        loss_ext: lossExt === null ? null : round(lossExt, 4),
        lr: Number(lrAt(s).toPrecision(6)),
        grad_norm: round(1.2 + noise(0.4), 3),
        tokens,
        tokens_per_s: round(1500 + noise(100), 1),
        time: iso(START + k * 3_600_000 + s * 800),
      });
    }
    if (s % o.evalEvery === 0 || s === steps) {
      const r1 = 0.28 + gain * (1 - Math.exp(-s / (0.3 * steps))) + noise(0.008);
      const rougeLsum = 0.9 * r1 + noise(0.004);
      const isBest = rougeLsum > best;
      if (isBest) best = rougeLsum;
      const lossSum = 1.2 + 1.4 * Math.exp(-s / (0.25 * steps)) + noise(0.03);
      const lossExt = gamma < 1 ? 0.95 + 1.5 * Math.exp(-s / (0.2 * steps)) + noise(0.03) : null;
      lines.push({
        step: s,
        eval: {
          loss: round(lossExt === null ? lossSum : gamma * lossSum + (1 - gamma) * lossExt, 4),
          loss_sum: round(lossSum, 4),
          loss_ext: lossExt === null ? null : round(lossExt, 4),
          rouge1: round(r1, 4),
          rouge2: round(0.42 * r1 + noise(0.004), 4),
          rougeL: round(0.62 * r1 + noise(0.004), 4),
          rougeLsum: round(rougeLsum, 4),
          metric: 'rougeLsum',
          score: round(rougeLsum, 4),
          best: isBest,
          examples: 16,
          seconds: round(40 + noise(5), 1),
        },
      });
    }
  }
  const base = join(dir, 'train', system);
  mkdirSync(base, { recursive: true });
  writeFileAtomic(
    join(base, 'config.yaml'),
    [
      `# resolved training configuration of the ${system} student (synthetic fixture)`,
      'student: Qwen/Qwen2.5-0.5B-Instruct',
      `gamma: ${gamma}`,
      'optimizer: {name: adamw, lr: 1.0e-5, weight_decay: 0.01}',
      'schedule: {name: cosine, warmup_ratio: 0.03}',
      'epochs: 3',
      'seed: 42',
      `eval_interval: ${o.evalEvery}`,
      'select_metric: rougeLsum',
      '',
    ].join('\n'),
  );
  const file = join(base, 'metrics.jsonl');
  writeFileAtomic(file, toJsonl(lines));
  if (torn) appendFileSync(file, `{"step": ${steps + 1}, "epoch": 3.01, "lo`);
}

/**
 * A system's prediction of a case: a paraphrase or the reference's own wording, with some facts
 * wrong and sometimes a sentence no reference has. The distilled system is a little better on
 * average (fewer wrong facts), as in the paper; the two differ by a few points, not by a gulf.
 */
function predict(system: string, c: Case, seed: number): string {
  const rng = new Prng(Prng.deriveSeed(seed, `predict ${system} ${c.lang} ${c.id}`));
  const distilled = gammaOf(system) < 1;
  const f = fill(c.lang, c.facts, rng, distilled ? 0.22 : 0.3);
  const close = rng.float() < 0.3;
  let text = close ? summaryText(c.lang, f) : paraphraseText(c.lang, f);
  if (rng.float() < 0.5) text += `\n${fillerText(c.lang, rng.int(4))}`;
  return text;
}

function yamlString(s: string): string {
  return JSON.stringify(s);
}

function writeConfig(dir: string, o: { langs: readonly Lang[]; systems: readonly string[]; marker: string | undefined; teacherModel: string; steps: number; evalEvery: number }): void {
  const lines = [
    '# resolved configuration (synthetic fixture: every text in this run is fictional)',
    `name: ${yamlString(o.marker === undefined ? 'synthetic-demo' : `synthetic-demo ${o.marker}`)}`,
    'data:',
    `  paths: [${o.langs.map((l) => `data/synthetic_${l}.jsonl`).join(', ')}]`,
    '  split: {seed: 42, ratios: [0.6, 0.1, 0.3]}',
    'teacher:',
    `  model: ${yamlString(o.teacherModel)}`,
    '  base_url: http://127.0.0.1:8000/v1',
    '  params: {temperature: 0, max_tokens: 1024, seed: 42}',
    'student:',
    '  model: Qwen/Qwen2.5-0.5B-Instruct',
    'train:',
    `  systems: [${o.systems.join(', ')}]`,
    `  steps: ${o.steps}`,
    `  eval_interval: ${o.evalEvery}`,
    'eval:',
    '  stemmer: true',
    '',
  ];
  writeFileAtomic(join(dir, 'config.yaml'), lines.join('\n'));
}

function writeRunState(dir: string, stages: Required<FixtureStages>, systems: readonly string[]): void {
  const t = (h: number) => iso(START + h * 3_600_000);
  interface StageState {
    status: string;
    input_hash: string | null;
    outputs: string[];
    started: string | null;
    finished: string | null;
  }
  const done = (name: string, h0: number, h1: number, outputs: string[]): [string, StageState] => [
    name,
    { status: 'done', input_hash: sha256(name).slice(0, 16), outputs, started: t(h0), finished: t(h1) },
  ];
  const entries: [string, StageState][] = [done('split', 0, 0.01, ['splits/train.jsonl', 'splits/valid.jsonl', 'splits/test.jsonl', 'splits/manifest.json'])];
  if (stages.teacher) entries.push(done('teacher', 0.02, 0.9, ['teacher/keyinfo.jsonl', 'teacher/stats.json']));
  systems.forEach((s, k) => {
    if (stages.train) entries.push(done(`train ${s}`, 1 + k, 1.8 + k, [`train/${s}/metrics.jsonl`, `train/${s}/best`]));
    else entries.push([`train ${s}`, { status: 'pending', input_hash: null, outputs: [], started: null, finished: null }]);
  });
  writeJsonAtomic(join(dir, 'run.json'), { version: 1, stages: Object.fromEntries(entries) });
}

/** Write a synthetic run directory at `dir` (created if needed). */
export async function writeFixtureRun(dir: string, options: FixtureRunOptions = {}): Promise<FixtureRun> {
  const langs = [...(options.languages ?? (['en', 'es', 'fr', 'pt'] as const))];
  const systems = [...(options.systems ?? ['standard', 'distil'])];
  const n = options.casesPerLanguage ?? 40;
  const seed = options.seed ?? 7;
  const st: Required<FixtureStages> = {
    config: true,
    runState: true,
    teacher: true,
    teacherStats: true,
    train: true,
    predictions: true,
    eval: true,
    compare: true,
    ...options.stages,
  };
  const timing = { trainSteps: options.trainSteps ?? 300, logEvery: options.logEvery ?? 5, evalEvery: options.evalEvery ?? 50, seed };
  const teacherModel = options.marker === undefined ? TEACHER.model : `${TEACHER.model} ${options.marker}`;
  mkdirSync(dir, { recursive: true });

  const cases = new Map<Lang, Case[]>();
  for (const lang of langs) {
    const rng = new Prng(Prng.deriveSeed(seed, `cases ${lang}`));
    const list: Case[] = [];
    for (let i = 1; i <= n; i++) {
      const facts = randomCase(rng);
      const f = fill(lang, facts);
      list.push({ id: `synth-${lang}-${String(i).padStart(3, '0')}`, lang, facts, report: reportText(lang, f), summary: summaryText(lang, f) });
    }
    cases.set(lang, list);
  }

  // The test case the report shows first (lowest selection rank in the first language) carries the marker.
  let markedCase: FixtureRun['markedCase'];
  if (options.marker !== undefined) {
    const firstLang = [...langs].sort()[0]!;
    const test = cases.get(firstLang)!.slice(cut(n).train + cut(n).valid);
    const first = [...test].sort((a, b) => (selectionRank(a.lang, a.id) < selectionRank(b.lang, b.id) ? -1 : 1))[0]!;
    first.report = `${options.marker} ${first.report}`;
    first.summary = `${first.summary} ${options.marker}`;
    markedCase = { id: first.id, lang: first.lang };
  }

  const split = writeSplits(dir, langs, cases);
  if (st.config) writeConfig(dir, { langs, systems, marker: options.marker, teacherModel, steps: timing.trainSteps, evalEvery: timing.evalEvery });
  if (st.runState) writeRunState(dir, st, systems);
  if (st.teacher) writeTeacher(dir, split.train, teacherModel, st.teacherStats);
  if (st.train) systems.forEach((s, k) => writeTraining(dir, s, k, timing, options.tornMetrics === true && k === systems.length - 1));

  if (st.predictions) {
    systems.forEach((s, k) => {
      const rows = split.test.map((c) => {
        let prediction = predict(s, c, seed);
        if (k === 0 && markedCase !== undefined && c.id === markedCase.id) prediction = `${prediction} ${options.marker}`;
        return { id: c.id, lang: c.lang, prediction };
      });
      writeFileAtomic(join(dir, 'predictions', `${s}.jsonl`), toJsonl(rows));
    });
    if (st.eval) {
      const metrics: Metric[] = [createRougeMetric({ stemmer: true })];
      if (options.unicodeRouge) metrics.push(createRougeMetric({ tokenizer: 'unicode', stemmer: true }));
      const references = join(dir, 'splits', 'test.jsonl');
      const outDir = join(dir, 'eval');
      const pred = (s: string) => ({ predictions: join(dir, 'predictions', `${s}.jsonl`), name: s });
      if (st.compare && systems.length >= 2) {
        // A = the distilled system, B = the baseline: Δ > 0 means distillation helped.
        await evaluatePredictions({ references, systems: [pred(systems[1]!), pred(systems[0]!)], metrics, outDir });
        for (const s of systems.slice(2)) await evaluatePredictions({ references, systems: [pred(s)], metrics, outDir });
      } else {
        for (const s of systems) await evaluatePredictions({ references, systems: [pred(s)], metrics, outDir });
      }
    }
  }

  return {
    dir,
    languages: langs,
    systems,
    testIds: split.test.map((c) => ({ id: c.id, lang: c.lang })),
    markedCase,
    teacherModel,
  };
}
