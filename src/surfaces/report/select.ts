/**
 * Deterministic choice of examples: every (language, id) gets a rank, the SHA-256 of
 * `clinsum-report\0<lang>\0<id>`, and the lowest ranks are shown. The choice depends only on the
 * ids (not on file order, systems or scores), so reruns and other runs of the same split show the
 * same cases, and it favours no system.
 */
import { sha256 } from '../../util/hash.js';

export function selectionRank(lang: string, id: string): string {
  return sha256(`clinsum-report\u0000${lang}\u0000${id}`);
}

/** Up to `perLanguage` of `items` per language, lowest rank first; languages sorted by code. */
export function pickExamples<T extends { lang: string; id: string }>(items: Iterable<T>, perLanguage: number): T[] {
  const byLang = new Map<string, { rank: string; item: T }[]>();
  for (const item of items) {
    let g = byLang.get(item.lang);
    if (g === undefined) byLang.set(item.lang, (g = []));
    g.push({ rank: selectionRank(item.lang, item.id), item });
  }
  const out: T[] = [];
  for (const lang of [...byLang.keys()].sort()) {
    const g = byLang.get(lang)!.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
    out.push(...g.slice(0, perLanguage).map((x) => x.item));
  }
  return out;
}
