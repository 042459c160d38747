/** `clinsum eval bertscore --pairs FILE --model DIR`: BERTScore of reference–prediction pairs, per language. */
import { createBertScoreMetric } from '../../../stages/evaluate/bertscore/metric.js';
import { parseFlags, requiredStr } from '../args.js';
import type { Command } from '../command.js';
import { BERTSCORE_USAGE, BOOTSTRAP_FLAGS, BOOTSTRAP_USAGE, bertScoreFlagSpec, bertScoreFlags, bertScoreModelDir, scorePairsFile } from './eval-shared.js';

const NAME = 'eval bertscore';

export const command: Command = {
  name: NAME,
  summary: 'BERTScore of reference–prediction pairs (bert_score semantics, local model folder), per language',
  usage: `usage: clinsum eval bertscore --pairs FILE.jsonl --model DIR [--layer N] [--idf] [--baseline FILE]
                              [--batch-size N] [--device cpu|cuda] [--out FILE.jsonl] [--json]

Scores every line {id, reference (or target), prediction, lang?} of FILE (.jsonl or .jsonl.gz)
with BERTScore exactly as the bert_score package 0.3.13 (greedy cosine matching of the hidden
states after layer L), and prints precision, recall, F and F's bootstrap interval per language
(lines without lang count as "und"). Each language is scored as its own bert_score call.

  --pairs FILE         the pairs to score (required)
  --model DIR          a Hugging Face folder (config.json, model.safetensors, tokenizer.json) of
                       a BERT, DistilBERT, RoBERTa or XLM-RoBERTa model, e.g. from
                       \`clinsum model pull distilbert/distilbert-base-uncased\` (required)
${BERTSCORE_USAGE}
  --out FILE           write one line per pair: {id, lang, bertscore: {precision, recall, fmeasure}}
  --json               print the aggregate as JSON instead of a table
${BOOTSTRAP_USAGE}

example:
  clinsum eval bertscore --pairs pairs.jsonl --model models/distilbert-base-uncased --out scores.jsonl
`,
  async run(argv, io) {
    const f = parseFlags(NAME, argv, {
      pairs: { type: 'string' },
      model: { type: 'string' },
      ...bertScoreFlagSpec('layer'),
      out: { type: 'string' },
      json: { type: 'boolean' },
      ...BOOTSTRAP_FLAGS,
    }, false);
    const pairsFile = requiredStr(NAME, f, 'pairs');
    requiredStr(NAME, f, 'model');
    const metric = createBertScoreMetric({ model: bertScoreModelDir(f, 'model', NAME)!, ...bertScoreFlags(f, 'layer') });
    try {
      return await scorePairsFile(io, f, pairsFile, metric, (pairs) => `BERTScore of ${pairs} pairs (${metric.settings.hash}), × 100:\n\n`);
    } finally {
      metric.dispose();
    }
  },
};
