/**
 * bert_score's default layer per model (its `model2layers` table, tuned on WMT16), for the
 * BERT-family models clinsum runs. `--layer` overrides it; a model not listed needs `--layer`.
 */
export const BERT_SCORE_LAYERS: Readonly<Record<string, number>> = Object.freeze({
  'bert-base-uncased': 9,
  'bert-large-uncased': 18,
  'bert-base-cased-finetuned-mrpc': 9,
  'bert-base-multilingual-cased': 9,
  'bert-base-chinese': 8,
  'roberta-base': 10,
  'roberta-large': 17,
  'roberta-large-mnli': 19,
  'roberta-base-openai-detector': 7,
  'roberta-large-openai-detector': 15,
  'allenai/scibert_scivocab_uncased': 8,
  'allenai/scibert_scivocab_cased': 9,
  'nfliu/scibert_basevocab_uncased': 9,
  'distilroberta-base': 5,
  'distilbert-base-uncased': 5,
  'distilbert-base-uncased-distilled-squad': 4,
  'distilbert-base-multilingual-cased': 5,
  'xlm-roberta-base': 9,
  'xlm-roberta-large': 17,
  'dbmdz/bert-base-turkish-cased': 10,
  'dbmdz/distilbert-base-turkish-cased': 4,
});

/** Organisations the Hub moved the original un-namespaced models under (`distilbert/distilbert-base-uncased`). */
const LEGACY_ORGS = ['distilbert', 'google-bert', 'FacebookAI', 'openai-community'];

/** bert_score's name for a model: `distilbert/distilbert-base-uncased` → `distilbert-base-uncased`. */
export function bertScoreModelName(name: string): string {
  const slash = name.indexOf('/');
  if (slash > 0 && LEGACY_ORGS.includes(name.slice(0, slash))) {
    const bare = name.slice(slash + 1);
    if (bare in BERT_SCORE_LAYERS) return bare;
  }
  return name;
}

/** The default layer of a model name, or undefined when bert_score has none for it. */
export function defaultLayer(name: string): number | undefined {
  return BERT_SCORE_LAYERS[bertScoreModelName(name)];
}
