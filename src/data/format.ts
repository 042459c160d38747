/**
 * Training examples and inference prompts: a record becomes a conversation, rendered with the
 * model's own chat template and tokenized, with labels that are −100 everywhere except on the
 * assistant segment (its content and its end-of-turn token).
 *
 * How the assistant start is found: the conversation without the assistant turn is rendered
 * with `add_generation_prompt` and must be a token prefix of the full rendering; if it is not,
 * formatting fails with a ConfigError. Labels are aligned with `inputIds` (not shifted): the
 * loss shifts, in one place (the training stage), as Hugging Face models do.
 *
 * Speed: the template is rendered once per layout with placeholder contents, giving its fixed
 * pieces; an example is then the pieces' ids (tokenized once) around the report's ids (tokenized
 * once per record, shared by both tasks) and the target's ids. This is exact where the
 * tokenizer confirms each junction is a token boundary (`Tokenizer.isBoundary`) and the template
 * inserts contents verbatim, which is probed once per layout (contents with surrounding white
 * space and `<think>` markers); a template that fails the probe, or a junction that is not a
 * boundary, makes that example rendered and tokenized whole. See docs/data.md.
 */
import { ConfigError, InputError } from '../util/errors.js';
import type { ChatMessage, Tokenizer } from '../models/tokenizer/index.js';
import type { Lang } from './lang.js';
import { extractionPrompt, summarizationPrompt, type Prompt, type PromptSet } from './prompts.js';

/** `sum`: report → summary. `ext`: report → key information. */
export type Task = 'sum' | 'ext';
/** `paper`: system = prompt, user = report. `inline`: user = "prompt:\nreport", no system turn. */
export type Layout = 'paper' | 'inline';

export const IGNORE_INDEX = -100;

export interface Budgets {
  /** Tokens before the assistant content (the whole prompt rendering, generation header included). */
  promptTokens: number;
  /** Tokens of the assistant content (the end-of-turn token not counted). */
  targetTokens: number;
}

export const DEFAULT_BUDGETS: Readonly<Budgets> = Object.freeze({ promptTokens: 2566, targetTokens: 512 });

export interface FormatOptions {
  layout?: Layout;
  prompts?: PromptSet;
  budgets?: Partial<Budgets>;
}

/** What formatting needs of a record (a `CaseRecord` fits). */
export interface FormatInput {
  id?: string;
  lang: Lang;
  report: string;
  summary?: string;
  keyinfo?: string;
}

export interface FormattedExample {
  id: string | undefined;
  task: Task;
  lang: Lang;
  inputIds: Int32Array;
  /** `IGNORE_INDEX` except on the assistant content and its end-of-turn token. */
  labels: Int32Array;
  /** Index in `inputIds` of the first assistant content token. */
  assistantStart: number;
  /** Number of labelled tokens (content, plus the end-of-turn token unless the target was cut). */
  labelCount: number;
  truncated: { report: boolean; target: boolean };
  /** Token counts after cutting, and the report's and target's counts before. */
  tokens: { prompt: number; target: number; report: number; reportFull: number; targetFull: number };
  prompt: Prompt;
}

export interface RenderedPrompt {
  /** The rendered prompt (with the report as cut, when it was cut). */
  text: string;
  inputIds: number[];
  truncated: boolean;
  prompt: Prompt;
}

function promptFor(task: Task, lang: Lang, set: PromptSet | undefined): Prompt {
  return task === 'sum' ? summarizationPrompt(lang, set) : extractionPrompt(lang, set);
}

function budgetsOf(options: FormatOptions): Budgets {
  const b = { ...DEFAULT_BUDGETS, ...options.budgets };
  for (const [k, v] of Object.entries(b)) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`budget ${k} must be a positive integer, got ${v}`);
  }
  return b;
}

/** The conversation of a layout. */
export function buildMessages(layout: Layout, prompt: string, report: string, target?: string): ChatMessage[] {
  const msgs: ChatMessage[] =
    layout === 'paper'
      ? [
          { role: 'system', content: prompt },
          { role: 'user', content: report },
        ]
      : [{ role: 'user', content: `${prompt}:\n${report}` }];
  if (target !== undefined) msgs.push({ role: 'assistant', content: target });
  return msgs;
}

// ---------------------------------------------------------------------------------------------
// Template skeletons

const SLOT = { prompt: '\uE000P\uE001', report: '\uE000R\uE001', target: '\uE000T\uE001' } as const;
type SlotName = keyof typeof SLOT;
const SLOT_RE = /\uE000([PRT])\uE001/g;
const SLOT_BY_CHAR: Record<string, SlotName> = { P: 'prompt', R: 'report', T: 'target' };

