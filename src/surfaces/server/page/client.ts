/// <reference lib="dom" />
/**
 * The script of the summarization page (runs in the browser; compiled by tsc and inlined into the
 * page by page.ts, so the page loads nothing else). It talks to this server only:
 * `POST /v1/clinsum/detect` while the user types (language shown before summarizing) and
 * `POST /v1/clinsum/generate` with `stream: true`, reading the SSE chunks from fetch's body.
 */

interface PageConfig {
  model: string;
  keyRequired: boolean;
  maxContextTokens: number;
  languages: Record<string, string>;
}

interface ErrorBody {
  error?: { message?: string; code?: string | null };
}

interface Chunk extends ErrorBody {
  clinsum?: { task: string; lang: string; detected: { lang: string; confidence: number } | null; prompt: string };
  choices?: { delta?: { content?: string }; finish_reason?: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

const config = JSON.parse(byId('clinsum-config').textContent ?? '{}') as PageConfig;

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`page element #${id} is missing`);
  return el as T;
}

const form = byId<HTMLFormElement>('form');
const report = byId<HTMLTextAreaElement>('report');
const file = byId<HTMLInputElement>('file');
const lang = byId<HTMLSelectElement>('lang');
const detected = byId('detected');
const maxTokens = byId<HTMLInputElement>('max-tokens');
const temperature = byId<HTMLInputElement>('temperature');
const summarizeButton = byId<HTMLButtonElement>('summarize');
const extractButton = byId<HTMLButtonElement>('extract');
const stopButton = byId<HTMLButtonElement>('stop');
const keySection = byId('key-section');
const apiKey = byId<HTMLInputElement>('api-key');
const errorBox = byId('error');
const status = byId('status');

const outputs = {
  summarization: { box: byId('summary-out'), stats: byId('summary-stats'), section: byId('summary-section') },
  extraction: { box: byId('keyinfo-out'), stats: byId('keyinfo-stats'), section: byId('keyinfo-section') },
};

type Task = keyof typeof outputs;

let running: AbortController | undefined;

function headers(): Record<string, string> {
  const h: Record<string, string> = { 'Content-Type': 'application/json' };
  if (apiKey.value.trim() !== '') h.Authorization = `Bearer ${apiKey.value.trim()}`;
  return h;
}

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = message === '';
}

function languageName(code: string): string {
  return config.languages[code] ?? code;
}

async function errorMessageOf(res: Response): Promise<string> {
  if (res.status === 401) {
    keySection.hidden = false;
    apiKey.focus();
    return 'This server needs an API key: enter it above and try again.';
  }
  try {
    const body = (await res.json()) as ErrorBody;
    if (body.error?.message) return body.error.message;
  } catch {
    // not JSON: fall through
  }
  return `The server answered ${res.status} ${res.statusText}.`;
}

// --- Language detection while typing -------------------------------------------------------

let detectTimer: number | undefined;
let detectSeq = 0;

function scheduleDetect(): void {
  window.clearTimeout(detectTimer);
  detectTimer = window.setTimeout(() => void detect(), 350);
}

async function detect(): Promise<void> {
  const seq = ++detectSeq;
  const text = report.value;
  if (lang.value !== 'auto' || text.trim() === '') {
    detected.textContent = lang.value === 'auto' ? 'The language will be detected from the report.' : '';
    return;
  }
  try {
    // The detector reads the first 4000 characters only.
    const res = await fetch('/v1/clinsum/detect', { method: 'POST', headers: headers(), body: JSON.stringify({ text: text.slice(0, 4000) }) });
    if (seq !== detectSeq) return;
    if (!res.ok) {
      detected.textContent = '';
      if (res.status === 401) showError(await errorMessageOf(res));
      return;
    }
    const g = (await res.json()) as { lang: string | null; confidence: number };
    if (seq !== detectSeq) return;
    detected.textContent =
      g.lang === null
        ? 'Language not recognised: choose it in the list.'
        : `Detected: ${languageName(g.lang)} (confidence ${Math.round(g.confidence * 100)}%).`;
  } catch {
    if (seq === detectSeq) detected.textContent = '';
  }
}

// --- Generation ------------------------------------------------------------------------------

function setRunning(on: boolean): void {
  summarizeButton.disabled = on;
  extractButton.disabled = on;
  stopButton.disabled = !on;
  form.setAttribute('aria-busy', String(on));
}

