import { parseLang } from '../../../data/lang.js';
import { readDataset } from '../../../data/read.js';
import { DEFAULT_SPLIT, writeSplit } from '../../../data/split.js';
import { UsageError } from '../../../util/errors.js';
import { bool, int, outDir, parseFlags, str } from '../args.js';
import type { Command } from '../command.js';

function parseRatios(s: string | undefined): [number, number, number] {
  if (s === undefined) return [...DEFAULT_SPLIT.ratios];
  const parts = s.split(',').map((x) => Number(x.trim()));
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new UsageError(`--ratios must be three non-negative numbers train,valid,test, got "${s}"`);
  }
  return [parts[0]!, parts[1]!, parts[2]!];
}

export const command: Command = {
  name: 'data split',
  summary: 'seeded per-language train/valid/test split into JSONL files with a manifest',
  usage: `usage: clinsum data split PATH... --out DIR [--seed 42] [--ratios 0.8,0.01,0.19] [--lang LANG] [--skip-invalid]

Writes DIR/train.jsonl, DIR/valid.jsonl, DIR/test.jsonl (one {"id","lang","report","summary"} a line)
and DIR/manifest.json (seed, ratios, counts, source hashes). Per language: records sorted by id,
shuffled with clinsum's PRNG seeded from (seed, language), cut at floor(0.8n) / floor(0.01n) / rest.
The same inputs and seed give byte-identical files.

  --out DIR         output folder (created)
  --seed N          PRNG seed, an integer in [0, 2^32) (default 42)
  --ratios A,B,C    train,valid,test fractions summing to 1 (default 0.8,0.01,0.19)
  --lang LANG       language of inputs that do not state one (en, es, fr, pt)
  --skip-invalid    skip bad items (printed to stderr with the reason) instead of failing

example: clinsum data split ../shared/data/multiclinsum/multiclinsum_gs_train_en --out runs/a/splits`,
  async run(argv, io) {
    const f = parseFlags('data split', argv, {
      out: { type: 'string' },
      seed: { type: 'string' },
      ratios: { type: 'string' },
      lang: { type: 'string' },
      'skip-invalid': { type: 'boolean' },
    });
    if (f.positionals.length === 0) throw new UsageError('data split: give at least one PATH (see `clinsum data split --help`)');
    const out = outDir(f, 'out', 'data split');
    const seed = int(f, 'seed', { min: 0, max: 0xffffffff }) ?? DEFAULT_SPLIT.seed;
    const ratios = parseRatios(str(f, 'ratios'));
    const lang = str(f, 'lang');
    const ds = readDataset(f.positionals, {
      lang: lang === undefined ? undefined : parseLang(lang, '--lang'),
      skipInvalid: bool(f, 'skip-invalid'),
      requireRecords: true,
      requireSummary: true,
      onSkip: (s) => io.stderr.write(`clinsum: skipped ${s.reason}\n`),
    });
    const m = writeSplit(ds.records, ds.sources, out, { seed, ratios }, ds.skipped.length);
    for (const [l, c] of Object.entries(m.counts)) io.stdout.write(`${l}: train ${c.train}, valid ${c.valid}, test ${c.test}\n`);
    io.stdout.write(`wrote ${out}/train.jsonl, valid.jsonl, test.jsonl, manifest.json (seed ${seed})\n`);
    if (ds.skipped.length > 0) io.stderr.write(`clinsum: ${ds.skipped.length} item(s) skipped\n`);
    return 0;
  },
};
