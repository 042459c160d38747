/**
 * End to end in headless Chromium: a synthetic run directory → `clinsum report` → report.html,
 * opened from disk with the network blocked. The page must be self-contained, render with no
 * console or page error, draw its charts with the expected datasets, show the evaluation's
 * numbers (best in bold), escape user text, and render partly done runs and several runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { formatScore } from '../src/stages/evaluate/index.js';
import { writeReport } from '../src/surfaces/report/index.js';
import { writeFixtureRun, type FixtureRunOptions } from '../src/surfaces/report/testing/fixture-run.js';
import { launchChromium, openPage, type OpenedPage } from './support/browser.js';

const MARKER = '</script><b>bold</b>';
const root = mkdtempSync(join(tmpdir(), 'clinsum-report-render-'));
let browser: Browser;

before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  rmSync(root, { recursive: true, force: true });
});

interface ReportState {
  ready: boolean;
  chartJs: string | null;
  charts: { id: string; type: string; datasets: { label: string; points: number }[] }[];
  errors: string[];
}

interface CellInfo {
  group: string;
  system: string;
  column: string;
  value: string;
  strong: boolean;
}

async function makeReport(name: string, options: FixtureRunOptions, title?: string): Promise<{ dir: string; html: string; file: string }> {
  const dir = join(root, name);
  await writeFixtureRun(dir, options);
  const file = join(dir, 'report.html');
  writeReport({ runs: [dir], out: file, title, generatedAt: null });
  return { dir, file, html: readFileSync(file, 'utf8') };
}

async function open(file: string): Promise<OpenedPage> {
  return openPage(browser, pathToFileURL(file).href, { waitFor: 'window.__clinsumReport !== undefined && window.__clinsumReport.ready === true' });
}

/** The page rendered cleanly: no console or page error, no request but its own, no chart error. */
function assertClean(o: OpenedPage, state: ReportState): void {
  assert.deepEqual(o.watch.consoleErrors, [], 'console errors');
  assert.deepEqual(o.watch.pageErrors, [], 'page errors');
  assert.deepEqual(o.watch.blocked, [], 'blocked requests');
  assert.equal(o.watch.requests.length, 1, `requests: ${o.watch.requests.join(', ')}`);
  assert.deepEqual(state.errors, []);
  assert.equal(state.ready, true);
}

function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i, 'a src/href to another host');
  assert.doesNotMatch(html, /<link\b/i, 'a <link> element');
  assert.doesNotMatch(html, /<script\b[^>]*\bsrc\s*=/i, 'an external script');
  assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?(?!#)[^"'\s>]+\.(?:js|css|png|svg|woff2?)\b/i, 'a reference to a local asset file');
  assert.doesNotMatch(html, /sourceMappingURL/, 'a source map reference');
}

test('full run: self-contained page, no errors, charts with the expected datasets, drawn canvases', async () => {
  const { html, file } = await makeReport('full', { marker: MARKER }, `Report ${MARKER}`);
  assertSelfContained(html);
  assert.ok(html.length < 600_000, `page is ${html.length} bytes`);
  const o = await open(file);
  try {
    const state = await o.page.evaluate<ReportState>('window.__clinsumReport');
    assertClean(o, state);
    assert.match(state.chartJs ?? '', /^4\./);
    const byId = new Map(state.charts.map((c) => [c.id, c]));
    assert.deepEqual([...byId.keys()], [
      'chart-loss',
      'chart-loss-sum',
      'chart-loss-ext',
      'chart-lr',
      'chart-valid-rouge1',
      'chart-valid-rouge2',
      'chart-valid-rougeL',
      'chart-valid-rougeLsum',
      'chart-valid-loss',
    ]);
    const labels = (id: string) => byId.get(id)!.datasets.map((d) => d.label);
    assert.deepEqual(labels('chart-loss'), ['standard', 'distil']);
    assert.deepEqual(labels('chart-loss-ext'), ['distil'], 'standard (γ = 1) has no extraction loss');
    assert.deepEqual(labels('chart-valid-rougeLsum'), ['standard', 'distil']);
    // 300 steps logged every 5 (and step 1): 61 rows; evaluations every 50 steps: 6.
    assert.deepEqual(byId.get('chart-loss')!.datasets.map((d) => d.points), [61, 61]);
    assert.deepEqual(byId.get('chart-valid-rouge1')!.datasets.map((d) => d.points), [6, 6]);
    assert.equal(await o.page.evaluate<number>('Object.keys(Chart.instances).length'), 9);

    const canvases = await o.page.evaluate<{ id: string; painted: number; label: string | null }[]>(`[...document.querySelectorAll('canvas')].map((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) painted++;
      return { id: c.id, painted, label: c.getAttribute('aria-label') };
    })`);
    assert.equal(canvases.length, 9);
    for (const c of canvases) {
      assert.ok(c.painted > 1000, `${c.id} is blank (${c.painted} painted pixels)`);
      assert.match(c.label ?? '', /^Line chart of .+ by training step\./, `${c.id} has a text alternative`);
    }
    assert.equal(await o.page.title(), `Report ${MARKER}`);
  } finally {
    await o.close();
  }
});

