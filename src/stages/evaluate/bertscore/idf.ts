/**
 * Inverse document frequencies as bert_score's `get_idf_dict`: over the reference texts (each
 * one a document, duplicates included), idf(t) = ln((N + 1) / (df(t) + 1)) for a token seen in
 * df(t) of the N references, and ln(N + 1) for a token never seen. The special tokens of every
 * reference ([CLS], [SEP]) get ln(1) = 0 that way. Without idf, every token weighs 1 and [CLS]
 * and [SEP] weigh 0.
 */
export interface IdfWeights {
  /** The weight of a token id. */
  weight(id: number): number;
}

export function idfFromReferences(references: readonly (readonly number[])[]): IdfWeights & { documents: number; df: ReadonlyMap<number, number> } {
  const df = new Map<number, number>();
  for (const ids of references) {
    for (const id of new Set(ids)) df.set(id, (df.get(id) ?? 0) + 1);
  }
  const n = references.length;
  const unseen = Math.log((n + 1) / 1);
  const table = new Map<number, number>();
  for (const [id, c] of df) table.set(id, Math.log((n + 1) / (c + 1)));
  return { documents: n, df, weight: (id) => table.get(id) ?? unseen };
}

export function uniformWeights(zeroIds: readonly (number | undefined)[]): IdfWeights {
  const zero = new Set(zeroIds.filter((x): x is number => x !== undefined));
  return { weight: (id) => (zero.has(id) ? 0 : 1) };
}
