/**
 * Configuration and provenance: the data (split manifest, file hashes checked now), the prompts
 * and their hashes, the teacher's identity, the trained systems, the pipeline state and the
 * configuration files themselves.
 */
import { LANGS } from '../../../data/lang.js';
import { resolvePromptSet } from '../../../data/prompts.js';
import { canonicalJson } from '../../../util/hash.js';
import { html, type SafeHtml } from '../html.js';
import type { RunData, SystemData, TeacherInfo } from '../model.js';
import { duration, formatInt, formatScore, formatTime, formatValue } from '../format.js';
import { absent, hashCode, type Section } from './section.js';

function dataBlock(run: RunData): SafeHtml {
  const m = run.manifest;
  if (m === undefined) return absent(html`<code>splits/manifest.json</code>`, 'run `clinsum data split` (or `clinsum run`)');
  const v = m.value;
  const langs = Object.keys(v.counts).sort();
  const sum = (k: 'train' | 'valid' | 'test') => langs.reduce((n, l) => n + v.counts[l]![k], 0);
  return html`
    <p>Seed <strong>${v.seed}</strong>, ratios train/valid/test <strong>${v.ratios.join(' / ')}</strong>${v.skipped ? html`, ${formatInt(v.skipped)} input items skipped` : ''}.
      ${v.algorithm === undefined ? '' : html`<span class="muted">${v.algorithm}</span>`}</p>
    <div class="row">
    <div class="scroll"><table class="compact">
      <caption>Cases per language and split</caption>
      <thead><tr><th scope="col">Language</th><th scope="col" class="num">train</th><th scope="col" class="num">valid</th><th scope="col" class="num">test</th></tr></thead>
      <tbody>${langs.map((l) => html`<tr><th scope="row">${l}</th><td class="num">${formatInt(v.counts[l]!.train)}</td><td class="num">${formatInt(v.counts[l]!.valid)}</td><td class="num">${formatInt(v.counts[l]!.test)}</td></tr>`)}</tbody>
      ${langs.length > 1 ? html`<tfoot><tr><th scope="row">all</th><td class="num">${formatInt(sum('train'))}</td><td class="num">${formatInt(sum('valid'))}</td><td class="num">${formatInt(sum('test'))}</td></tr></tfoot>` : ''}
    </table></div>
    <div class="scroll"><table class="compact">
      <caption>Split files: sha256 recorded by the split, checked now</caption>
      <thead><tr><th scope="col">File</th><th scope="col" class="num">Rows</th><th scope="col">sha256</th><th scope="col">Now</th></tr></thead>
      <tbody>${m.checks.map(
        (c) => html`<tr><th scope="row"><code>splits/${c.name}.jsonl</code></th><td class="num">${formatInt(c.rows)}</td><td>${hashCode(c.expected)}</td>
          <td class="${c.actual === c.expected ? 'ok' : 'bad'}">${c.actual === undefined ? 'missing' : c.actual === c.expected ? 'unchanged' : html`changed (${hashCode(c.actual)})`}</td></tr>`,
      )}</tbody>
    </table></div>
    </div>
    ${
      v.sources.length === 0
        ? ''
        : html`<div class="scroll"><table class="compact">
      <caption>Sources read by the split</caption>
      <thead><tr><th scope="col">Path</th><th scope="col">sha256</th></tr></thead>
      <tbody>${v.sources.map((s) => html`<tr><td><code>${s.path}</code></td><td>${hashCode(s.sha256)}</td></tr>`)}</tbody>
    </table></div>`
    }`;
}

function promptsBlock(run: RunData): SafeHtml {
  const teacherHashes = new Map<string, Set<string>>();
  for (const i of run.teacher?.identities ?? []) {
    for (const lang of Object.keys(i.answers)) {
      let s = teacherHashes.get(lang);
      if (s === undefined) teacherHashes.set(lang, (s = new Set()));
      s.add(i.promptHash);
    }
  }
  for (const [lang, h] of Object.entries(run.teacher?.stats?.teacher?.prompt_hashes ?? {})) {
    let s = teacherHashes.get(lang);
    if (s === undefined) teacherHashes.set(lang, (s = new Set()));
    s.add(h);
  }
  const c = run.config;
  const source =
    c === undefined
      ? html`No <code>config.yaml</code>: the table shows clinsum's default prompts, which may not be the ones this run used.`
      : c.promptsConfigured
        ? html`From the <code>prompts:</code> section of <code>config.yaml</code> over clinsum's defaults.`
        : html`<code>config.yaml</code> has no <code>prompts:</code> section: clinsum's defaults.`;
  const prompts = c?.prompts ?? resolvePromptSet();
  const rows = LANGS.flatMap((lang) =>
    (['extraction', 'summarization'] as const).map((task) => {
      const { text, hash } = prompts[task][lang];
      const used = task === 'extraction' ? teacherHashes.get(lang) : undefined;
      const usedCell =
        used === undefined
          ? html`<td class="muted">–</td>`
          : html`<td class="${used.size === 1 && used.has(hash) ? 'ok' : 'bad'}">${[...used].map((h) => hashCode(h))}${used.size === 1 && used.has(hash) ? ' (same)' : ' (differs)'}</td>`;
      return html`<tr><th scope="row">${lang}</th><td>${task}</td><td>${text}</td><td>${hashCode(hash)}</td>${usedCell}</tr>`;
    }),
  );
  return html`<p>${source} Hash: the first 12 hex digits of SHA-256 of the prompt's UTF-8 text.</p>
    <div class="scroll"><table class="compact">
      <caption>System prompts per language and task, with the prompt hash the teacher's answers record</caption>
      <thead><tr><th scope="col">Language</th><th scope="col">Task</th><th scope="col">Prompt</th><th scope="col">Hash</th><th scope="col">Teacher used</th></tr></thead>
      <tbody>${rows}</tbody>
    </table></div>`;
}

