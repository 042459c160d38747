/** Training curves (loss L, L_sum, L_ext, learning rate) and validation curves (the paper's Figure 2). */
import { html, type SafeHtml } from '../html.js';
import type { ChartSpec, CurveCharts } from '../charts.js';
import type { RunData } from '../model.js';
import { absent, type Section } from './section.js';

function figure(chart: ChartSpec, n: number): SafeHtml {
  return html`<figure class="chart">
    <div class="chart-box"><canvas id="${chart.id}" role="img" aria-label="${chart.description}">${chart.description}</canvas></div>
    <figcaption><strong>Figure ${n}.</strong> ${chart.title[0]!.toUpperCase()}${chart.title.slice(1)} by step.${chart.note === undefined ? '' : html` <span class="muted">${chart.note}</span>`}</figcaption>
  </figure>`;
}

export function curvesSection(runs: readonly RunData[], charts: CurveCharts): Section {
  const trained = runs.some((r) => r.systems.some((s) => s.train !== undefined));
  const withoutExt = runs.flatMap((r) => r.systems.filter((s) => (s.train?.steps.length ?? 0) > 0 && s.train!.steps.every((p) => p.lossExt === null)).map((s) => (runs.length > 1 ? `${r.label} / ${s.name}` : s.name)));
  let n = 0;
  const legend =
    runs.length > 1
      ? html`<p class="muted">Colour: system; dash pattern: run (${runs.map((r, i) => `${r.label} ${['solid', 'dashed', 'dotted', 'dash-dot'][i % 4]}`).join(', ')}).</p>`
      : '';
  const body = !trained
    ? absent('no training metrics (train/<model>/metrics.jsonl)', 'the trainer writes one row per logged step and per evaluation')
    : html`
      ${legend}
      <h3 id="curves-train">Training loss</h3>
      ${withoutExt.length > 0 ? html`<p class="muted">No extraction loss for ${withoutExt.join(', ')} (γ = 1 trains on summaries only).</p>` : ''}
      <div class="charts">${charts.train.map((c) => figure(c, ++n))}</div>
      <h3 id="curves-valid">Validation by step</h3>
      ${
        charts.valid.length === 0
          ? absent('no evaluation rows in the training logs', 'the trainer evaluates on the valid split every `eval_interval` steps')
          : html`<p>ROUGE F × 100 on the valid split at each evaluation (like the paper's Figure 2); larger points mark the evaluations that became the best checkpoint.</p>
            <div class="charts">${charts.valid.map((c) => figure(c, ++n))}</div>`
      }`;
  return {
    id: 'curves',
    title: 'Training curves',
    body,
    subsections: trained
      ? [
          { id: 'curves-train', title: 'Training loss' },
          { id: 'curves-valid', title: 'Validation by step' },
        ]
      : [],
  };
}
