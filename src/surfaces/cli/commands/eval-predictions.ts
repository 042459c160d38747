/**
 * `clinsum eval --pred FILE --ref FILE`: join predictions to references by id, run every metric,
 * write the per-language table (Markdown, JSON) and per-pair scores; `--compare A B` adds a
 * paired bootstrap test between two prediction files.
 */
import { UsageError } from '../../../util/errors.js';
import { METRIC_KINDS } from '../../../stages/evaluate/metrics.js';
import type { Metric } from '../../../stages/evaluate/metric.js';
import { evaluatePredictions, renderComparisonMarkdown, renderSystemMarkdown, type SystemInput } from '../../../stages/evaluate/run.js';
import { bool, outDir as outDirFlag, parseFlags, requiredStr, str } from '../args.js';
import type { Command } from '../command.js';
import { BERTSCORE_USAGE, BOOTSTRAP_FLAGS, BOOTSTRAP_USAGE, ROUGE_FLAGS, bertScoreFlagSpec, bertScoreFlags, bertScoreModelDir, bootstrapFlags, evaluateAndPrint, oneOf, splitFlag } from './eval-shared.js';

const NAME = 'eval';

/** Takes `--compare A B` (a flag with two values, which parseArgs cannot express) out of argv. */
export function extractCompare(argv: readonly string[]): { compare: [string, string] | undefined; rest: string[] } {
  const at = argv.indexOf('--compare');
  if (at < 0) {
    if (argv.some((a) => a.startsWith('--compare='))) throw new UsageError(`${NAME}: write --compare A B (two prediction files)`);
    return { compare: undefined, rest: [...argv] };
  }
  const a = argv[at + 1];
  const b = argv[at + 2];
  if (a === undefined || b === undefined || a.startsWith('-') || b.startsWith('-')) {
    throw new UsageError(`${NAME}: --compare needs two prediction files: --compare A.jsonl B.jsonl`);
  }
  const rest = [...argv.slice(0, at), ...argv.slice(at + 3)];
  if (rest.includes('--compare')) throw new UsageError(`${NAME}: --compare is given twice`);
  return { compare: [a, b], rest };
}