test('a short run with zero validation ROUGE: whole-number step ticks, axes never below zero', async () => {
  const { dir } = await makeReport('short', { languages: ['en'], casesPerLanguage: 10, trainSteps: 6, logEvery: 1, evalEvery: 3 });
  // An untrained model scores 0 at every evaluation.
  for (const system of ['standard', 'distil']) {
    const metrics = join(dir, 'train', system, 'metrics.jsonl');
    const rows = readFileSync(metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { eval?: Record<string, unknown> });
    for (const r of rows) if (r.eval) Object.assign(r.eval, { rouge1: 0, rouge2: 0, rougeL: 0, rougeLsum: 0, score: 0 });
    writeFileSync(metrics, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  const file = join(dir, 'short.html');
  writeReport({ runs: [dir], out: file, generatedAt: null });
  const o = await open(file);
  try {
    assertClean(o, await o.page.evaluate<ReportState>('window.__clinsumReport'));
    const axes = await o.page.evaluate(() => {
      const chart = (id: string) => (window as unknown as { Chart: { getChart(id: string): { scales: Record<string, { min: number; ticks: { value: number }[] }> } } }).Chart.getChart(id)!;
      const loss = chart('chart-loss').scales;
      return { xTicks: loss.x!.ticks.map((t) => t.value), rougeMin: chart('chart-valid-rouge1').scales.y!.min };
    });
    assert.ok(axes.xTicks.length >= 2 && axes.xTicks.every((v) => Number.isInteger(v)), `x ticks ${axes.xTicks.join(', ')}`);
    assert.ok(axes.rougeMin >= 0, `ROUGE axis starts at ${axes.rougeMin}`);
  } finally {
    await o.close();
  }
});

test('result and significance tables show the evaluation files\u2019 numbers, best in bold', async () => {
  const { dir, file } = await makeReport('numbers', { languages: ['en', 'es'], unicodeRouge: true });
  interface EvalJson {
    table: { columns: { key: string }[]; rows: { label: string; scores: Record<string, { fmeasure: { mean: number } }> }[] };
  }
  const evals = {
    standard: JSON.parse(readFileSync(join(dir, 'eval', 'standard.json'), 'utf8')) as EvalJson,
    distil: JSON.parse(readFileSync(join(dir, 'eval', 'distil.json'), 'utf8')) as EvalJson,
  };
  const comparison = JSON.parse(readFileSync(join(dir, 'eval', 'distil-vs-standard.json'), 'utf8')) as {
    rows: { label: string; column: string; delta: number; p: number }[];
  };
  const o = await open(file);
  try {
    assertClean(o, await o.page.evaluate<ReportState>('window.__clinsumReport'));
    const cells = await o.page.evaluate<CellInfo[]>(`[...document.querySelectorAll('table.results td[data-column]')].map((td) => ({
      group: td.dataset.group, system: td.dataset.system, column: td.dataset.column,
      value: td.childNodes[0].textContent, strong: td.querySelector('strong') !== null }))`);
    const columns = evals.standard.table.columns.map((c) => c.key);
    assert.deepEqual(columns, ['rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'rouge1_unicode', 'rouge2_unicode', 'rougeL_unicode', 'rougeLsum_unicode']);
    const groups = ['en', 'es', 'macro avg', 'all pairs'];
    assert.equal(cells.length, groups.length * 2 * columns.length);
    let bold = 0;
    for (const group of groups) {
      for (const column of columns) {
        const printed = (s: 'standard' | 'distil') => formatScore(evals[s].table.rows.find((r) => r.label === group)!.scores[column]!.fmeasure.mean);
        const best = Math.max(Number(printed('standard')), Number(printed('distil')));
        for (const system of ['standard', 'distil'] as const) {
          const cell = cells.find((c) => c.group === group && c.column === column && c.system === system);
          assert.ok(cell, `${group} ${column} ${system}`);
          assert.equal(cell.value, printed(system));
          assert.equal(cell.strong, Number(printed(system)) === best, `${group} ${column} ${system} bold`);
          if (cell.strong) bold++;
        }
      }
    }
    assert.ok(bold >= groups.length * columns.length);
    // Non-comparable (unicode) columns are marked.
    const headers = await o.page.evaluate<string[]>(`[...document.querySelectorAll('table.results thead th')].map((th) => th.textContent)`);
    assert.ok(headers.includes('R1 (unicode)†'), headers.join('|'));
    assert.ok(headers.includes('R1'));

    const sig = await o.page.evaluate<{ group: string; column: string; text: string; strong: boolean }[]>(`[...document.querySelectorAll('table.significance td[data-column]')].map((td) => ({
      group: td.dataset.group, column: td.dataset.column, text: td.childNodes[0].textContent, strong: td.querySelector('strong') !== null }))`);
    assert.equal(sig.length, comparison.rows.length);
    for (const r of comparison.rows) {
      const cell = sig.find((c) => c.group === r.label && c.column === r.column)!;
      const delta = formatScore(r.delta);
      assert.ok(cell.text.startsWith(r.delta > 0 ? `+${delta}` : delta), `${r.label} ${r.column}: ${cell.text} vs ${delta}`);
      assert.equal(cell.strong, r.p < 0.05);
    }
  } finally {
    await o.close();
  }
});

test('user text is escaped: a report holding </script><b> stays text, the embedded JSON parses', async () => {
  const { html, file } = await makeReport('escape', { marker: MARKER, languages: ['en'] }, `Title ${MARKER}`);
  assert.ok(!html.includes(MARKER), 'the raw marker must not appear in the HTML source');
  assert.ok(html.includes('&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;'));
  // Only the three scripts of the page: data, Chart.js, drawing.
  assert.equal(html.match(/<script\b/g)?.length, 3);
  const o = await open(file);
  try {
    assertClean(o, await o.page.evaluate<ReportState>('window.__clinsumReport'));
    assert.equal(await o.page.evaluate<number>(`document.querySelectorAll('b').length`), 0);
    const texts = await o.page.evaluate<string[]>(`[...document.querySelectorAll('article.example .text')].map((e) => e.textContent)`);
    // The report excerpt, the reference and the first system's prediction of the marked case.
    assert.equal(texts.filter((t) => t.includes(MARKER)).length, 3, texts.join('\n---\n'));
    const strong = await o.page.evaluate<string[]>(`[...document.querySelectorAll('#provenance strong')].map((e) => e.textContent)`);
    assert.ok(strong.includes(`Qwen/Qwen2.5-72B-Instruct ${MARKER}`), strong.join('|'));
    const data = await o.page.evaluate<{ charts: unknown[] }>(`JSON.parse(document.getElementById('clinsum-report-data').textContent)`);
    assert.equal(data.charts.length, 9);
  } finally {
    await o.close();
  }
});

test('partly done runs render and say what is missing', async () => {
  const cases: { name: string; options: FixtureRunOptions; charts: string[]; absent: RegExp[] }[] = [
    {
      name: 'trained-only',
      options: { systems: ['standard'], languages: ['en'], stages: { teacher: false, predictions: false, eval: false } },
      charts: ['chart-loss', 'chart-loss-sum', 'chart-lr', 'chart-valid-rouge1', 'chart-valid-rouge2', 'chart-valid-rougeL', 'chart-valid-rougeLsum', 'chart-valid-loss'],
      absent: [/no evaluation results/, /no teacher key information/, /no predictions/],
    },
    {
      name: 'splits-only',
      options: { languages: ['fr'], stages: { config: false, runState: false, teacher: false, train: false, predictions: false } },
      charts: [],
      absent: [/no training metrics/, /no evaluation results/, /no comparison between systems/, /no teacher/],
    },
    {
      name: 'one-eval-torn-log',
      options: { systems: ['distil'], languages: ['pt', 'es'], tornMetrics: true, stages: { teacherStats: false } },
      charts: ['chart-loss', 'chart-loss-sum', 'chart-loss-ext', 'chart-lr', 'chart-valid-rouge1', 'chart-valid-rouge2', 'chart-valid-rougeL', 'chart-valid-rougeLsum', 'chart-valid-loss'],
      absent: [/no comparison between systems/],
    },
  ];
  for (const c of cases) {
    const { file } = await makeReport(c.name, c.options);
    const o = await open(file);
    try {
      const state = await o.page.evaluate<ReportState>('window.__clinsumReport');
      assertClean(o, state);
      assert.deepEqual(state.charts.map((x) => x.id), c.charts, c.name);
      const text = await o.page.evaluate<string>('document.body.innerText');
      for (const re of c.absent) assert.match(text, re, `${c.name}: ${re}`);
      if (c.name === 'one-eval-torn-log') assert.match(text, /ends in a partial line/);
    } finally {
      await o.close();
    }
  }
});

test('several runs: curves overlaid per run and system, result rows for each, hostile folder names escaped', async () => {
  const a = join(root, 'seed7');
  const b = join(root, 'run<img src=x onerror=boom()>');
  await writeFixtureRun(a, { languages: ['en'] });
  await writeFixtureRun(b, { languages: ['en'], seed: 8 });
  const file = join(root, 'two.html');
  writeReport({ runs: [a, b], out: file, generatedAt: null });
  const o = await open(file);
  try {
    const state = await o.page.evaluate<ReportState>('window.__clinsumReport');
    assertClean(o, state);
    const loss = state.charts.find((c) => c.id === 'chart-loss')!;
    const bLabel = 'run<img src=x onerror=boom()>';
    assert.deepEqual(
      loss.datasets.map((d) => d.label),
      ['seed7 / standard', 'seed7 / distil', `${bLabel} / standard`, `${bLabel} / distil`],
    );
    assert.equal(await o.page.evaluate<number>(`document.querySelectorAll('img').length`), 0);
    const systems = await o.page.evaluate<string[]>(`[...document.querySelectorAll('table.results tbody.language th[scope=row]')].map((th) => th.textContent)`);
    assert.deepEqual(systems, ['seed7 / standard', 'seed7 / distil', `${bLabel} / standard`, `${bLabel} / distil`]);
  } finally {
    await o.close();
  }
});