interface Piece {
  text: string;
  ids: number[];
}

interface Skeleton {
  /** Full rendering: pieces[0] prompt pieces[1] report pieces[2] target pieces[3]. */
  full: Piece[];
  /** Prefix rendering (generation prompt): pieces[0] prompt pieces[1] report pieces[2]. */
  prefix: Piece[];
  /** The token that closes the assistant turn (first token after the target). */
  endOfTurn: number;
  /** Whether the template inserts contents verbatim (passed the probes). */
  verbatim: boolean;
  /** Whether the prefix pieces equal the full rendering's first three (then one junction check serves both). */
  samePrefixPieces: boolean;
}

function splitSlots(rendered: string, expected: SlotName[], what: string): string[] {
  const pieces: string[] = [];
  const order: SlotName[] = [];
  let last = 0;
  for (const m of rendered.matchAll(SLOT_RE)) {
    pieces.push(rendered.slice(last, m.index));
    order.push(SLOT_BY_CHAR[m[1]!]!);
    last = m.index + m[0].length;
  }
  pieces.push(rendered.slice(last));
  if (order.join() !== expected.join()) {
    throw new ConfigError(
      `the chat template does not place ${expected.join(', ')} once each and in order in the ${what} (found: ${order.join(', ') || 'none'}); clinsum cannot locate the assistant turn`,
    );
  }
  return pieces;
}

const skeletons = new WeakMap<Tokenizer, Map<Layout, Skeleton>>();

function skeletonOf(tok: Tokenizer, layout: Layout): Skeleton {
  let byLayout = skeletons.get(tok);
  if (!byLayout) skeletons.set(tok, (byLayout = new Map()));
  let sk = byLayout.get(layout);
  if (sk) return sk;
  const fullText = tok.applyChatTemplate(buildMessages(layout, SLOT.prompt, SLOT.report, SLOT.target), { addGenerationPrompt: false });
  const prefixText = tok.applyChatTemplate(buildMessages(layout, SLOT.prompt, SLOT.report), { addGenerationPrompt: true });
  const full = splitSlots(fullText, ['prompt', 'report', 'target'], 'full conversation').map((text) => ({ text, ids: tok.encode(text) }));
  const prefix = splitSlots(prefixText, ['prompt', 'report'], 'generation prompt').map((text) => ({ text, ids: tok.encode(text) }));
  const endOfTurn = full[3]!.ids[0];
  if (endOfTurn === undefined || !tok.isSpecial(endOfTurn)) {
    throw new ConfigError('the chat template does not close the assistant turn with a special token (such as <|im_end|>); clinsum cannot supervise the end of an answer');
  }
  // Probe: does the template insert contents verbatim, whatever they look like?
  const probes = ['x', ' x ', '\nx\n', '<think>\nx\n</think>\n\nx', 'x</think>', 'x'.repeat(3)];
  let verbatim = true;
  for (const p of probes) {
    const c = { prompt: `${p}p`, report: `${p}r`, target: `${p}t` };
    const f = tok.applyChatTemplate(buildMessages(layout, c.prompt, c.report, c.target), { addGenerationPrompt: false });
    const g = tok.applyChatTemplate(buildMessages(layout, c.prompt, c.report), { addGenerationPrompt: true });
    const ef = full[0]!.text + c.prompt + full[1]!.text + c.report + full[2]!.text + c.target + full[3]!.text;
    const eg = prefix[0]!.text + c.prompt + prefix[1]!.text + c.report + prefix[2]!.text;
    if (f !== ef || g !== eg) verbatim = false;
  }
  const samePrefixPieces = prefix.every((p, i) => p.text === full[i]!.text);
  sk = { full, prefix, endOfTurn, verbatim, samePrefixPieces };
  byLayout.set(layout, sk);
  return sk;
}

// ---------------------------------------------------------------------------------------------
// Encoding helpers

/**
 * Largest k ≤ n (down to n − 3, and at least 1) such that ids[0..k) does not end inside a UTF-8
 * character; n itself when there is none (a budget smaller than the first character).
 */
function charSafeCut(tok: Tokenizer, ids: readonly number[], n: number): number {
  for (let k = n; k > Math.max(0, n - 4); k--) {
    if (!tok.endsInsideCharacter(ids, k)) return k;
  }
  return n;
}

