/** The first section: which runs, what each has, what is missing, what to check. */
import { html, type SafeHtml } from '../html.js';
import type { Missing, RunData } from '../model.js';
import { formatInt } from '../format.js';
import { withCode, type Section } from './section.js';

type Stage = Missing['section'];

const STAGES: readonly { key: Stage; label: string }[] = [
  { key: 'config', label: 'config' },
  { key: 'splits', label: 'splits' },
  { key: 'teacher', label: 'teacher' },
  { key: 'train', label: 'training' },
  { key: 'predictions', label: 'predictions' },
  { key: 'eval', label: 'evaluation' },
  { key: 'comparison', label: 'significance' },
];

function present(run: RunData, stage: Stage): boolean {
  switch (stage) {
    case 'config':
      return run.config !== undefined;
    case 'splits':
      return run.manifest !== undefined || run.test !== undefined;
    case 'teacher':
      return run.teacher !== undefined;
    case 'train':
      return run.systems.some((s) => s.train !== undefined);
    case 'predictions':
      return run.systems.some((s) => s.predictions !== undefined);
    case 'eval':
      return run.systems.some((s) => s.evaluation !== undefined);
    case 'comparison':
      return run.comparisons.length > 0;
  }
}

function statusCell(run: RunData, stage: Stage): SafeHtml {
  const has = present(run, stage);
  const partial = has && run.missing.some((m) => m.section === stage);
  const word = !has ? 'missing' : partial ? 'partial' : 'present';
  const mark = !has ? '–' : partial ? '◐' : '✓';
  return html`<td class="status ${word}"><span aria-hidden="true">${mark}</span><span class="sr-only">${word}</span></td>`;
}

export function overviewSection(runs: readonly RunData[]): Section {
  const rows = runs.map(
    (run) => html`<tr>
      <th scope="row">${run.label}</th>
      <td><code>${run.dir}</code></td>
      <td>${run.systems.length === 0 ? '–' : run.systems.map((s) => s.name).join(', ')}</td>
      <td class="num">${run.test === undefined ? '–' : formatInt(run.test.size)}</td>
      ${STAGES.map((s) => statusCell(run, s.key))}
    </tr>`,
  );
  const missing = runs.flatMap((run) => run.missing.map((m) => ({ run, m })));
  const notes = runs.flatMap((run) => run.notes.map((n) => ({ run, n })));
  const prefix = (run: RunData) => (runs.length > 1 ? html`<strong>${run.label}</strong>: ` : '');
  const body = html`
    <div class="scroll"><table class="overview">
      <caption>Runs in this report and the stages each has: ✓ present, ◐ partly, – missing.</caption>
      <thead><tr><th scope="col">Run</th><th scope="col">Folder</th><th scope="col">Systems</th><th scope="col" class="num">Test cases</th>
        ${STAGES.map((s) => html`<th scope="col" class="status">${s.label}</th>`)}</tr></thead>
      <tbody>${rows}</tbody>
    </table></div>
    ${
      missing.length === 0
        ? html`<p>Every stage of ${runs.length > 1 ? 'every run' : 'the run'} has its outputs.</p>`
        : html`<h3 id="missing">Not there yet</h3>
          <ul class="missing">${missing.map(({ run, m }) => html`<li>${prefix(run)}<code>${m.what}</code>: ${withCode(m.hint)}</li>`)}</ul>`
    }
    ${notes.length === 0 ? '' : html`<h3 id="checks">To check</h3><ul class="notes">${notes.map(({ run, n }) => html`<li>${prefix(run)}${n}</li>`)}</ul>`}`;
  const subsections = [
    ...(missing.length > 0 ? [{ id: 'missing', title: 'Not there yet' }] : []),
    ...(notes.length > 0 ? [{ id: 'checks', title: 'To check' }] : []),
  ];
  return { id: 'overview', title: 'Overview', body, subsections };
}
