/** `eval/`: per-system result files, their per-pair scores, and comparisons. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonl } from '../../../util/jsonl.js';
import { pairKey } from '../model.js';
import { comparisonFileSchema, scoreLineSchema, systemEvalSchema, type ComparisonFile, type SystemEvalFile } from '../schemas.js';
import { isDir, isFile, readJsonFile } from './files.js';

export interface EvalDir {
  systems: Map<string, { file: string; value: SystemEvalFile }>;
  scores: Map<string, Map<string, Record<string, number>>>;
  comparisons: { file: string; value: ComparisonFile }[];
}

const FIX = 'rerun `clinsum eval` to rewrite it';

/**
 * Files named `<a>-vs-<b>.json` are comparisons, other `<name>.json` files system results
 * (the evaluation stage's naming); `<name>.scores.jsonl` are read for the systems found.
 */
export function readEvalDir(dir: string, notes: string[]): EvalDir {
  const out: EvalDir = { systems: new Map(), scores: new Map(), comparisons: [] };
  if (!isDir(dir)) return out;
  const names = readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  for (const n of names) {
    const file = join(dir, n);
    if (n.includes('-vs-')) {
      out.comparisons.push({ file, value: readJsonFile(file, comparisonFileSchema, FIX) });
      continue;
    }
    const name = n.slice(0, -'.json'.length);
    const value = readJsonFile(file, systemEvalSchema, FIX);
    if (value.name !== name) notes.push(`${file} holds the results of "${value.name}"; it is shown under its file name "${name}"`);
    out.systems.set(name, { file, value });
    const scoresFile = join(dir, `${name}.scores.jsonl`);
    if (isFile(scoresFile)) {
      const byKey = new Map<string, Record<string, number>>();
      for (const { value: line } of readJsonl(scoresFile, scoreLineSchema)) {
        const f: Record<string, number> = {};
        for (const [k, v] of Object.entries(line)) {
          if (v !== null && typeof v === 'object' && 'fmeasure' in v) f[k] = v.fmeasure;
        }
        byKey.set(pairKey(line.lang, line.id), f);
      }
      out.scores.set(name, byKey);
    }
  }
  return out;
}
