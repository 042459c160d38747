/**
 * The built-in demo dataset: short fictional clinical case reports with their summaries in
 * English, Spanish, French and Portuguese, composed from hand-written templates (no real
 * patient text), a pure function of (seed, languages, count). See docs/demo.md.
 *
 * Dealing, fixed: for each language (in the order en, es, fr, pt), the scenarios are dealt in
 * rounds of ten, each round a shuffle of `DEMO_SCENARIOS` by a `Draw` seeded with
 * `Prng.deriveSeed(seed, "demo/<lang>")`; record k (1-based) draws its facts and phrasings from its
 * own `Draw` seeded with `Prng.deriveSeed(seed, "demo/<lang>/<k>")`. So the first n records are
 * the same whatever the count asked for, and languages do not depend on each other.
 */
import { ConfigError } from '../../util/errors.js';
import { Prng } from '../../util/prng.js';
import { LANGS, type Lang } from '../lang.js';
import { Draw } from './draw.js';
import { DEMO_SCENARIOS, type DemoScenario } from './scenario.js';
import { SCENARIOS } from './scenarios/index.js';

export interface DemoOptions {
  /** Records per language, 1 to `DEMO_MAX_PER_LANGUAGE` (default 24). */
  perLanguage?: number;
  /** An integer in [0, 2^32) (default 42). */
  seed?: number;
  /** Languages to write (default all four); written in the order en, es, fr, pt whatever the order given. */
  langs?: readonly Lang[];
}

export const DEMO_DEFAULTS = Object.freeze({ perLanguage: 24, seed: 42 });
export const DEMO_MAX_PER_LANGUAGE = 9999;

/** One demo case: the fields of a dataset row, plus what it was made from (not written to files). */
export interface DemoRecord {
  /** `demo_<lang>_<k>`, k 1-based and zero-padded to three digits: `demo_es_007`. */
  id: string;
  lang: Lang;
  report: string;
  summary: string;
  scenario: DemoScenario;
  /** The diagnosis, written the same in the report and the summary. */
  diagnosis: string;
  /** Other facts (age, key values) written the same in the report and the summary. */
  shared: readonly string[];
}

export interface ResolvedDemoOptions {
  perLanguage: number;
  seed: number;
  langs: Lang[];
}

/** Check the options and fill in the defaults; a bad value is a ConfigError naming it. */
export function resolveDemoOptions(options: DemoOptions = {}): ResolvedDemoOptions {
  const perLanguage = options.perLanguage ?? DEMO_DEFAULTS.perLanguage;
  const seed = options.seed ?? DEMO_DEFAULTS.seed;
  if (!Number.isInteger(perLanguage) || perLanguage < 1 || perLanguage > DEMO_MAX_PER_LANGUAGE) {
    throw new ConfigError(`the demo needs 1 to ${DEMO_MAX_PER_LANGUAGE} records per language, got ${perLanguage}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ConfigError(`the demo seed must be an integer in [0, 2^32), got ${seed}`);
  const asked = options.langs ?? LANGS;
  if (asked.length === 0) throw new ConfigError('the demo needs at least one language');
  for (const l of asked) {
    if (!LANGS.includes(l)) throw new ConfigError(`the demo has no language "${String(l)}" (use ${LANGS.join(', ')})`);
  }
  return { perLanguage, seed, langs: LANGS.filter((l) => asked.includes(l)) };
}

/** The id of the k-th (1-based) demo record of `lang`. */
export function demoId(lang: Lang, k: number): string {
  return `demo_${lang}_${String(k).padStart(3, '0')}`;
}

/** Generate the demo records: languages in the order en, es, fr, pt, `perLanguage` each. */
export function generateDemoDataset(options: DemoOptions = {}): DemoRecord[] {
  const o = resolveDemoOptions(options);
  const out: DemoRecord[] = [];
  for (const lang of o.langs) {
    const dealer = new Draw(Prng.deriveSeed(o.seed, `demo/${lang}`));
    let round: DemoScenario[] = [];
    for (let k = 1; k <= o.perLanguage; k++) {
      if (round.length === 0) round = dealer.shuffle([...DEMO_SCENARIOS]);
      const scenario = round.shift()!;
      const text = SCENARIOS[scenario].make(lang, new Draw(Prng.deriveSeed(o.seed, `demo/${lang}/${k}`)));
      out.push({
        id: demoId(lang, k),
        lang,
        report: text.report.join('\n\n'),
        summary: text.summary,
        scenario,
        diagnosis: text.diagnosis,
        shared: text.shared,
      });
    }
  }
  return out;
}
