/** Precision, recall and F1 of one pair under one metric: the unit every metric reports. */
export interface Prf {
  precision: number;
  recall: number;
  fmeasure: number;
}

/** The three measures of a `Prf`, in their order in tables and files. */
export const MEASURES = Object.freeze(['precision', 'recall', 'fmeasure'] as const);
export type Measure = (typeof MEASURES)[number];

/**
 * rouge-score's `scoring.fmeasure`: the harmonic mean, 0 when precision + recall is 0.
 * Evaluated in Python's order, `2 * p * r / (p + r)`, so that results agree to the last bit.
 */
export function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

export function prf(precision: number, recall: number): Prf {
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

export const ZERO_PRF: Readonly<Prf> = Object.freeze({ precision: 0, recall: 0, fmeasure: 0 });