/** Split an SSE byte stream into `data:` payloads. */
async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut: RegExpExecArray | null;
    while ((cut = /\r?\n\r?\n/.exec(buffer)) !== null) {
      const event = buffer.slice(0, cut.index);
      buffer = buffer.slice(cut.index + cut[0].length);
      const data = event
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data !== '') yield data;
    }
  }
}

async function generate(task: Task): Promise<void> {
  const text = report.value;
  if (text.trim() === '') {
    showError('Paste a case report or load a .txt file first.');
    report.focus();
    return;
  }
  showError('');
  const out = outputs[task];
  out.section.hidden = false;
  out.box.textContent = '';
  out.stats.textContent = '';
  out.box.setAttribute('aria-busy', 'true');
  const controller = new AbortController();
  running = controller;
  setRunning(true);
  status.textContent = task === 'summarization' ? 'Summarizing…' : 'Extracting key information…';

  const body: Record<string, unknown> = {
    text,
    task,
    lang: lang.value,
    stream: true,
    stream_options: { include_usage: true },
    temperature: Number(temperature.value),
  };
  if (maxTokens.value !== '') body.max_tokens = Number(maxTokens.value);
  const started = performance.now();
  let firstAt: number | undefined;
  let finish: string | null | undefined;
  let usage: Chunk['usage'];
  let info = '';
  let stopped = false;
  try {
    const res = await fetch('/v1/clinsum/generate', { method: 'POST', headers: headers(), body: JSON.stringify(body), signal: controller.signal });
    if (!res.ok || res.body === null) {
      showError(await errorMessageOf(res));
      return;
    }
    for await (const data of sseData(res.body)) {
      if (data === '[DONE]') break;
      const chunk = JSON.parse(data) as Chunk;
      if (chunk.error) {
        showError(chunk.error.message ?? 'The generation failed.');
        break;
      }
      if (chunk.clinsum) {
        const c = chunk.clinsum;
        info = `${languageName(c.lang)}${c.detected ? ` (detected, ${Math.round(c.detected.confidence * 100)}%)` : ''} · prompt “${c.prompt}”`;
      }
      const choice = chunk.choices?.[0];
      const delta = choice?.delta?.content ?? '';
      if (delta !== '') {
        firstAt ??= performance.now();
        out.box.textContent += delta;
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
  } catch (e) {
    if (controller.signal.aborted) stopped = true;
    else showError(`The request failed: ${(e as Error).message}`);
  } finally {
    const end = performance.now();
    const parts: string[] = [];
    if (info !== '') parts.push(info);
    if (usage) {
      parts.push(`${usage.prompt_tokens} prompt tokens`, `${usage.completion_tokens} generated`);
      const secs = (end - (firstAt ?? started)) / 1000;
      if (usage.completion_tokens > 1 && secs > 0) parts.push(`${(usage.completion_tokens / secs).toFixed(1)} tokens/s`);
    }
    if (firstAt !== undefined) parts.push(`first text after ${((firstAt - started) / 1000).toFixed(2)} s`);
    if (stopped) parts.push('stopped');
    else if (finish === 'length') parts.push('cut at the token limit');
    else if (finish === 'stop') parts.push('complete');
    out.stats.textContent = parts.join(' · ');
    out.box.setAttribute('aria-busy', 'false');
    status.textContent = stopped ? 'Stopped.' : finish ? 'Done.' : '';
    if (running === controller) running = undefined;
    setRunning(false);
  }
}

// --- Wiring ----------------------------------------------------------------------------------

form.addEventListener('submit', (e) => {
  e.preventDefault();
  void generate('summarization');
});
extractButton.addEventListener('click', () => void generate('extraction'));
stopButton.addEventListener('click', () => running?.abort());
report.addEventListener('input', scheduleDetect);
lang.addEventListener('change', () => void detect());
report.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    if (!summarizeButton.disabled) void generate('summarization');
  }
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && running) running.abort();
});
file.addEventListener('change', async () => {
  const f = file.files?.[0];
  if (!f) return;
  if (f.size > 4 * 1024 * 1024) {
    showError('That file is larger than 4 MiB; choose a plain-text case report.');
    return;
  }
  const text = await f.text();
  if (text.includes('\u0000')) {
    showError('That file is not plain text.');
    return;
  }
  showError('');
  report.value = text.replace(/^\uFEFF/, '');
  void detect();
});

keySection.hidden = !config.keyRequired;
setRunning(false);
void detect();
