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

/** Write items as a JSONL file the data readers take (`{id, lang, report}` rows). */
export function writeItemsJsonl(dir: string, items: readonly TeacherItem[], name = 'reports.jsonl'): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, items.map((it) => JSON.stringify({ id: it.id, lang: it.lang, report: it.report })).join('\n') + '\n');
  return file;
}

/** A Spanish report of a few sentences (for language checks). */
export function syntheticSpanishReport(i: number): string {
  return [
    `Zyxomarker${i} caso: una mujer de ${30 + (i % 40)} años acudió a la consulta por fiebre y dolor abdominal de dos semanas de evolución.`,
    'La exploración y los análisis mostraron una proteína C reactiva elevada, y se realizó una tomografía al día siguiente.',
    'Tras el tratamiento la paciente se recuperó y fue dada de alta con seguimiento ambulatorio.',
  ].join(' ');
}