function paramsText(params: Record<string, unknown>): string {
  const s = canonicalJson(params);
  return s === '{}' ? '–' : s;
}

interface TeacherSetup {
  model: string;
  host: string;
  params: Record<string, unknown>;
  /** Language → prompt hash → answers. */
  prompts: Map<string, Map<string, number>>;
}

/** Identities grouped by model, host and parameters; the prompt hash differs by language by design. */
function setups(t: TeacherInfo): TeacherSetup[] {
  const out = new Map<string, TeacherSetup>();
  for (const i of t.identities) {
    const key = canonicalJson([i.model, i.host, i.params]);
    let s = out.get(key);
    if (s === undefined) out.set(key, (s = { model: i.model, host: i.host, params: i.params, prompts: new Map() }));
    for (const [lang, n] of Object.entries(i.answers)) {
      let byHash = s.prompts.get(lang);
      if (byHash === undefined) s.prompts.set(lang, (byHash = new Map()));
      byHash.set(i.promptHash, (byHash.get(i.promptHash) ?? 0) + n);
    }
  }
  return [...out.values()];
}

function teacherBlock(run: RunData): SafeHtml {
  const t = run.teacher;
  if (t === undefined) return absent('no teacher outputs (teacher/keyinfo.jsonl)', 'run the teacher stage (`clinsum extract`); standard fine-tuning does not need it');
  const fromStats = t.stats?.teacher;
  const list = setups(t);
  return html`
    ${
      list.length === 0
        ? ''
        : html`<div class="scroll"><table class="compact">
      <caption>Teacher set-ups recorded in <code>teacher/keyinfo.jsonl</code> (every answer carries one)</caption>
      <thead><tr><th scope="col">Model</th><th scope="col">Host</th><th scope="col">Parameters</th><th scope="col">Answers per language (extraction prompt hash)</th></tr></thead>
      <tbody>${list.map(
        (s) => html`<tr><td><strong>${s.model}</strong></td><td><code class="host">${s.host}</code></td><td><code>${paramsText(s.params)}</code></td>
          <td>${[...s.prompts.entries()]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([lang, byHash], k) => html`${k > 0 ? html`<br>` : ''}${lang} ${[...byHash].map(([h, n], j) => html`${j > 0 ? ', ' : ''}${formatInt(n)} (${hashCode(h)})`)}`)}</td></tr>`,
      )}</tbody>
    </table></div>`
    }
    ${
      list.length > 1 ? html`<p class="warning">The key information comes from ${list.length} different teacher set-ups.</p>` : ''
    }
    ${
      fromStats === undefined
        ? ''
        : html`<p><code>teacher/stats.json</code>: model <strong>${fromStats.model}</strong>${fromStats.host === undefined ? '' : html` at <code class="host">${fromStats.host}</code>`}${
            fromStats.params === undefined ? '' : html`, parameters <code>${paramsText(fromStats.params)}</code>`
          }.</p>`
    }`;
}

function bestEval(s: SystemData): { step: number; metric: string; score: number } | undefined {
  const evals = s.train?.evals ?? [];
  const best = [...evals].reverse().find((e) => e.best && e.score !== null);
  if (best === undefined) return undefined;
  return { step: best.step, metric: best.metric ?? 'score', score: best.score! };
}

