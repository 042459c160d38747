import { loadTokenizer } from '../../../models/tokenizer/index.js';
import { parseLang } from '../../../data/lang.js';
import { readDataset } from '../../../data/read.js';
import { computeStats, formatStatsTable } from '../../../data/stats.js';
import { UsageError } from '../../../util/errors.js';
import { bool, parseFlags, str } from '../args.js';
import type { Command } from '../command.js';

export const command: Command = {
  name: 'data stats',
  summary: 'per-language counts and report/summary/key-information lengths (code points; tokens with --tokenizer)',
  usage: `usage: clinsum data stats PATH... [--json] [--tokenizer DIR] [--lang LANG] [--skip-invalid]

PATH is a MultiClinSum folder (fulltext/ + summaries/), a .json array, or .jsonl(.gz).
Lengths are Unicode code points of the texts stripped of surrounding white space.

  --json            print {"languages": {"en": {"count", "report": {count, mean, min, max}, ...}}}
  --tokenizer DIR   also count tokens with the tokenizer in DIR (tokenizer.json + tokenizer_config.json)
  --lang LANG       language of inputs that do not state one (en, es, fr, pt)
  --skip-invalid    skip bad items (printed to stderr with the reason) instead of failing

example: clinsum data stats ../shared/data/multiclinsum/multiclinsum_gs_train_en`,
  async run(argv, io) {
    const f = parseFlags('data stats', argv, {
      json: { type: 'boolean' },
      tokenizer: { type: 'string' },
      lang: { type: 'string' },
      'skip-invalid': { type: 'boolean' },
    });
    if (f.positionals.length === 0) throw new UsageError('data stats: give at least one PATH (see `clinsum data stats --help`)');
    const lang = str(f, 'lang');
    const ds = readDataset(f.positionals, {
      lang: lang === undefined ? undefined : parseLang(lang, '--lang'),
      skipInvalid: bool(f, 'skip-invalid'),
      requireRecords: true,
      requireSummary: false,
      onSkip: (s) => io.stderr.write(`clinsum: skipped ${s.reason}\n`),
    });
    const dir = str(f, 'tokenizer');
    const stats = computeStats(ds.records, dir === undefined ? {} : { tokenizer: loadTokenizer(dir) });
    if (bool(f, 'json')) io.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
    else io.stdout.write(formatStatsTable(stats));
    if (ds.skipped.length > 0) io.stderr.write(`clinsum: ${ds.skipped.length} item(s) skipped\n`);
    return 0;
  },
};