export const command: Command = {
  name: NAME,
  summary: 'Score prediction files against references: per-language tables, paired significance tests',
  usage: `usage: clinsum eval --ref FILE (--pred FILE | --compare A B) [--out-dir DIR] [--stemmer]
                    [--tokenizer reference|unicode|both] [--split newline|sentence]
                    [--allow-missing] [--json]
                    [--bertscore-model DIR [--bertscore-layer N] [--idf] [--baseline FILE]
                     [--batch-size N] [--device cpu|cuda]]

Joins predictions ({id, lang, prediction} a line, the generate stage's output) to references
({id, lang, summary} a line, a split file; "reference", "target" or "output" also accepted) by
id and lang, scores them with ROUGE-1/2/L/Lsum (rouge-score 0.1.2 semantics), and prints a
per-language table of F × 100 with the macro average, like the paper's Table 4.

  --ref FILE           references (required)
  --pred FILE          predictions of one system
  --compare A B        predictions of two systems: both tables, and a paired bootstrap test
                       (Koehn 2004) of A against B per language and metric
  --out-dir DIR        write <name>.json, <name>.md, <name>.scores.jsonl per system (name: the
                       prediction file's name without .jsonl) and <A>-vs-<B>.json/.md
  --stemmer            Porter stemmer (NLTK) with the reference tokenizer; Snowball with unicode
  --tokenizer NAME     reference (default, comparable with published numbers), unicode
                       (clinsum's multilingual tokenizer, not comparable), or both (two sets of
                       columns)
  --split MODE         rougeLsum sentences: newline (default) or sentence
  --allow-missing      score the pairs that match and report how many were left out, instead
                       of failing when the prediction and reference ids differ
  --json               print the whole result as JSON instead of Markdown
  --bertscore-model DIR  add BERTScore (bert_score 0.3.13 semantics) with this BERT, DistilBERT,
                       RoBERTa or XLM-R folder; its flags (--layer is --bertscore-layer here):
${BERTSCORE_USAGE.replace('--layer N           ', '--bertscore-layer N ')}
${BOOTSTRAP_USAGE}

examples:
  clinsum eval --pred run/predictions/student.jsonl --ref run/splits/test.jsonl --out-dir run/eval
  clinsum eval --compare run/predictions/distilled.jsonl run/predictions/standard.jsonl \\
               --ref run/splits/test.jsonl --stemmer --out-dir run/eval
`,
  async run(argv, io) {
    const { compare, rest } = extractCompare(argv);
    const f = parseFlags(NAME, rest, {
      ref: { type: 'string' },
      pred: { type: 'string' },
      'out-dir': { type: 'string' },
      ...ROUGE_FLAGS,
      'allow-missing': { type: 'boolean' },
      json: { type: 'boolean' },
      'bertscore-model': { type: 'string' },
      ...bertScoreFlagSpec('bertscore-layer'),
      ...BOOTSTRAP_FLAGS,
    }, false);
    const outDir = outDirFlag(f, 'out-dir');
    const pred = str(f, 'pred');
    if (pred !== undefined && compare !== undefined) throw new UsageError(`${NAME}: give --pred FILE or --compare A B, not both`);
    if (pred === undefined && compare === undefined) throw new UsageError(`${NAME}: --pred FILE (or --compare A B) is required (see \`clinsum eval --help\`)`);
    const systems: SystemInput[] = compare !== undefined ? compare.map((p) => ({ predictions: p })) : [{ predictions: pred! }];

    const tokenizer = oneOf(f, 'tokenizer', ['reference', 'unicode', 'both'] as const, 'reference');
    const createRouge = await METRIC_KINDS.rouge.load();
    const rouge = { stemmer: bool(f, 'stemmer'), summarySplit: splitFlag(f) };
    const metrics: Metric[] = [];
    if (tokenizer !== 'unicode') metrics.push(await createRouge({ ...rouge, tokenizer: 'reference' }));
    if (tokenizer !== 'reference') metrics.push(await createRouge({ ...rouge, tokenizer: 'unicode' }));
    const bertModel = bertScoreModelDir(f, 'bertscore-model', NAME);
    const bertOnly = Object.keys(bertScoreFlagSpec('bertscore-layer')).filter((k) => f.values[k] !== undefined);
    if (bertModel === undefined && bertOnly.length > 0) throw new UsageError(`${NAME}: --${bertOnly[0]} is a BERTScore flag: give --bertscore-model DIR too`);
    const bertscore = bertModel === undefined ? undefined : await (await METRIC_KINDS.bertscore.load())({ model: bertModel, ...bertScoreFlags(f, 'bertscore-layer') });
    if (bertscore !== undefined) metrics.push(bertscore);
    try {
      const result = await evaluateAndPrint(
        io,
        f,
        (onProgress) =>
          evaluatePredictions({
            references: requiredStr(NAME, f, 'ref'),
            systems,
            metrics,
            allowMissing: bool(f, 'allow-missing'),
            outDir,
            bootstrap: bootstrapFlags(f),
            onProgress,
          }),
        (r) => {
          const docs = r.systems.map((s) => renderSystemMarkdown(s, r));
          if (r.comparison !== undefined) {
            docs.push(`# Comparison: ${r.comparison.a} vs ${r.comparison.b}\n\n${renderComparisonMarkdown(r.comparison, metrics.flatMap((m) => m.columns))}`);
          }
          return docs.join('\n');
        },
      );
      for (const file of result.files) io.stderr.write(`clinsum: wrote ${file}\n`);
      return 0;
    } finally {
      bertscore?.dispose();
    }
  },
};