function systemsBlock(run: RunData): SafeHtml {
  if (run.systems.length === 0) return absent('no trained system (train/<model>/)', 'train a student (`clinsum train`)');
  return html`<div class="scroll"><table class="compact">
    <caption>Systems: training log, best validation checkpoint, predictions and evaluation</caption>
    <thead><tr><th scope="col">System</th><th scope="col" class="num">γ</th><th scope="col" class="num">Logged steps</th><th scope="col" class="num">Last step</th><th scope="col" class="num">Final L</th>
      <th scope="col" class="num">Evaluations</th><th scope="col">Best checkpoint</th><th scope="col" class="num">Predictions</th><th scope="col" class="num">Eval pairs</th></tr></thead>
    <tbody>${run.systems.map((s) => {
      const steps = s.train?.steps ?? [];
      const last = steps[steps.length - 1];
      const best = bestEval(s);
      const pairs = s.evaluation?.value.pairs;
      return html`<tr><th scope="row">${s.name}</th>
        <td class="num">${s.trainConfig?.gamma ?? '–'}</td>
        <td class="num">${s.train === undefined ? '–' : formatInt(steps.length)}</td>
        <td class="num">${last === undefined ? '–' : formatInt(last.step)}</td>
        <td class="num">${last === undefined ? '–' : formatValue(last.loss)}</td>
        <td class="num">${s.train === undefined ? '–' : formatInt(s.train.evals.length)}</td>
        <td>${best === undefined ? '–' : html`step ${formatInt(best.step)}, ${best.metric} ${/^rouge/.test(best.metric) ? formatScore(best.score) : formatValue(best.score)}`}</td>
        <td class="num">${s.predictions === undefined ? '–' : formatInt(s.predictions.count)}</td>
        <td class="num">${pairs === undefined ? '–' : formatInt(pairs)}</td></tr>`;
    })}</tbody>
  </table></div>`;
}

function pipelineBlock(run: RunData): SafeHtml {
  const st = run.state;
  if (st === undefined) return html`<p class="muted">No <code>run.json</code> (the stages were run one by one, not by <code>clinsum run</code>).</p>`;
  const stages = Object.entries(st.stages);
  return html`<div class="scroll"><table class="compact">
    <caption>Pipeline stages (<code>run.json</code>)</caption>
    <thead><tr><th scope="col">Stage</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Finished</th><th scope="col" class="num">Took</th><th scope="col">Input hash</th></tr></thead>
    <tbody>${stages.map(
      ([name, s]) => html`<tr><th scope="row">${name}</th><td class="${s.status === 'done' ? 'ok' : s.status === 'failed' ? 'bad' : ''}">${s.status}</td>
        <td class="time">${s.started ? formatTime(s.started) : '–'}</td><td class="time">${s.finished ? formatTime(s.finished) : '–'}</td><td class="num">${duration(s.started, s.finished) ?? '–'}</td>
        <td>${s.input_hash ? hashCode(s.input_hash) : '–'}</td></tr>`,
    )}</tbody>
  </table></div>`;
}

function filesBlock(run: RunData): SafeHtml {
  const c = run.config;
  const configs = run.systems.filter((s) => s.trainConfig !== undefined);
  return html`
    ${
      c === undefined
        ? absent(html`<code>config.yaml</code>`, '`clinsum run --config FILE` writes the resolved configuration here')
        : html`<details><summary><code>config.yaml</code> (sha256 ${hashCode(c.sha256)})</summary><pre>${c.text}</pre></details>`
    }
    ${configs.map((s) => html`<details><summary><code>train/${s.name}/config.yaml</code></summary><pre>${s.trainConfig!.text}</pre></details>`)}`;
}

const TOPICS: readonly { key: string; title: string; block: (run: RunData) => SafeHtml }[] = [
  { key: 'data', title: 'Data', block: dataBlock },
  { key: 'prompts', title: 'Prompts', block: promptsBlock },
  { key: 'teacher-identity', title: 'Teacher', block: teacherBlock },
  { key: 'systems', title: 'Systems', block: systemsBlock },
  { key: 'pipeline', title: 'Pipeline', block: pipelineBlock },
  { key: 'config-files', title: 'Configuration files', block: filesBlock },
];

export function provenanceSection(runs: readonly RunData[]): Section {
  const single = runs.length === 1;
  const parts = runs.map((run, r) => {
    const topics = TOPICS.map((t) => {
      const id = single ? `prov-${t.key}` : `prov-${r + 1}-${t.key}`;
      return html`${single ? html`<h3 id="${id}">${t.title}</h3>` : html`<h4 id="${id}">${t.title}</h4>`}${t.block(run)}`;
    });
    return single ? html`${topics}` : html`<h3 id="prov-${r + 1}">Run ${run.label}</h3>${topics}`;
  });
  const subsections = single
    ? TOPICS.map((t) => ({ id: `prov-${t.key}`, title: t.title }))
    : runs.map((run, r) => ({ id: `prov-${r + 1}`, title: `Run ${run.label}` }));
  return { id: 'provenance', title: 'Configuration and provenance', body: html`${parts}`, subsections };
}
