/** Stage `split`: read the data and write the seeded per-language train/valid/test split. */
import { readDataset, writeSplit, type CaseRecord, type Lang } from '../../data/index.js';
import { UsageError } from '../../util/errors.js';
import type { Stage } from '../stage.js';
import { runPaths, type PipelineSetup } from './context.js';

/** The first `limit` records of each language, in reading order. */
export function limitPerLanguage(records: readonly CaseRecord[], limit: number | null): CaseRecord[] {
  if (limit === null) return [...records];
  const seen = new Map<Lang, number>();
  return records.filter((r) => {
    const n = (seen.get(r.lang) ?? 0) + 1;
    seen.set(r.lang, n);
    return n <= limit;
  });
}

export function splitStage(setup: PipelineSetup): Stage {
  const { config, runDir } = setup;
  const outputs = ['splits/train.jsonl', 'splits/valid.jsonl', 'splits/test.jsonl', 'splits/manifest.json'];
  return {
    name: 'split',
    summary: 'read the data, seeded per-language train/valid/test split',
    resumable: false,
    inputs: () => ({ config: { data: config.data, split: config.split }, files: config.data.paths }),
    clean: () => undefined, // writeSplit replaces every file atomically
    async run(ctx) {
      const ds = readDataset(config.data.paths, {
        lang: config.data.lang ?? undefined,
        skipInvalid: config.data.skip_invalid,
        requireSummary: true,
        onSkip: (s) => ctx.log.warn(`split: skipped ${s.file}${s.line !== undefined ? `:${s.line}` : ''}: ${s.reason}`),
      });
      const records = limitPerLanguage(ds.records, config.data.limit);
      if (records.length === 0) throw new UsageError(`split: no records in ${config.data.paths.join(', ')}`);
      const m = writeSplit(records, ds.sources, runPaths.splits(runDir), { seed: config.split.seed, ratios: config.split.ratios }, ds.skipped.length);
      const counts = Object.entries(m.counts).map(([l, c]) => `${l} ${c.train}/${c.valid}/${c.test}`);
      const limited = config.data.limit !== null && records.length < ds.records.length ? ` (first ${config.data.limit} per language of ${ds.records.length})` : '';
      const skipped = ds.skipped.length > 0 ? `, ${ds.skipped.length} skipped` : '';
      return { status: 'done', outputs, message: `train/valid/test ${counts.join(', ')}${limited}${skipped}` };
    },
  };
}
