/**
 * The summarization page: one HTML document with its CSS and script inline, so it works offline
 * and loads nothing from anywhere. The script is `client.ts`, compiled by tsc beside this file
 * and read once. A Content-Security-Policy allowing exactly these two inline blocks (by hash) and
 * requests to this origin only goes with it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LANGS, LANG_NAMES } from '../../../data/lang.js';
import { PAGE_CSS } from './style.js';

export interface PageOptions {
  modelName: string;
  keyRequired: boolean;
  maxContextTokens: number;
}

export interface RenderedPage {
  html: string;
  /** The Content-Security-Policy header value for this page. */
  csp: string;
}

let clientScript: string | undefined;

/** The compiled client script, without its source-map comment (there is nothing to fetch). */
function script(): string {
  clientScript ??= readFileSync(new URL('./client.js', import.meta.url), 'utf8').replace(/\n?\/\/# sourceMappingURL=.*\s*$/, '\n');
  return clientScript;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');
const sha256 = (s: string): string => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** Language names in their own language, for the menu. */
const NATIVE: Record<string, string> = { en: 'English', es: 'Español', fr: 'Français', pt: 'Português' };

export function renderPage(options: PageOptions): RenderedPage {
  const js = script();
  const config = { model: options.modelName, keyRequired: options.keyRequired, maxContextTokens: options.maxContextTokens, languages: { ...LANG_NAMES } };
  const langOptions = LANGS.map((l) => `<option value="${l}">${NATIVE[l]} (${LANG_NAMES[l]})</option>`).join('');
  const model = escapeHtml(options.modelName);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>clinsum · ${model}</title>
<link rel="icon" href="data:,">
<style>${PAGE_CSS}</style>
</head>
<body>
<main>
<h1>Clinical case-report summarization</h1>
<p class="sub">Model <code>${model}</code>, served by clinsum.</p>
<p class="note" id="note">Models with random weights — such as the tiny ones <code>clinsum model init-tiny</code> writes for tests and demos — produce meaningless text. A summary is only as good as the model that wrote it: check it against the report before any use. The report is sent to this server only; nothing is stored or logged.</p>
<form id="form" novalidate aria-describedby="note">
<div class="field" id="key-section" hidden>
<label for="api-key">API key</label>
<input id="api-key" type="password" autocomplete="off" spellcheck="false" aria-describedby="api-key-hint" size="40">
<p class="hint" id="api-key-hint">This server needs the key it was started with (<code>--api-key-env</code>). It stays in this page only.</p>
</div>
<div class="field">
<label for="report">Case report</label>
<textarea id="report" name="report" spellcheck="false" aria-describedby="report-hint" placeholder="Paste a clinical case report here…"></textarea>
<p class="hint" id="report-hint">Ctrl+Enter summarizes; Escape stops.</p>
</div>
<div class="row">
<div class="field">
<label for="file">Or load a text file</label>
<input id="file" type="file" accept=".txt,text/plain">
</div>
<div class="field">
<label for="lang">Language</label>
<select id="lang" aria-describedby="detected"><option value="auto" selected>Detect automatically</option>${langOptions}</select>
</div>
<div class="field">
<label for="max-tokens">Max new tokens</label>
<input id="max-tokens" type="number" min="1" max="${options.maxContextTokens}" step="1" value="512">
</div>
<div class="field">
<label for="temperature">Temperature</label>
<input id="temperature" type="number" min="0" max="2" step="0.1" value="0" aria-describedby="temperature-hint">
</div>
</div>
<p class="hint" id="detected" aria-live="polite"></p>
<p class="hint" id="temperature-hint">Temperature 0 is greedy decoding: the same report gives the same summary.</p>
<div class="actions">
<button type="submit" id="summarize" class="primary">Summarize</button>
<button type="button" id="extract">Extract key information</button>
<button type="button" id="stop" disabled>Stop</button>
</div>
</form>
<p class="visually-hidden" id="status" role="status" aria-live="polite"></p>
<div class="error" id="error" role="alert" hidden></div>
<section id="summary-section" aria-labelledby="summary-title" hidden>
<h2 id="summary-title">Summary</h2>
<div class="out" id="summary-out" role="region" aria-labelledby="summary-title" aria-live="polite" aria-busy="false" tabindex="0"></div>
<p class="stats" id="summary-stats"></p>
</section>
<section id="keyinfo-section" aria-labelledby="keyinfo-title" hidden>
<h2 id="keyinfo-title">Key information</h2>
<div class="out" id="keyinfo-out" role="region" aria-labelledby="keyinfo-title" aria-live="polite" aria-busy="false" tabindex="0"></div>
<p class="stats" id="keyinfo-stats"></p>
</section>
</main>
<script type="application/json" id="clinsum-config">${scriptJson(config)}</script>
<script type="module">${js}</script>
</body>
</html>
`;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(js)}`,
    `style-src ${sha256(PAGE_CSS)}`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}
