/**
 * The whole page: head (Content-Security-Policy that allows only this page's own inline script and
 * style, by hash, and no network at all), title, table of contents, sections, the embedded chart
 * data as JSON, Chart.js and the drawing script.
 */
import { readFileSync } from 'node:fs';
import { CLIENT_SCRIPT, DATA_ELEMENT_ID, STYLE, loadChartJs } from './assets.js';
import { buildCharts } from './charts.js';
import { cspHash, html, jsonForScript, raw, type SafeHtml } from './html.js';
import type { RunData } from './model.js';
import { curvesSection } from './sections/curves.js';
import { examplesSection, type ExampleOptions } from './sections/examples.js';
import { overviewSection } from './sections/overview.js';
import { provenanceSection } from './sections/provenance.js';
import { resultsSection } from './sections/results.js';
import type { Section } from './sections/section.js';
import { significanceSection } from './sections/significance.js';
import { teacherSection } from './sections/teacher.js';

export interface PageOptions extends ExampleOptions {
  title: string;
  /** Shown in the header; leave undefined for byte-identical pages from identical runs. */
  generatedAt: string | undefined;
}

let clinsumVersion: string | undefined;

function version(): string {
  if (clinsumVersion === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
    clinsumVersion = pkg.version;
  }
  return clinsumVersion;
}

function toc(sections: readonly Section[]): SafeHtml {
  return html`<nav class="toc" aria-labelledby="toc-title"><h2 id="toc-title">Contents</h2><ol>
    ${sections.map(
      (s) => html`<li><a href="#${s.id}">${s.title}</a>${
        s.subsections.length === 0 ? '' : html`<ol>${s.subsections.map((x) => html`<li><a href="#${x.id}">${x.title}</a></li>`)}</ol>`
      }</li>`,
    )}
  </ol></nav>`;
}

/** Render the report of `runs` as one self-contained HTML document. */
export function renderPage(runs: readonly RunData[], options: PageOptions): string {
  const charts = buildCharts(runs);
  const sections: Section[] = [
    overviewSection(runs),
    provenanceSection(runs),
    curvesSection(runs, charts),
    resultsSection(runs),
    significanceSection(runs),
    teacherSection(runs, { samples: options.perLanguage > 0 }),
    examplesSection(runs, options),
  ];
  const chartJs = loadChartJs();
  const data = jsonForScript({ charts: [...charts.train, ...charts.valid] });
  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(chartJs.source)} ${cspHash(CLIENT_SCRIPT)}`,
    `style-src ${cspHash(STYLE)}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const runNames = runs.map((r) => r.label).join(', ');
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="clinsum ${version()}">
<title>${options.title}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<div class="page">
<header>
  <h1>${options.title}</h1>
  <p class="meta">Distillation report of ${runs.length === 1 ? 'run' : `${runs.length} runs`} ${runNames}${
    options.generatedAt === undefined ? '' : html` · generated ${options.generatedAt}`
  } · clinsum ${version()}</p>
</header>
${toc(sections)}
<main>
${sections.map((s) => html`<section id="${s.id}" aria-labelledby="${s.id}-title"><h2 id="${s.id}-title">${s.title}</h2>${s.body}</section>`)}
</main>
<footer>
  <p>Made by <code>clinsum report</code> from the files of each run directory (docs/run-directory.md). Charts drawn with Chart.js ${chartJs.version} (MIT licence), embedded in this file: the page needs no network.
  Scores are F-measures × 100.</p>
</footer>
</div>
<script type="application/json" id="${DATA_ELEMENT_ID}">${raw(data)}</script>
<script>${raw(chartJs.source)}</script>
<script>${raw(CLIENT_SCRIPT)}</script>
</body>
</html>
`;
  return page.value;
}
