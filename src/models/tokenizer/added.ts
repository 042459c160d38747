/**
 * Added tokens (`added_tokens` of tokenizer.json), shared by the Qwen tokenizer and the BERT-family
 * ones: the text is split at them before the model sees it, leftmost match first and, where several
 * start at the same place, the longest.
 */

export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  lstrip: boolean;
  rstrip: boolean;
}

/** The distinct contents of `added`, in matching order: longer first, equal lengths in code-unit order. */
export function addedContents(added: readonly AddedToken[]): string[] {
  return [...new Set(added.map((t) => t.content))].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
}

/** A RegExp (with `flags`) matching any of `contents` (from `addedContents`), or undefined when there are none. */
export function addedTokensRegExp(contents: readonly string[], flags: string): RegExp | undefined {
  return contents.length > 0 ? new RegExp(contents.map(escapeRegExp).join('|'), flags) : undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
