/** Results on the test split per language (the paper's Table 4), best per group and column in bold. */
import { canonicalJson } from '../../../util/hash.js';
import type { MetricInfo } from '../../../stages/evaluate/index.js';
import { html, type SafeHtml } from '../html.js';
import type { RunData } from '../model.js';
import { buildResults, type ResultCell, type ResultEntry, type ResultModel } from '../results.js';
import { formatInt, formatScore } from '../format.js';
import { absent, type Section } from './section.js';

/** The evaluated systems of every run, named `run / system` when there are several runs. */
export function resultEntries(runs: readonly RunData[]): ResultEntry[] {
  return runs.flatMap((run) =>
    run.systems.flatMap((s) =>
      s.evaluation === undefined
        ? []
        : [{ system: runs.length > 1 ? `${run.label} / ${s.name}` : s.name, table: s.evaluation.value.table, metrics: s.evaluation.value.metrics }],
    ),
  );
}

function cell(c: ResultCell, column: string, system: string, group: string): SafeHtml {
  if (c.mean === undefined) return html`<td class="num muted">–</td>`;
  const value = formatScore(c.mean);
  const ci = c.low === undefined || c.high === undefined ? '' : html`<span class="ci">${formatScore(c.low)}–${formatScore(c.high)}</span>`;
  return html`<td class="num${c.best ? ' best' : ''}" data-group="${group}" data-system="${system}" data-column="${column}">${c.best ? html`<strong>${value}</strong>` : value}${ci}</td>`;
}

function table(model: ResultModel): SafeHtml {
  const pct = Math.round(model.confidence * 1000) / 10;
  const anyIncomparable = model.columns.some((c) => !c.comparable);
  return html`
    <p>F-measure × 100 on the test split, mean over pairs; <em>macro avg</em> is the mean of the language means (the paper's average), <em>all pairs</em> the mean over every pair.
      In each language (row group) and column the best system is in bold.${anyIncomparable ? ' † marks a clinsum variant, not comparable with published numbers.' : ''}</p>
    <p class="controls no-print"><label><input type="checkbox" id="toggle-ci"> Show ${pct}% bootstrap intervals</label></p>
    <div class="scroll"><table class="results">
      <caption>Results per language (like the paper's Table 4)</caption>
      <thead><tr><th scope="col">Language</th><th scope="col">System</th><th scope="col" class="num">Pairs</th>
        ${model.columns.map((c) => html`<th scope="col" class="num">${c.label}${c.comparable ? '' : html`<span aria-label="not comparable">†</span>`}</th>`)}</tr></thead>
      ${model.groups.map(
        (g) => html`<tbody class="group ${g.kind}">${g.rows.map(
          (r, i) => html`<tr>${i === 0 ? html`<th scope="rowgroup" rowspan="${g.rows.length}">${g.label}</th>` : ''}<th scope="row">${r.system}</th>
            <td class="num">${formatInt(r.pairs)}</td>${r.cells.map((c, k) => cell(c, model.columns[k]!.key, r.system, g.label))}</tr>`,
        )}</tbody>`,
      )}
    </table></div>`;
}

function settingsList(runs: readonly RunData[]): SafeHtml {
  const seen = new Map<string, MetricInfo>();
  const bootstraps = new Set<string>();
  const references = new Set<string>();
  for (const run of runs) {
    for (const s of run.systems) {
      const v = s.evaluation?.value;
      if (v === undefined) continue;
      for (const m of v.metrics) seen.set(canonicalJson(m), m);
      const b = v.table.bootstrap;
      bootstraps.add(`${b.samples} resamples, confidence ${b.confidence}, seed ${b.seed}`);
      references.add(v.references);
    }
  }
  return html`<ul class="settings">
    ${[...seen.values()].map(
      (m) => html`<li><strong>${m.name}</strong> (${m.columns.map((c) => c.label).join(', ')}): ${Object.entries(m.settings)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join('; ')}${m.comparable ? '' : html` — <em>not comparable with the official tool's numbers</em>`}.</li>`,
    )}
    <li>Intervals: bootstrap percentile intervals of the mean (${[...bootstraps].join(' / ')}).</li>
    <li>References: ${[...references].map((r, i) => html`${i > 0 ? ', ' : ''}<code>${r}</code>`)}.</li>
  </ul>`;
}

export function resultsSection(runs: readonly RunData[]): Section {
  const entries = resultEntries(runs);
  const model = buildResults(entries);
  const evalNotes = [...new Set(runs.flatMap((r) => r.systems.flatMap((s) => s.evaluation?.value.notes ?? [])))];
  const unevaluated = runs.flatMap((r) => r.systems.filter((s) => s.evaluation === undefined).map((s) => (runs.length > 1 ? `${r.label} / ${s.name}` : s.name)));
  const body =
    model === undefined
      ? absent('no evaluation results (eval/<model>.json)', 'run `clinsum eval --ref splits/test.jsonl --pred predictions/<model>.jsonl --out-dir eval`')
      : html`
        ${table(model)}
        ${model.inconsistent.length > 0 ? html`<p class="warning">The systems were evaluated with different ${model.inconsistent.join(', ')} settings: their numbers are not comparable (see below).</p>` : ''}
        ${unevaluated.length > 0 ? html`<p class="muted">Not evaluated yet: ${unevaluated.join(', ')}.</p>` : ''}
        <h3 id="results-settings">How the numbers were made</h3>
        ${settingsList(runs)}
        ${evalNotes.length > 0 ? html`<ul class="notes">${evalNotes.map((n) => html`<li>${n}</li>`)}</ul>` : ''}`;
  return {
    id: 'results',
    title: 'Results per language',
    body,
    subsections: model === undefined ? [] : [{ id: 'results-settings', title: 'How the numbers were made' }],
  };
}