interface Parts {
  prompt: Prompt;
  promptIds: number[];
  reportIds: number[];
  report: string;
}

function concatIds(chunks: readonly (readonly number[])[]): Int32Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Int32Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function piecesAreBoundaries(tok: Tokenizer, pieces: Piece[], contents: string[]): boolean {
  for (let i = 0; i < contents.length; i++) {
    if (!tok.isBoundary(pieces[i]!.text, contents[i]!) || !tok.isBoundary(contents[i]!, pieces[i + 1]!.text)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Public API

function recordError(rec: Pick<FormatInput, 'id'>, problem: string, fix?: string): InputError {
  return new InputError({}, `${rec.id !== undefined ? `record ${rec.id}` : 'the record'} ${problem}`, fix);
}

function targetOf(rec: FormatInput, task: Task): string {
  const t = task === 'sum' ? rec.summary : rec.keyinfo;
  const what = task === 'sum' ? 'summary' : 'key information (keyinfo)';
  if (t === undefined) {
    throw recordError(rec, `has no ${what}, needed for the ${task} task`, task === 'ext' ? 'run the teacher stage first' : 'read a dataset with summaries');
  }
  const c = t.trim();
  if (c === '') throw recordError(rec, `has an empty ${what}`);
  return c;
}

/**
 * Format one record for each task in `tasks` (default both), tokenizing its report once.
 * Throws InputError for a missing/empty target, ConfigError for a template whose prefix is not
 * a token prefix of the full rendering or whose mask would be empty or cover everything.
 */
export function formatRecord(rec: FormatInput, tok: Tokenizer, options: FormatOptions = {}, tasks: readonly Task[] = ['sum', 'ext']): FormattedExample[] {
  const report = rec.report.trim();
  if (report === '') throw recordError(rec, 'has an empty report');
  const reportIds = tok.encode(report);
  const budgets = budgetsOf(options);
  return tasks.map((task) => formatWith(rec, task, tok, options, budgets, report, reportIds));
}

/** Format one record for one task (see `formatRecord`). */
export function formatExample(rec: FormatInput, task: Task, tok: Tokenizer, options: FormatOptions = {}): FormattedExample {
  return formatRecord(rec, tok, options, [task])[0]!;
}

/** Prompt ids, remembered per tokenizer (there are a handful of prompts). */
const promptIdsCache = new WeakMap<Tokenizer, Map<string, number[]>>();

function promptIds(tok: Tokenizer, text: string): number[] {
  let m = promptIdsCache.get(tok);
  if (!m) promptIdsCache.set(tok, (m = new Map()));
  let ids = m.get(text);
  if (!ids) {
    ids = tok.encode(text);
    if (m.size > 256) m.clear();
    m.set(text, ids);
  }
  return ids;
}

function formatWith(rec: FormatInput, task: Task, tok: Tokenizer, options: FormatOptions, budgets: Budgets, report: string, reportIds: number[]): FormattedExample {
  const layout = options.layout ?? 'paper';
  const sk = skeletonOf(tok, layout);
  const prompt = promptFor(task, rec.lang, options.prompts);
  const target = targetOf(rec, task);
  const fast =
    sk.verbatim &&
    piecesAreBoundaries(tok, sk.full, [prompt.text, report, target]) &&
    (sk.samePrefixPieces || piecesAreBoundaries(tok, sk.prefix, [prompt.text, report]));
  const parts: Parts = { prompt, promptIds: promptIds(tok, prompt.text), reportIds, report };
  const ex = fast ? assembleFast(rec, task, tok, sk, parts, tok.encode(target), budgets) : assembleSlow(rec, task, tok, layout, sk, parts, target, budgets);
  checkMask(ex, rec);
  return ex;
}

function assembleFast(rec: FormatInput, task: Task, tok: Tokenizer, sk: Skeleton, parts: Parts, targetIds: number[], budgets: Budgets): FormattedExample {
  const [p0, p1, p2] = sk.prefix as [Piece, Piece, Piece];
  const overhead = p0.ids.length + parts.promptIds.length + p1.ids.length + p2.ids.length;
  const room = budgets.promptTokens - overhead;
  if (room < 1) {
    throw new PromptBudgetError(budgets.promptTokens, overhead);
  }
  const reportFull = parts.reportIds.length;
  const reportKeep = reportFull > room ? charSafeCut(tok, parts.reportIds, room) : reportFull;
  const reportIds = reportKeep < reportFull ? parts.reportIds.slice(0, reportKeep) : parts.reportIds;
  const targetFull = targetIds.length;
  const targetKeep = targetFull > budgets.targetTokens ? charSafeCut(tok, targetIds, budgets.targetTokens) : targetFull;
  const targetCut = targetKeep < targetFull;
  const tIds = targetCut ? targetIds.slice(0, targetKeep) : targetIds;

  const [f0, f1, f2, f3] = sk.full as [Piece, Piece, Piece, Piece];
  // A cut target ends the sequence: no end-of-turn token, so the model never learns to stop at a cut.
  const fullIds = concatIds([f0.ids, parts.promptIds, f1.ids, reportIds, f2.ids, tIds, targetCut ? [] : f3.ids]);
  const prefixChunks = [p0.ids, parts.promptIds, p1.ids, reportIds, p2.ids];
  const start = chunksLength(prefixChunks);
  if (!chunksArePrefix(prefixChunks, fullIds)) throw prefixError(concatIds(prefixChunks), fullIds);
  const labelEnd = start + tIds.length + (targetCut ? 0 : 1);
  return finish(rec, task, fullIds, start, labelEnd, parts.prompt, {
    report: { keep: reportKeep, full: reportFull },
    target: { keep: targetKeep, full: targetFull },
  });
}

/**
 * Render-and-tokenize-whole path, for templates that do not insert contents verbatim or
 * junctions that are not token boundaries. Cuts re-render the decoded cut text.
 */
function assembleSlow(rec: FormatInput, task: Task, tok: Tokenizer, layout: Layout, sk: Skeleton, parts: Parts, target: string, budgets: Budgets): FormattedExample {
  const reportFull = parts.reportIds.length;
  const targetIdsFull = tok.encode(target);
  const targetFull = targetIdsFull.length;
  let reportKeep = reportFull;
  let reportText = parts.report;
  let prefixIds: number[] = [];
  for (let round = 0; ; round++) {
    prefixIds = tok.encode(tok.applyChatTemplate(buildMessages(layout, parts.prompt.text, reportText), { addGenerationPrompt: true }));
    const over = prefixIds.length - budgets.promptTokens;
    if (over <= 0) break;
    reportKeep = charSafeCut(tok, parts.reportIds, reportKeep - over);
    if (reportKeep < 1 || round > 8) {
      throw new PromptBudgetError(budgets.promptTokens, promptOverhead(tok, layout, parts.prompt.text));
    }
    reportText = tok.decode(parts.reportIds.slice(0, reportKeep));
  }
  const targetKeep = targetFull > budgets.targetTokens ? charSafeCut(tok, targetIdsFull, budgets.targetTokens) : targetFull;
  const targetCut = targetKeep < targetFull;
  const targetText = targetCut ? tok.decode(targetIdsFull.slice(0, targetKeep)) : target;
  const fullRender = tok.encode(tok.applyChatTemplate(buildMessages(layout, parts.prompt.text, reportText, targetText), { addGenerationPrompt: false }));
  const start = prefixIds.length;
  if (!isTokenPrefix(prefixIds, fullRender)) throw prefixError(prefixIds, fullRender);
  // The assistant segment ends at the last end-of-turn token of the rendering.
  const eot = fullRender.lastIndexOf(sk.endOfTurn);
  if (eot < start) throw new ConfigError('the rendered conversation has no end-of-turn token after the assistant content');
  const contentLen = eot - start;
  const ids = targetCut ? fullRender.slice(0, eot) : fullRender;
  return finish(rec, task, Int32Array.from(ids), start, targetCut ? eot : eot + 1, parts.prompt, {
    report: { keep: reportKeep, full: reportFull },
    target: { keep: targetCut ? contentLen : targetKeep, full: targetFull },
  });
}

function finish(
  rec: FormatInput,
  task: Task,
  inputIds: Int32Array,
  start: number,
  labelEnd: number,
  prompt: Prompt,
  n: { report: { keep: number; full: number }; target: { keep: number; full: number } },
): FormattedExample {
  const labels = new Int32Array(inputIds.length).fill(IGNORE_INDEX);
  labels.set(inputIds.subarray(start, labelEnd), start);
  return {
    id: rec.id,
    task,
    lang: rec.lang,
    inputIds,
    labels,
    assistantStart: start,
    labelCount: labelEnd - start,
    truncated: { report: n.report.keep < n.report.full, target: n.target.keep < n.target.full },
    tokens: { prompt: start, target: n.target.keep, report: n.report.keep, reportFull: n.report.full, targetFull: n.target.full },
    prompt,
  };
}

function chunksLength(chunks: readonly (readonly number[])[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

/** Whether the concatenation of `chunks` is a proper prefix of `full` (without building it). */
function chunksArePrefix(chunks: readonly (readonly number[])[], full: ArrayLike<number>): boolean {
  let o = 0;
  for (const c of chunks) {
    if (o + c.length >= full.length) return false;
    for (let i = 0; i < c.length; i++) if (c[i] !== full[o + i]) return false;
    o += c.length;
  }
  return true;
}

function isTokenPrefix(prefix: ArrayLike<number>, full: ArrayLike<number>): boolean {
  if (prefix.length >= full.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== full[i]) return false;
  return true;
}

/**
 * A prompt budget too small for any of the report: the chat template and the prompt alone take
 * `overhead` tokens of the `budget`. The caller names its setting (`--max-input-tokens`,
 * `budgets.prompt_tokens`) when it reports it.
 */
export class PromptBudgetError extends ConfigError {
  readonly budget: number;
  readonly overhead: number;

  constructor(budget: number, overhead: number) {
    super(`the prompt budget (${budget} tokens) leaves no room for the report: the template and prompt alone take ${overhead}`);
    this.budget = budget;
    this.overhead = overhead;
  }
}

/** Tokens of the template and prompt with an empty report (what any report is added to). */
function promptOverhead(tok: Tokenizer, layout: Layout, prompt: string): number {
  return tok.encode(tok.applyChatTemplate(buildMessages(layout, prompt, ''), { addGenerationPrompt: true })).length;
}

function prefixError(prefix: ArrayLike<number>, full: ArrayLike<number>): ConfigError {
  let i = 0;
  while (i < prefix.length && i < full.length && prefix[i] === full[i]) i++;
  return new ConfigError(
    `the chat template's generation prompt is not a token prefix of the full conversation (they differ at token ${i} of ${prefix.length}); the assistant start cannot be located, so no loss mask is made`,
  );
}

function checkMask(ex: FormattedExample, rec: FormatInput): void {
  const where = rec.id !== undefined ? ` (record ${rec.id}, task ${ex.task})` : ` (task ${ex.task})`;
  if (ex.labelCount <= 0) throw new ConfigError(`empty loss mask${where}: nothing would be learned from this example`);
  if (ex.assistantStart <= 0 || ex.labelCount >= ex.inputIds.length) throw new ConfigError(`the loss mask covers the whole sequence${where}`);
}

/**
 * The generation prompt of a record (system + user with `add_generation_prompt`), as text and
 * ids, with the report cut to `promptTokens` (default: no cut) — what the model sees at inference.
 */
export function renderPrompt(
  rec: Pick<FormatInput, 'id' | 'lang' | 'report'>,
  task: Task,
  tok: Tokenizer,
  options: { layout?: Layout; prompts?: PromptSet; promptTokens?: number } = {},
): RenderedPrompt {
  const layout = options.layout ?? 'paper';
  const prompt = promptFor(task, rec.lang, options.prompts);
  const report = rec.report.trim();
  if (report === '') throw recordError(rec, 'has an empty report');
  const text = tok.applyChatTemplate(buildMessages(layout, prompt.text, report), { addGenerationPrompt: true });
  const ids = tok.encode(text);
  const budget = options.promptTokens;
  if (budget === undefined || ids.length <= budget) return { text, inputIds: ids, truncated: false, prompt };
  const reportIds = tok.encode(report);
  let keep = reportIds.length - (ids.length - budget);
  for (let round = 0; ; round++) {
    keep = charSafeCut(tok, reportIds, keep);
    if (keep < 1 || round > 8) throw new PromptBudgetError(budget, promptOverhead(tok, layout, prompt.text));
    const t = tok.applyChatTemplate(buildMessages(layout, prompt.text, tok.decode(reportIds.slice(0, keep))), { addGenerationPrompt: true });
    const cut = tok.encode(t);
    if (cut.length <= budget) return { text: t, inputIds: cut, truncated: true, prompt };
    keep -= cut.length - budget;
  }
}

/** How many examples had their report or target cut, for the log line and the run manifest. */
export function truncationCounts(examples: readonly FormattedExample[]): { examples: number; reportCut: number; targetCut: number } {
  let reportCut = 0;
  let targetCut = 0;
  for (const e of examples) {
    if (e.truncated.report) reportCut++;
    if (e.truncated.target) targetCut++;
  }
  return { examples: examples.length, reportCut, targetCut };
}
