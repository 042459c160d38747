/**
 * Chart specifications for the training curves: what to draw, as plain data embedded in the page
 * and drawn there by Chart.js (`assets.ts`). One series per (run, system); a system keeps its colour
 * in every chart and a run its dash pattern, so several runs can be overlaid.
 */
import type { EvalPoint, RunData, SystemData, TrainPoint } from './model.js';

export interface SeriesSpec {
  label: string;
  color: string;
  /** Canvas line dash (empty: solid). */
  dash: number[];
  /** [step, value] pairs, by step. */
  points: [number, number][];
  /** Indexes of points drawn larger: evaluations that became the best checkpoint. */
  best: number[];
}

export interface ChartSpec {
  id: string;
  title: string;
  /** Text alternative of the chart (aria-label): what it shows and where each series ends. */
  description: string;
  xLabel: string;
  yLabel: string;
  /** Tick labels of the y axis: `exponent` for tiny values (learning rates), else plain numbers. */
  yTicks: 'plain' | 'exponent';
  series: SeriesSpec[];
  /** How the points were made when that is not obvious (averaging). */
  note: string | undefined;
}

/** Colour-blind-safe palette (Okabe & Ito 2008): `standard` blue, `distil` vermillion, then the others. */
const SYSTEM_COLORS: Readonly<Record<string, string>> = { standard: '#0072B2', distil: '#D55E00' };
const PALETTE = ['#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#7F7F7F'];
const DASHES: number[][] = [[], [6, 3], [2, 2], [10, 3, 2, 3]];

/** Most points a training series keeps; longer logs are averaged in consecutive buckets. */
export const MAX_POINTS = 600;

interface SeriesKey {
  label: string;
  color: string;
  dash: number[];
}

function seriesKeys(runs: readonly RunData[]): Map<SystemData, SeriesKey> {
  const colors = new Map<string, string>();
  let next = 0;
  const out = new Map<SystemData, SeriesKey>();
  runs.forEach((run, r) => {
    for (const s of run.systems) {
      let color = SYSTEM_COLORS[s.name] ?? colors.get(s.name);
      if (color === undefined) colors.set(s.name, (color = PALETTE[next++ % PALETTE.length]!));
      out.set(s, { label: runs.length > 1 ? `${run.label} / ${s.name}` : s.name, color, dash: DASHES[r % DASHES.length]! });
    }
  });
  return out;
}

/**
 * Points of `rows` with a value, averaged in buckets of `k` consecutive rows when there are more
 * than `max` (step and value both averaged over the rows with a value).
 */
export function downsample<T extends { step: number }>(rows: readonly T[], value: (r: T) => number | null, max = MAX_POINTS): { points: [number, number][]; k: number } {
  const present = rows.filter((r) => value(r) !== null);
  const k = Math.max(1, Math.ceil(present.length / max));
  if (k === 1) return { points: present.map((r) => [r.step, value(r)!]), k };
  const points: [number, number][] = [];
  for (let i = 0; i < present.length; i += k) {
    const bucket = present.slice(i, i + k);
    const step = bucket.reduce((s, r) => s + r.step, 0) / bucket.length;
    const v = bucket.reduce((s, r) => s + value(r)!, 0) / bucket.length;
    points.push([Math.round(step * 100) / 100, v]);
  }
  return { points, k };
}

function fmt(v: number): string {
  return Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(3) : v.toExponential(2);
}

function describe(title: string, series: readonly SeriesSpec[]): string {
  const parts = series.map((s) => {
    const last = s.points[s.points.length - 1]!;
    const best = s.best.length > 0 ? s.points[s.best[s.best.length - 1]!] : undefined;
    return `${s.label}: ${s.points.length} points, last ${fmt(last[1])} at step ${last[0]}${best ? `, best checkpoint at step ${best[0]} (${fmt(best[1])})` : ''}`;
  });
  return `Line chart of ${title} by training step. ${parts.join('; ')}.`;
}

/** One point of a curve before drawing: `value` null where the row has none. */
export interface CurvePoint {
  step: number;
  value: number | null;
  /** An evaluation that became the best checkpoint. */
  best: boolean;
}

