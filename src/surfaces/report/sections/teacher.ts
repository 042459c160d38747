/** The teacher's key information per language (the paper's Table 2) and a sample answer per language. */
import { html, type SafeHtml } from '../html.js';
import type { KeyinfoGroup, RunData, TeacherInfo } from '../model.js';
import type { TeacherGroupStats } from '../schemas.js';
import { formatInt, formatMean } from '../format.js';
import { absent, type Section } from './section.js';

interface Row {
  label: string;
  reports: number | undefined;
  answered: number;
  failed: number | undefined;
  pending: number | undefined;
  chars: { mean: number; min: number; max: number } | null;
  reportChars: number | undefined;
  flags: Record<string, number>;
  prompt: number;
  completion: number;
  cost: number | null | undefined;
}

function fromStats(label: string, g: TeacherGroupStats): Row {
  return {
    label,
    reports: g.reports,
    answered: g.answered,
    failed: g.failed,
    pending: g.pending,
    chars: g.keyinfo_chars,
    reportChars: g.report_chars?.mean,
    flags: g.flags,
    prompt: g.tokens.prompt,
    completion: g.tokens.completion,
    cost: g.cost_usd,
  };
}

function fromKeyinfo(label: string, g: KeyinfoGroup): Row {
  return {
    label,
    reports: undefined,
    answered: g.answered,
    failed: undefined,
    pending: undefined,
    chars: g.chars,
    reportChars: undefined,
    flags: g.flags,
    prompt: g.promptTokens,
    completion: g.completionTokens,
    cost: undefined,
  };
}

/** Rows from stats.json when there is one (it knows failures and cost), else from keyinfo.jsonl. */
function rowsOf(t: TeacherInfo): Row[] {
  if (t.stats !== undefined) {
    const langs = Object.keys(t.stats.languages).sort();
    const rows = langs.map((l) => fromStats(l, t.stats!.languages[l]!));
    if (langs.length !== 1) rows.push(fromStats('all', t.stats.all));
    return rows;
  }
  const langs = Object.keys(t.groups);
  const rows = langs.map((l) => fromKeyinfo(l, t.groups[l]!));
  if (langs.length !== 1 && t.all !== undefined) rows.push(fromKeyinfo('all', t.all));
  return rows;
}

const n = (v: number | undefined) => (v === undefined ? '–' : formatInt(v));

function tablesOf(t: TeacherInfo, intro: string): SafeHtml {
  const rows = rowsOf(t);
  const source = t.stats !== undefined ? 'teacher/stats.json' : 'teacher/keyinfo.jsonl';
  const cost = rows.some((r) => r.cost !== undefined && r.cost !== null);
  const rowHead = (r: Row) => html`<th scope="row">${r.label}</th>`;
  const trClass = (r: Row) => (r.label === 'all' ? 'total' : '');
  return html`<p>${intro} From <code>${source}</code>; lengths in Unicode code points.${
    t.stats === undefined ? ' Without stats.json the failures, pending reports, report lengths and cost are unknown.' : ''
  }</p>
  <div class="row">
  <div class="scroll"><table class="teacher">
    <caption>Answers and key-information length per language</caption>
    <thead>
      <tr><th scope="col" rowspan="2">Language</th><th scope="col" rowspan="2" class="num">Reports</th><th scope="col" rowspan="2" class="num">Answered</th>
        <th scope="col" rowspan="2" class="num">Failed</th><th scope="col" rowspan="2" class="num">Pending</th>
        <th scope="colgroup" colspan="3" class="center">Key information chars</th><th scope="col" rowspan="2" class="num">Report chars (mean)</th></tr>
      <tr><th scope="col" class="num">mean</th><th scope="col" class="num">min</th><th scope="col" class="num">max</th></tr>
    </thead>
    <tbody>${rows.map(
      (r) => html`<tr class="${trClass(r)}">${rowHead(r)}<td class="num">${n(r.reports)}</td><td class="num">${formatInt(r.answered)}</td>
        <td class="num">${n(r.failed)}</td><td class="num">${n(r.pending)}</td>
        <td class="num">${r.chars === null ? '–' : formatMean(r.chars.mean)}</td><td class="num">${r.chars === null ? '–' : formatInt(r.chars.min)}</td><td class="num">${r.chars === null ? '–' : formatInt(r.chars.max)}</td>
        <td class="num">${r.reportChars === undefined ? '–' : formatMean(r.reportChars)}</td></tr>`,
    )}</tbody>
  </table></div>
  <div class="scroll"><table class="teacher">
    <caption>Flagged answers, tokens${cost ? ' and cost' : ''} per language</caption>
    <thead>
      <tr><th scope="col" rowspan="2">Language</th><th scope="colgroup" colspan="4" class="center">Flagged answers</th><th scope="colgroup" colspan="${cost ? 3 : 2}" class="center">Tokens${cost ? ' and cost' : ''}</th></tr>
      <tr><th scope="col" class="num"><abbr title="empty answer">empty</abbr></th><th scope="col" class="num"><abbr title="hit the token limit (finish_reason length)">truncated</abbr></th>
        <th scope="col" class="num"><abbr title="written in another language than the report">wrong lang.</abbr></th><th scope="col" class="num"><abbr title="copies the report verbatim">copies</abbr></th>
        <th scope="col" class="num">prompt</th><th scope="col" class="num">completion</th>${cost ? html`<th scope="col" class="num">USD</th>` : ''}</tr>
    </thead>
    <tbody>${rows.map(
      (r) => html`<tr class="${trClass(r)}">${rowHead(r)}
        ${(['empty', 'truncated', 'wrong_language', 'copies_report'] as const).map((f) => html`<td class="num">${n(r.flags[f])}</td>`)}
        <td class="num">${formatInt(r.prompt)}</td><td class="num">${formatInt(r.completion)}</td>
        ${cost ? html`<td class="num">${r.cost === undefined || r.cost === null ? '–' : r.cost.toFixed(r.cost < 1 ? 4 : 2)}</td>` : ''}</tr>`,
    )}</tbody>
  </table></div>
  </div>`;
}

function samplesOf(t: TeacherInfo): SafeHtml {
  if (t.samples.length === 0) return html``;
  return html`<details class="samples"><summary>Sample answers (one per language)</summary>
    ${t.samples.map((s) => html`<h4>${s.lang} · <code>${s.id}</code></h4><div class="text">${s.keyinfo}</div>`)}
  </details>`;
}

export interface TeacherOptions {
  /** Show one answer per language (clinical text). False with `--examples 0`. */
  samples: boolean;
}

export function teacherSection(runs: readonly RunData[], options: TeacherOptions): Section {
  const withTeacher = runs.filter((r) => r.teacher !== undefined);
  const body =
    withTeacher.length === 0
      ? absent('no teacher key information (teacher/keyinfo.jsonl)', 'run the teacher stage (`clinsum extract`); the distilled student learns from it')
      : html`${runs.map((run, i) => {
          const t = run.teacher;
          const head = runs.length > 1 ? html`<h3 id="teacher-${i + 1}">Run ${run.label}</h3>` : '';
          if (t === undefined) return html`${head}${absent('no teacher outputs in this run')}`;
          return html`${head}${tablesOf(t, 'Key information extracted by the teacher from the training reports, per language (like the paper\u2019s Table 2).')}${options.samples ? samplesOf(t) : ''}`;
        })}`;
  return {
    id: 'teacher',
    title: 'Teacher key information',
    body,
    subsections: runs.length > 1 && withTeacher.length > 0 ? runs.map((r, i) => ({ id: `teacher-${i + 1}`, title: `Run ${r.label}` })) : [],
  };
}
