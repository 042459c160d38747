/** Example summaries side by side: the report (collapsed excerpt), the reference, each system's prediction. */
import { html, type SafeHtml } from '../html.js';
import { pairKey, type RunData, type SystemData } from '../model.js';
import { pickExamples } from '../select.js';
import { codePoints, excerpt, formatInt, formatScore } from '../format.js';
import { absent, type Section } from './section.js';

export interface ExampleOptions {
  /** Cases per language (0: no texts in the page). */
  perLanguage: number;
  /** Longest report excerpt, in code points. */
  excerptChars: number;
}

/** The columns shown next to each prediction when the per-pair scores exist. */
const SHOWN_SCORES: readonly [string, string][] = [
  ['rouge1', 'R1'],
  ['rouge2', 'R2'],
  ['rougeLsum', 'RLsum'],
];

function scoresLine(s: SystemData, key: string): SafeHtml {
  const f = s.scores?.get(key);
  if (f === undefined) return html``;
  const parts = SHOWN_SCORES.filter(([k]) => f[k] !== undefined).map(([k, label]) => `${label} ${formatScore(f[k]!)}`);
  return parts.length === 0 ? html`` : html`<span class="scores">${parts.join(' · ')}</span>`;
}

function runExamples(run: RunData, options: ExampleOptions, idPrefix: string): { body: SafeHtml; count: number } {
  if (run.test === undefined) return { body: absent('no test split (splits/test.jsonl)', 'the examples show test references next to the predictions'), count: 0 };
  const systems = run.systems.filter((s) => s.predictions !== undefined);
  if (systems.length === 0) return { body: absent('no predictions (predictions/<model>.jsonl)', 'run `clinsum generate` on the test split'), count: 0 };
  const rows = [...run.test.values()];
  const all = rows.filter((r) => systems.every((s) => s.predictions!.byKey.has(pairKey(r.lang, r.id))));
  const candidates = all.length > 0 ? all : rows.filter((r) => systems.some((s) => s.predictions!.byKey.has(pairKey(r.lang, r.id))));
  const chosen = pickExamples(candidates, options.perLanguage);
  if (chosen.length === 0) return { body: absent('no test case has a prediction', 'check that the predictions are of this run\u2019s test split'), count: 0 };
  const body = html`${chosen.map((r, i) => {
    const key = pairKey(r.lang, r.id);
    const ex = excerpt(r.report, options.excerptChars);
    return html`<article class="example" id="${idPrefix}-${i + 1}" aria-labelledby="${idPrefix}-${i + 1}-h">
      <h4 id="${idPrefix}-${i + 1}-h">${r.lang} · <code>${r.id}</code></h4>
      <details class="report"><summary>Case report (${ex.cut ? `excerpt: ${formatInt(ex.shown)} of ${formatInt(codePoints(r.report))} characters` : `${formatInt(codePoints(r.report))} characters`})</summary>
        <div class="text">${ex.text}</div></details>
      <div class="side-by-side">
        <section class="summary reference"><h5>Reference</h5><div class="text">${r.summary ?? '(no reference summary)'}</div></section>
        ${systems.map((s) => {
          const p = s.predictions!.byKey.get(key);
          return html`<section class="summary" data-system="${s.name}"><h5>${s.name} ${scoresLine(s, key)}</h5>
            ${p === undefined ? html`<p class="muted">(no prediction)</p>` : html`<div class="text">${p}</div>`}</section>`;
        })}
      </div>
    </article>`;
  })}`;
  return { body, count: chosen.length };
}

export function examplesSection(runs: readonly RunData[], options: ExampleOptions): Section {
  if (options.perLanguage === 0) {
    return { id: 'examples', title: 'Examples', body: html`<p class="muted">Left out on request (<code>--examples 0</code>): this page holds no clinical text.</p>`, subsections: [] };
  }
  const parts = runs.map((run, i) => {
    const prefix = `example-${i + 1}`;
    const r = runExamples(run, options, prefix);
    return runs.length > 1 ? html`<h3 id="examples-${i + 1}">Run ${run.label}</h3>${r.body}` : r.body;
  });
  const intro = html`<p>Up to ${options.perLanguage} test cases per language, chosen by a hash of their ids (the same cases in every report of this split, favouring no system).
    Scores next to a system are its F × 100 on that case. This section holds clinical text: share the page accordingly (<code>--examples 0</code> leaves it out).</p>`;
  return {
    id: 'examples',
    title: 'Examples',
    body: html`${intro}${parts}`,
    subsections: runs.length > 1 ? runs.map((r, i) => ({ id: `examples-${i + 1}`, title: `Run ${r.label}` })) : [],
  };
}
