/** What each section of the page gives the page: an anchor, a title for the table of contents, markup. */
import { html, type HtmlValue, type SafeHtml } from '../html.js';

export interface Section {
  /** Anchor of the section (`#results`). */
  id: string;
  title: string;
  body: SafeHtml;
  /** Entries under the section in the table of contents. */
  subsections: { id: string; title: string }[];
}

/** A short hash with the full value on hover. */
export function hashCode(hash: string, length = 12): SafeHtml {
  return html`<code class="hash" title="${hash}">${hash.length > length ? `${hash.slice(0, length)}…` : hash}</code>`;
}

/** A paragraph saying what is not there yet and how to make it. */
export function absent(text: HtmlValue, hint?: string): SafeHtml {
  return html`<p class="absent"><span class="tag">not yet</span> ${text}${hint === undefined ? '' : html` — ${withCode(hint)}`}</p>`;
}

/** Inline code from a hint written with backticks: `run \`clinsum eval\`` → run <code>clinsum eval</code>. */
export function withCode(text: string): SafeHtml {
  const parts = text.split('`');
  return html`${parts.map((p, i) => (i % 2 === 1 ? html`<code>${p}</code>` : p))}`;
}
