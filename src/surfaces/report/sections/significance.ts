/** Paired-bootstrap comparisons between systems (`eval/<a>-vs-<b>.json`). */
import { html, type SafeHtml } from '../html.js';
import type { RunData } from '../model.js';
import type { ComparisonFile } from '../schemas.js';
import { formatDelta, formatInt, formatP, formatScore, stars } from '../format.js';
import { absent, type Section } from './section.js';

function labelsOf(c: ComparisonFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of c.metrics ?? []) for (const col of m.columns) out.set(col.key, col.label);
  return out;
}

function comparisonBlock(c: ComparisonFile, title: string, id: string): SafeHtml {
  const labels = labelsOf(c);
  const columns = [...new Set(c.rows.map((r) => r.column))];
  const groups = [...new Set(c.rows.map((r) => r.label))];
  const pct = Math.round(c.bootstrap.confidence * 1000) / 10;
  const find = (label: string, column: string) => c.rows.find((r) => r.label === label && r.column === column);
  const samples = c.bootstrap.samples;
  return html`<h3 id="${id}">${title}</h3>
    <p>Δ = ${c.a} − ${c.b} in F × 100 on the ${formatInt(c.pairs)} test pairs both systems predicted, and under it the one-sided paired-bootstrap p-value
      (${formatInt(samples)} resamples, seed ${c.bootstrap.seed}): * p &lt; 0.05, ** p &lt; 0.01, *** p &lt; 0.001. Significant differences are in bold.</p>
    <div class="scroll"><table class="significance" data-a="${c.a}" data-b="${c.b}">
      <caption>${c.a} vs ${c.b}: difference per language and metric</caption>
      <thead><tr><th scope="col">Language</th><th scope="col" class="num">Pairs</th>${columns.map((k) => html`<th scope="col" class="num">${labels.get(k) ?? k}</th>`)}</tr></thead>
      <tbody>${groups.map((g) => {
        const first = c.rows.find((r) => r.label === g)!;
        return html`<tr class="${first.kind}"><th scope="row">${g}</th><td class="num">${formatInt(first.pairs)}</td>${columns.map((k) => {
          const r = find(g, k);
          if (r === undefined) return html`<td class="num muted">–</td>`;
          const sig = r.p < 0.05;
          const text = html`${formatDelta(r.delta)}<sup>${stars(r.p)}</sup>`;
          return html`<td class="num${sig ? ' sig' : ''}" data-group="${g}" data-column="${k}" title="${pct}% CI ${formatScore(r.low)} to ${formatScore(r.high)}; p ${formatP(r.p, samples)}">${sig ? html`<strong>${text}</strong>` : text}<span class="p">p ${formatP(r.p, samples)}</span></td>`;
        })}</tr>`;
      })}</tbody>
    </table></div>
    <details><summary>All numbers of ${c.a} vs ${c.b}</summary>
      <div class="scroll"><table class="compact">
        <caption>Means, difference and its ${pct}% bootstrap interval (F × 100), and p</caption>
        <thead><tr><th scope="col">Language</th><th scope="col">Metric</th><th scope="col" class="num">Pairs</th><th scope="col" class="num">${c.a}</th><th scope="col" class="num">${c.b}</th>
          <th scope="col" class="num">Δ</th><th scope="col" class="num">${pct}% CI</th><th scope="col" class="num">p</th></tr></thead>
        <tbody>${c.rows.map(
          (r) => html`<tr><th scope="row">${r.label}</th><td>${labels.get(r.column) ?? r.column}</td><td class="num">${formatInt(r.pairs)}</td><td class="num">${formatScore(r.meanA)}</td>
            <td class="num">${formatScore(r.meanB)}</td><td class="num">${formatDelta(r.delta)}</td><td class="num">${formatScore(r.low)} to ${formatScore(r.high)}</td><td class="num">${formatP(r.p, samples)}</td></tr>`,
        )}</tbody>
      </table></div>
      <p class="muted">${c.method}. The macro row resamples within each language and averages the language differences.</p>
    </details>`;
}

export function significanceSection(runs: readonly RunData[]): Section {
  const items = runs.flatMap((run, r) =>
    run.comparisons.map((c, k) => ({
      title: `${c.value.a} vs ${c.value.b}${runs.length > 1 ? ` (${run.label})` : ''}`,
      id: `sig-${r + 1}-${k + 1}`,
      value: c.value,
    })),
  );
  const evaluated = runs.some((run) => run.systems.filter((s) => s.evaluation !== undefined).length >= 2);
  const body =
    items.length === 0
      ? absent(
          'no comparison between systems (eval/<a>-vs-<b>.json)',
          evaluated || runs.some((run) => run.systems.length >= 2)
            ? 'run `clinsum eval --ref splits/test.jsonl --compare predictions/distil.jsonl predictions/standard.jsonl --out-dir eval`'
            : 'it needs two systems evaluated on the same test split',
        )
      : html`${items.map((i) => comparisonBlock(i.value, i.title, i.id))}`;
  return { id: 'significance', title: 'Significance', body, subsections: items.map((i) => ({ id: i.id, title: i.title })) };
}
