/**
 * bert_score baseline files (`rescale_baseline/<lang>/<model>.tsv`): despite the name, comma
 * separated, a header `LAYER,P,R,F` and a row per layer from 0. bert_score reads the row at
 * position `num_layers` (pandas `iloc`) as float32 and rescales each measure on its own:
 * `(x − b) / (1 − b)`.
 */
import { InputError } from '../../../util/errors.js';
import { readUtf8Strict } from '../../../util/fs.js';

export interface Baseline {
  file: string;
  layer: number;
  /** float32 values, as bert_score holds them. */
  precision: number;
  recall: number;
  fmeasure: number;
}

export function readBaseline(file: string, layer: number): Baseline {
  const lines = readUtf8Strict(file, { allowBom: true }).split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((s) => s.trim());
  const fix = 'use a bert_score baseline file: a header LAYER,P,R,F and one row per layer';
  if (header.join(',') !== 'LAYER,P,R,F') throw new InputError({ file, line: 1 }, `the header is "${header.join(',')}", expected LAYER,P,R,F`, fix);
  const rows = lines.slice(1);
  const row = rows[layer];
  if (row === undefined) throw new InputError({ file }, `has rows for layers 0 to ${rows.length - 1}, not for layer ${layer}`, fix);
  const cells = row.split(',').map((s) => s.trim());
  const nums = cells.map(Number);
  if (cells.length !== 4 || cells.some((c) => c === '') || nums.some((x) => !Number.isFinite(x))) {
    throw new InputError({ file, line: layer + 2 }, 'needs four numbers: LAYER,P,R,F', fix);
  }
  if (nums[0] !== layer) throw new InputError({ file, line: layer + 2 }, `is the row of layer ${nums[0]}, but row ${layer} should be layer ${layer}`, fix);
  const [, p, r, f] = nums.map((x) => Math.fround(x)) as [number, number, number, number];
  for (const [name, b] of [['P', p], ['R', r], ['F', f]] as const) {
    if (b >= 1) throw new InputError({ file, line: layer + 2 }, `baseline ${name} is ${b}; it must be below 1`, fix);
  }
  return { file, layer, precision: p, recall: r, fmeasure: f };
}

/** `(x − b) / (1 − b)` in float32 arithmetic, as torch computes it on the float32 scores. */
export function rescale(x: number, b: number): number {
  return Math.fround(Math.fround(x - b) / Math.fround(1 - b));
}
