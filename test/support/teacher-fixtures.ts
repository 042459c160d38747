/**
 * Synthetic case reports for the teacher tests (never real patient text in the repository):
 * each sentence carries a per-report marker so that a leak into logs can be found by search.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TeacherItem } from '../../src/stages/teacher/runner.js';

const SYMPTOMS = ['fever and night sweats', 'exertional dyspnoea', 'painless jaundice', 'recurrent syncope', 'a pruritic rash', 'left flank pain'];
const FINDINGS = ['a raised C-reactive protein', 'an enlarged spleen', 'a dilated common bile duct', 'a prolonged QT interval', 'eosinophilia', 'microscopic haematuria'];

/** A report of a few sentences; `marker` makes its text unique and searchable. */
export function syntheticReport(i: number): string {
  const s = SYMPTOMS[i % SYMPTOMS.length]!;
  const f = FINDINGS[(i * 5) % FINDINGS.length]!;
  return [
    `Zyxomarker${i} case: a ${20 + (i % 60)}-year-old patient presented to the clinic with ${s} lasting ${2 + (i % 9)} weeks.`,
    `Examination and laboratory work-up revealed ${f}, and imaging was arranged the following morning.`,
    `After treatment the patient recovered and was discharged on day ${3 + (i % 11)} with outpatient follow-up.`,
  ].join(' ');
}

export function syntheticItems(n: number, lang = 'en'): TeacherItem[] {
  return Array.from({ length: n }, (_, i) => ({ id: `case-${String(i).padStart(4, '0')}`, lang, report: syntheticReport(i) }));
}

/** Fragments of the reports that must never appear in logs or errors. */
export const LEAK_PROBES = ['Zyxomarker', 'presented to the clinic', 'laboratory work-up', 'discharged on day'];

export function assertNoLeak(text: string, where: string): void {
  for (const probe of LEAK_PROBES) {
    if (text.includes(probe)) throw new Error(`${where} contains report text ("${probe}")`);
  }
}

/**
 * Write items as a MultiClinSum-style folder (`fulltext/{id}.txt` + `summaries/{id}_sum.txt`),
 * the layout the data readers take.
 */
export function writeCorpus(dir: string, items: readonly TeacherItem[], lang = 'en'): string {
  const root = join(dir, `multiclinsum_gs_train_${lang}`);
  mkdirSync(join(root, 'fulltext'), { recursive: true });
  mkdirSync(join(root, 'summaries'), { recursive: true });
  items.forEach((it, i) => {
    const n = i + 1;
    writeFileSync(join(root, 'fulltext', `multiclinsum_gs_${lang}_${n}.txt`), `${it.report}\n`);
    writeFileSync(join(root, 'summaries', `multiclinsum_gs_${lang}_${n}_sum.txt`), `Summary of case ${n}.\n`);
  });
  return root;
}
