/** The shape of one clinical scenario of the demo dataset: its facts, and its texts per language. */
import type { Lang } from '../lang.js';
import type { Draw } from './draw.js';
import { Writer, type Sex } from './text.js';

/** The scenarios, in a fixed order (the order they are dealt in; see generate.ts). */
export const DEMO_SCENARIOS = Object.freeze([
  'appendicitis',
  'pneumonia',
  'ketoacidosis',
  'kawasaki',
  'pulmonary-embolism',
  'stroke',
  'myocardial-infarction',
  'pancreatitis',
  'meningitis',
  'pyelonephritis',
] as const);

export type DemoScenario = (typeof DEMO_SCENARIOS)[number];

/** The facts every case has; a scenario adds its own (findings, values, treatment choices). */
export interface PatientFacts {
  age: number;
  sex: Sex;
}

/** One case written in one language. */
export interface CaseText {
  /** Paragraphs of the report (joined with a blank line). */
  report: readonly string[];
  summary: string;
  /** The diagnosis as written in both the report and the summary, e.g. "acute appendicitis". */
  diagnosis: string;
  /**
   * Other facts written identically in the report and the summary (the age, a key value), so
   * tests can check that the summary keeps the report's facts.
   */
  shared: readonly string[];
}

/**
 * A scenario: `draw` picks a coherent set of facts (values in plausible ranges that agree with
 * each other), and `text[lang]` writes them as a report and its summary. Both take their
 * randomness only from the arguments, so a case is a pure function of its seed.
 */
export interface Scenario<F extends PatientFacts> {
  readonly id: DemoScenario;
  draw(d: Draw): F;
  readonly text: Readonly<Record<Lang, (facts: F, w: Writer) => CaseText>>;
}

/** A scenario with its facts type hidden, so that scenarios of different facts share one table. */
export interface CaseMaker {
  readonly id: DemoScenario;
  /** Draw the facts and write them in `lang`, all randomness from `d`. */
  make(lang: Lang, d: Draw): CaseText;
}

export function caseMaker<F extends PatientFacts>(s: Scenario<F>): CaseMaker {
  return {
    id: s.id,
    make(lang, d) {
      const facts = s.draw(d);
      return s.text[lang](facts, new Writer(lang, facts.age, facts.sex, d));
    },
  };
}