interface CurveDef {
  id: string;
  title: string;
  yLabel: string;
  /** Multiplier for display (ROUGE × 100). */
  scale: number;
  points: (s: SystemData) => CurvePoint[];
  yTicks?: 'exponent';
}

const train = (value: (r: TrainPoint) => number | null) => (s: SystemData): CurvePoint[] =>
  (s.train?.steps ?? []).map((r) => ({ step: r.step, value: value(r), best: false }));
const valid = (value: (r: EvalPoint) => number | null) => (s: SystemData): CurvePoint[] =>
  (s.train?.evals ?? []).map((r) => ({ step: r.step, value: value(r), best: r.best }));

/** The training charts (loss L, L_sum, L_ext, learning rate). */
export const TRAIN_CURVES: readonly CurveDef[] = [
  { id: 'chart-loss', title: 'training loss L = γ·L_sum + (1−γ)·L_ext', yLabel: 'L', scale: 1, points: train((r) => r.loss) },
  { id: 'chart-loss-sum', title: 'summarization loss L_sum', yLabel: 'L_sum', scale: 1, points: train((r) => r.lossSum) },
  { id: 'chart-loss-ext', title: 'extraction loss L_ext', yLabel: 'L_ext', scale: 1, points: train((r) => r.lossExt) },
  { id: 'chart-lr', title: 'learning rate', yLabel: 'learning rate', scale: 1, points: train((r) => r.lr), yTicks: 'exponent' },
];

/** The validation charts (the paper's Figure 2: ROUGE on the valid split by step; valid loss). */
export const VALID_CURVES: readonly CurveDef[] = [
  { id: 'chart-valid-rouge1', title: 'validation ROUGE-1 F', yLabel: 'R1 (F × 100)', scale: 100, points: valid((r) => r.rouge1) },
  { id: 'chart-valid-rouge2', title: 'validation ROUGE-2 F', yLabel: 'R2 (F × 100)', scale: 100, points: valid((r) => r.rouge2) },
  { id: 'chart-valid-rougeL', title: 'validation ROUGE-L F', yLabel: 'RL (F × 100)', scale: 100, points: valid((r) => r.rougeL) },
  { id: 'chart-valid-rougeLsum', title: 'validation ROUGE-Lsum F', yLabel: 'RLsum (F × 100)', scale: 100, points: valid((r) => r.rougeLsum) },
  { id: 'chart-valid-loss', title: 'validation loss L', yLabel: 'L (valid)', scale: 1, points: valid((r) => r.loss) },
];

function buildChart(runs: readonly RunData[], keys: Map<SystemData, SeriesKey>, def: CurveDef): ChartSpec | undefined {
  const series: SeriesSpec[] = [];
  let k = 1;
  for (const run of runs) {
    for (const s of run.systems) {
      const rows = def.points(s).filter((p) => p.value !== null);
      const d = downsample(rows, (p) => p.value);
      if (d.points.length === 0) continue;
      k = Math.max(k, d.k);
      const best = d.k === 1 ? rows.flatMap((p, i) => (p.best ? [i] : [])) : [];
      const key = keys.get(s)!;
      series.push({ label: key.label, color: key.color, dash: key.dash, points: d.points.map(([x, y]) => [x, Number((y * def.scale).toPrecision(6))]), best });
    }
  }
  if (series.length === 0) return undefined;
  return {
    id: def.id,
    title: def.title,
    description: describe(def.title, series),
    xLabel: 'step',
    yLabel: def.yLabel,
    yTicks: def.yTicks ?? 'plain',
    series,
    note: k > 1 ? `Each point averages ${k} consecutive logged steps (the log has more than ${MAX_POINTS} points).` : undefined,
  };
}

export interface CurveCharts {
  train: ChartSpec[];
  valid: ChartSpec[];
}

/** Every chart the runs have data for. */
export function buildCharts(runs: readonly RunData[]): CurveCharts {
  const keys = seriesKeys(runs);
  const make = (defs: readonly CurveDef[]) => defs.map((d) => buildChart(runs, keys, d)).filter((c): c is ChartSpec => c !== undefined);
  return { train: make(TRAIN_CURVES), valid: make(VALID_CURVES) };
}
