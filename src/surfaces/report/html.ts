/**
 * Safe HTML building: the `html` tagged template escapes every interpolated string, so text from
 * run files (reports, summaries, model names, config values) can never become markup. Markup is
 * only ever made by `html` itself or by `raw` on constant strings. JSON embedded in the page goes
 * through `jsonForScript`, which cannot close its `<script>` element.
 */
import { createHash } from 'node:crypto';

/** A string of markup, produced by `html` or `raw`: interpolated as is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What `html` interpolates: markup, text (escaped), numbers, lists; `false`/`null`/`undefined` vanish. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML text or attribute value (`& < > " '` escaped). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function interpolate(v: HtmlValue): string {
  if (v instanceof SafeHtml) return v.value;
  if (v === null || v === undefined || v === false) return '';
  if (v === true) return 'true';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return escapeHtml(v);
  return v.map(interpolate).join('');
}

/** Markup from a template: every interpolated value is escaped unless it is `SafeHtml`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += interpolate(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Trusted markup (constants of this module's callers only, never data). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** Markup of a list of items, joined. */
export function join(items: readonly HtmlValue[], separator: HtmlValue = ''): SafeHtml {
  return new SafeHtml(items.map(interpolate).join(interpolate(separator)));
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>`, `&` and the line
 * separators U+2028/U+2029 become `\uXXXX` escapes, so no `</script>` or `<!--` can appear and
 * `JSON.parse(element.textContent)` gives back the value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JavaScript source made safe to inline in `<script>`: a `</script` (any case) or `<!--` inside it
 * would end or confuse the element, so `</` and `<!` become `<\/` and `<\!`. Inside string and
 * regular-expression literals these escapes mean the same characters; elsewhere `</` and `<!`
 * cannot occur in valid code, so the program is unchanged.
 */
export function scriptSafe(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** `'sha256-…'` source expression of an inline script or style, for the page's CSP. */
export function cspHash(source: string): string {
  return `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;
}
