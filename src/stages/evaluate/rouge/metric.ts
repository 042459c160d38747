/** ROUGE as a `Metric`: one scorer per language where stemming depends on it (unicode mode). */
import type { EvalPair, Metric, MetricColumn, MetricResult, PairScores, ProgressSink } from '../metric.js';
import { DEFAULT_ROUGE_TYPES, RougeScorer, type RougeType } from './scorer.js';
import { SNOWBALL_LANGUAGES, primaryLanguage } from './snowball.js';
import type { SummarySplit } from './sentences.js';
import type { TokenizerName } from './tokenize.js';

export interface RougeMetricOptions {
  tokenizer?: TokenizerName;
  stemmer?: boolean;
  summarySplit?: SummarySplit;
  types?: readonly RougeType[];
}

const LABELS: Readonly<Record<string, string>> = { rougeL: 'RL', rougeLsum: 'RLsum' };

/** `R1`, `R2`, `RL`, `RLsum`. */
export function rougeLabel(type: RougeType): string {
  return LABELS[type] ?? `R${type.slice(5)}`;
}

/**
 * Column keys: the ROUGE type for the reference tokenizer (`rouge1`, as rouge-score names it),
 * with `_unicode` appended for the multilingual tokenizer, so both can sit in one table.
 */
export function rougeColumnKey(type: RougeType, tokenizer: TokenizerName): string {
  return tokenizer === 'reference' ? type : `${type}_unicode`;
}

const YIELD_EVERY = 64;

export function createRougeMetric(options: RougeMetricOptions = {}): Metric {
  const tokenizer = options.tokenizer ?? 'reference';
  const stemmer = options.stemmer ?? false;
  const summarySplit = options.summarySplit ?? 'newline';
  const types = options.types ?? DEFAULT_ROUGE_TYPES;
  const columns: MetricColumn[] = types.map((t) => ({
    key: rougeColumnKey(t, tokenizer),
    label: tokenizer === 'reference' ? rougeLabel(t) : `${rougeLabel(t)} (unicode)`,
  }));
  const perLanguage = tokenizer === 'unicode' && stemmer;
  const scorers = new Map<string, RougeScorer>();
  const scorerFor = (lang: string): RougeScorer => {
    const key = perLanguage ? primaryLanguage(lang) : '';
    let s = scorers.get(key);
    if (s === undefined) {
      s = new RougeScorer({ types, tokenizer, stemmer, summarySplit, lang: perLanguage ? key : undefined });
      scorers.set(key, s);
    }
    return s;
  };

  return {
    name: tokenizer === 'reference' ? 'rouge' : 'rouge-unicode',
    columns,
    comparable: tokenizer === 'reference' && summarySplit === 'newline',
    settings: Object.freeze({
      implementation: 'clinsum port of rouge-score 0.1.2',
      tokenizer,
      stemmer: !stemmer ? 'none' : tokenizer === 'reference' ? 'porter (NLTK 3.8, NLTK_EXTENSIONS)' : `snowball (${SNOWBALL_LANGUAGES.join(', ')})`,
      summarySplit,
    }),
    async score(pairs: readonly EvalPair[], onProgress?: ProgressSink): Promise<MetricResult> {
      const scores: PairScores[] = [];
      const unstemmed = new Set<string>();
      for (let i = 0; i < pairs.length; i++) {
        const p = pairs[i]!;
        const scorer = scorerFor(p.lang);
        if (perLanguage && scorer.stemmerName === 'none') unstemmed.add(p.lang);
        const r = scorer.score(p.reference, p.prediction);
        const row: PairScores = {};
        for (const t of types) row[rougeColumnKey(t, tokenizer)] = r[t]!;
        scores.push(row);
        if ((i + 1) % YIELD_EVERY === 0) {
          onProgress?.(i + 1);
          // Let timers and signals run during long evaluations.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      onProgress?.(pairs.length);
      const notes = [...unstemmed].sort().map(
        (l) => `ROUGE (unicode): no Snowball stemmer for language "${l}" (have ${SNOWBALL_LANGUAGES.join(', ')}); its tokens were not stemmed`,
      );
      return { scores, notes };
    },
  };
}
