/**
 * What the page carries besides its markup: Chart.js (the package's UMD build, inlined so the page
 * works offline), the style sheet, and the small script that draws the charts from the embedded
 * JSON and exposes `window.__clinsumReport` (what was drawn) for tests and tools.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { scriptSafe } from './html.js';

export interface ChartJs {
  /** The library's source, safe to inline. */
  source: string;
  version: string;
}

let chartJs: ChartJs | undefined;

/**
 * The installed Chart.js 4 UMD build. Its package exports only the module entry points, so the file
 * is found next to the resolved CommonJS entry (`dist/chart.cjs`). The source-map comment is
 * dropped (the page must not ask for other files); the licence banner stays.
 */
export function loadChartJs(): ChartJs {
  if (chartJs !== undefined) return chartJs;
  const entry = createRequire(import.meta.url).resolve('chart.js');
  const file = join(dirname(entry), 'chart.umd.min.js');
  const text = readFileSync(file, 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
  const version = /Chart\.js v(\d+\.\d+\.\d+)/.exec(text)?.[1];
  if (version === undefined || !version.startsWith('4.')) throw new Error(`${file} is not a Chart.js 4 build (found ${version ?? 'no version banner'})`);
  chartJs = { source: scriptSafe(text), version };
  return chartJs;
}

/** The id of the `<script type="application/json">` element holding the chart data. */
export const DATA_ELEMENT_ID = 'clinsum-report-data';

/**
 * Draws every chart of the embedded data with Chart.js and records what it drew in
 * `window.__clinsumReport = { ready, chartJs, charts: [{ id, type, datasets: [{ label, points }] }], errors }`.
 * Plain ES2020 for the browser; it reads data only (no markup is built from data here).
 */
export const CLIENT_SCRIPT = `(() => {
  'use strict';
  const state = { ready: false, chartJs: null, charts: [], errors: [] };
  window.__clinsumReport = state;
  const toggle = document.getElementById('toggle-ci');
  if (toggle) toggle.addEventListener('change', () => document.body.classList.toggle('show-ci', toggle.checked));
  const data = JSON.parse(document.getElementById('${DATA_ELEMENT_ID}').textContent);
  if (typeof Chart !== 'function') {
    state.errors.push('Chart.js is not loaded');
    console.error('clinsum report: Chart.js is not loaded');
    return;
  }
  state.chartJs = Chart.version;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#3c4043';
  const fmt = (v) => (Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(3) : v.toExponential(2));
  for (const spec of data.charts) {
    const canvas = document.getElementById(spec.id);
    try {
      const datasets = spec.series.map((s) => {
        const best = new Set(s.best);
        const small = s.points.length > 40 ? 0 : 2;
        return {
          label: s.label,
          data: s.points.map(([x, y]) => ({ x, y })),
          borderColor: s.color,
          backgroundColor: s.color,
          borderDash: s.dash,
          borderWidth: 1.5,
          pointRadius: s.points.map((_, i) => (best.has(i) ? 5 : small)),
          pointStyle: s.points.map((_, i) => (best.has(i) ? 'rectRot' : 'circle')),
          pointHoverRadius: 4,
          tension: 0,
          spanGaps: true,
        };
      });
      // Every curve is ≥ 0 (losses, ROUGE, learning rates): when the lowest value is 0 the axis
      // starts there (Chart.js would put a flat zero line between −1 and 1).
      const lowest = Math.min(...spec.series.flatMap((s) => s.points.map((p) => p[1])));
      const chart = new Chart(canvas, {
        type: 'line',
        data: { datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          parsing: false,
          interaction: { mode: 'nearest', axis: 'x', intersect: false },
          scales: {
            // Steps are whole numbers: no 1.5 ticks on a short run.
            x: { type: 'linear', title: { display: true, text: spec.xLabel }, ticks: { precision: 0 } },
            y: {
              type: 'linear',
              beginAtZero: lowest === 0,
              title: { display: true, text: spec.yLabel },
              ...(spec.yTicks === 'exponent' ? { ticks: { callback: (v) => (Number(v) === 0 ? '0' : Number(v).toExponential(1)) } } : {}),
            },
          },
          plugins: {
            legend: { position: 'bottom', labels: { boxWidth: 28, boxHeight: 2 } },
            tooltip: {
              callbacks: {
                title: (items) => (items.length > 0 ? 'step ' + items[0].parsed.x : ''),
                label: (ctx) => ctx.dataset.label + ': ' + fmt(ctx.parsed.y),
              },
            },
          },
        },
      });
      state.charts.push({ id: spec.id, type: chart.config.type, datasets: chart.data.datasets.map((d) => ({ label: d.label, points: d.data.length })) });
    } catch (e) {
      state.errors.push(spec.id + ': ' + String(e));
      console.error('clinsum report: chart ' + spec.id + ' failed: ' + String(e));
    }
  }
  window.addEventListener('beforeprint', () => {
    for (const c of Object.values(Chart.instances)) c.resize();
  });
  state.ready = true;
})();
`;

export const STYLE = `
:root {
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  --fg: #1f2328; --muted: #5f6368; --line: #d9dce1; --rule: #9aa0a6; --alt: #f6f7f9;
  --accent: #0b5cad; --ok: #1a7f37; --bad: #b42318; --warn: #8a5a00;
  color-scheme: light;
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 var(--font); color: var(--fg); background: #fff; }
.page { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; }
header h1 { font-size: 1.75rem; margin: 0 0 4px; line-height: 1.25; }
header .meta { color: var(--muted); margin: 0; }
nav.toc { background: var(--alt); border: 1px solid var(--line); border-radius: 6px; padding: 8px 18px; margin: 18px 0 8px; }
nav.toc h2 { font-size: 1rem; border: 0; margin: 4px 0; padding: 0; }
nav.toc ol { margin: 2px 0; padding-left: 22px; }
nav.toc ol ol { font-size: .92em; }
h2 { font-size: 1.4rem; border-bottom: 2px solid var(--line); padding-bottom: 4px; margin: 44px 0 12px; }
h3 { font-size: 1.12rem; margin: 28px 0 8px; }
h4 { font-size: 1rem; margin: 18px 0 6px; }
h5 { font-size: .95rem; margin: 8px 0 4px; }
a { color: var(--accent); }
p { max-width: 75em; }
table { border-collapse: collapse; margin: 8px 0 18px; font-size: .92rem; }
caption { caption-side: top; text-align: left; color: var(--muted); font-size: .88rem; padding-bottom: 6px; max-width: 62em; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid var(--rule); font-weight: 600; white-space: nowrap; vertical-align: bottom; }
tbody th { font-weight: 600; }
tfoot th, tfoot td, tr.total th, tr.total td { border-top: 2px solid var(--rule); font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.center { text-align: center; }
.scroll { overflow-x: auto; }
table.results tbody.group { border-top: 2px solid var(--rule); }
table.results tbody.macro, table.results tbody.all { background: var(--alt); }
table.results th[scope=rowgroup] { vertical-align: middle; }
td.best strong, td.sig strong { font-weight: 700; }
.ci { display: none; color: var(--muted); font-size: .8em; margin-left: 6px; }
body.show-ci .ci { display: inline; }
table.significance td .p { display: block; font-size: .75em; color: var(--muted); }
table.significance tr.macro { background: var(--alt); }
sup { font-size: .7em; }
code.host, td.time { white-space: nowrap; }
table.teacher thead th { white-space: normal; }
code { font-family: var(--mono); font-size: .86em; background: var(--alt); padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }
pre { font-family: var(--mono); font-size: .84rem; background: var(--alt); padding: 10px 12px; border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 20px 28px; }
figure.chart { margin: 0; min-width: 0; }
.chart-box { position: relative; height: 280px; width: 100%; }
figcaption { font-size: .88rem; color: var(--muted); margin-top: 4px; }
.muted { color: var(--muted); }
.ok { color: var(--ok); }
.bad { color: var(--bad); font-weight: 600; }
.absent { border-left: 4px solid var(--warn); background: #fff8e6; padding: 6px 10px; }
.absent .tag { font-size: .72em; text-transform: uppercase; letter-spacing: .05em; background: var(--warn); color: #fff; border-radius: 3px; padding: 1px 5px; margin-right: 4px; }
.warning { border-left: 4px solid var(--bad); background: #fdecea; padding: 6px 10px; }
td.status, th.status { text-align: center; }
td.status.present { color: var(--ok); font-weight: 700; }
td.status.partial { color: var(--warn); font-weight: 700; }
td.status.missing { color: var(--muted); }
ul.missing li, ul.notes li { margin: 2px 0; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.row { display: flex; flex-wrap: wrap; gap: 0 36px; align-items: flex-start; }
article.example { border: 1px solid var(--line); border-radius: 6px; padding: 4px 14px 12px; margin: 14px 0; }
.side-by-side { display: grid; grid-template-columns: repeat(auto-fit, minmax(250px, 1fr)); gap: 8px 18px; }
.summary { border-top: 3px solid var(--line); }
.summary.reference { border-top-color: var(--fg); }
.summary[data-system=standard] { border-top-color: #0072B2; }
.summary[data-system=distil] { border-top-color: #D55E00; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .92rem; }
.scores { font-weight: normal; color: var(--muted); font-size: .85em; margin-left: 4px; }
details { margin: 6px 0; }
details > summary { cursor: pointer; color: var(--accent); }
details.report .text { background: var(--alt); padding: 8px 10px; border-radius: 4px; }
footer { margin-top: 56px; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); padding-top: 10px; }
@media (max-width: 640px) { .page { padding: 16px 12px 48px; } .charts { grid-template-columns: 1fr; } }
@media print {
  body { font-size: 10pt; }
  .page { max-width: none; padding: 0; }
  .no-print, nav.toc { display: none; }
  h2 { break-after: avoid; margin-top: 24px; }
  h3, h4 { break-after: avoid; }
  table, figure, article.example, tr { break-inside: avoid; }
  .charts { grid-template-columns: 1fr 1fr; }
  .chart-box { height: 210px; }
  a { color: inherit; text-decoration: none; }
  .scroll { overflow: visible; }
  thead th { white-space: normal; }
  table { font-size: 8.5pt; }
  th, td { padding: 3px 5px; }
  .side-by-side { grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); }
}
`;
