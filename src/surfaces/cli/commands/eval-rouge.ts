/** `clinsum eval rouge --pairs FILE`: ROUGE of reference–prediction pairs, per language. */
import { createRougeMetric } from '../../../stages/evaluate/rouge/metric.js';
import { TOKENIZERS } from '../../../stages/evaluate/rouge/tokenize.js';
import { bool, parseFlags, requiredStr } from '../args.js';
import type { Command } from '../command.js';
import { BOOTSTRAP_FLAGS, BOOTSTRAP_USAGE, ROUGE_FLAGS, oneOf, scorePairsFile, splitFlag } from './eval-shared.js';

const NAME = 'eval rouge';

export const command: Command = {
  name: NAME,
  summary: 'ROUGE-1/2/L/Lsum of reference–prediction pairs (rouge-score semantics), per language',
  usage: `usage: clinsum eval rouge --pairs FILE.jsonl [--stemmer] [--tokenizer reference|unicode]
                          [--split newline|sentence] [--out FILE.jsonl] [--json]

Scores every line {id, reference (or target), prediction, lang?} of FILE (.jsonl or .jsonl.gz)
with rouge1, rouge2, rougeL and rougeLsum, exactly as Google's rouge-score 0.1.2, and prints
precision, recall, F and F's bootstrap interval per language (lines without lang count as "und").

  --pairs FILE         the pairs to score (required)
  --stemmer            stem tokens longer than 3 characters: NLTK's Porter stemmer with the
                       reference tokenizer (rouge-score's use_stemmer=True); Snowball (en, es,
                       fr, pt, by each line's lang) with the unicode tokenizer
  --tokenizer NAME     reference (default): rouge-score's tokenizer, which drops every non-ASCII
                       letter; unicode: letters and digits of any script (NOT comparable with
                       published numbers)
  --split MODE         how rougeLsum finds sentences: newline (default, as rouge-score) or
                       sentence (newlines and sentence punctuation, like nltk.sent_tokenize)
  --out FILE           write one line per pair: {id, lang, rouge1: {precision, recall, fmeasure},
                       rouge2, rougeL, rougeLsum}
  --json               print the aggregate as JSON instead of a table
${BOOTSTRAP_USAGE}

example:
  clinsum eval rouge --pairs pairs.jsonl --stemmer --out scores.jsonl
`,
  async run(argv, io) {
    const f = parseFlags(NAME, argv, {
      pairs: { type: 'string' },
      ...ROUGE_FLAGS,
      out: { type: 'string' },
      json: { type: 'boolean' },
      ...BOOTSTRAP_FLAGS,
    }, false);
    const metric = createRougeMetric({
      tokenizer: oneOf(f, 'tokenizer', TOKENIZERS, 'reference'),
      stemmer: bool(f, 'stemmer'),
      summarySplit: splitFlag(f),
    });
    const s = metric.settings;
    return scorePairsFile(
      io,
      f,
      requiredStr(NAME, f, 'pairs'),
      metric,
      (pairs) => `ROUGE of ${pairs} pairs (tokenizer ${s.tokenizer}, stemmer ${s.stemmer}, rougeLsum split ${s.summarySplit}), × 100:\n\n`,
      metric.comparable ? '' : '\nNot comparable with numbers from the official rouge-score.\n',
    );
  },
};
