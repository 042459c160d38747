/** Number and text formatting for the page (scores as papers print them: F × 100, 2 decimals). */
import { formatScore } from '../../stages/evaluate/index.js';

export { formatScore };

/** Δ × 100 with its sign: `+1.23`, `-0.45`, `0.00`. */
export function formatDelta(delta: number): string {
  const s = formatScore(delta);
  return delta > 0 && s !== '0.00' ? `+${s}` : s === '-0.00' ? '0.00' : s;
}

/** A p-value: `<0.001` for none of 1000 resamples against, else 3 decimals. */
export function formatP(p: number, samples: number): string {
  if (p === 0) return `<${1 / samples}`;
  return p.toFixed(3);
}

/** `***` p < 0.001, `**` p < 0.01, `*` p < 0.05, else empty. */
export function stars(p: number): string {
  return p < 0.001 ? '***' : p < 0.01 ? '**' : p < 0.05 ? '*' : '';
}

const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** An integer with thousands separators: `12,345`. */
export function formatInt(n: number): string {
  return INT.format(n);
}

/** A mean length or similar with one decimal. */
export function formatMean(n: number): string {
  return n.toFixed(1);
}

/** A loss or learning rate: 4 significant digits, exponent for small values. */
export function formatValue(v: number): string {
  if (v === 0) return '0';
  return Math.abs(v) < 1e-3 ? v.toExponential(2) : Number(v.toPrecision(4)).toString();
}

/** Number of Unicode code points. */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * The first `max` code points of `text`, cut back to the last white space when one is near,
 * with ` …` when something was cut; `shown` counts the code points kept from the text.
 */
export function excerpt(text: string, max: number): { text: string; cut: boolean; shown: number } {
  const chars = [...text];
  if (chars.length <= max) return { text, cut: false, shown: chars.length };
  let s = chars.slice(0, max).join('');
  const space = s.search(/\s\S*$/);
  if (space > s.length * 0.8) s = s.slice(0, space);
  s = s.trimEnd();
  return { text: `${s} …`, cut: true, shown: codePoints(s) };
}

/** Seconds between two ISO times as `1 h 02 min`, `3 min 05 s` or `42 s`; undefined when unknown. */
export function duration(started: string | null | undefined, finished: string | null | undefined): string | undefined {
  if (!started || !finished) return undefined;
  const ms = Date.parse(finished) - Date.parse(started);
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** An ISO time as `2026-01-15 09:00:36Z` (UTC, seconds); other strings unchanged. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}
