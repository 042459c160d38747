/**
 * `clinsum report RUN_DIR... [--out FILE]`: one self-contained HTML page for one or more run
 * directories. The last line on stdout is the path of the page written (or, with --json, one JSON
 * object that names it); what is missing and what to check go to stderr.
 */
import { join } from 'node:path';
import { UsageError } from '../../../util/errors.js';
import { DEFAULT_EXAMPLES_PER_LANGUAGE, DEFAULT_EXCERPT_CHARS, writeReport } from '../../report/index.js';
import { bool, int, outFile, parseFlags, str } from '../args.js';
import type { Command } from '../command.js';

const NAME = 'report';

export const command: Command = {
  name: NAME,
  summary: 'One self-contained HTML report of run directories: provenance, curves, per-language tables, significance, examples',
  usage: `usage: clinsum report RUN_DIR... [--out FILE] [--title TEXT] [--examples N] [--excerpt N]
                      [--no-time] [--json]

Reads the run directories (docs/run-directory.md) and writes one HTML file that works offline:
configuration and provenance (split manifest and file hashes, prompt hashes, teacher), training
curves (L, L_sum, L_ext, learning rate; validation ROUGE by step, runs overlaid), per-language
result tables (F × 100, best in bold), paired-bootstrap significance, teacher key-information
statistics, and example summaries side by side. A run that is partly done gives a partial report
that says what is missing.

  --out FILE       where to write (default RUN_DIR/report.html; required with several runs)
  --title TEXT     page title (default "clinsum report: <run names>")
  --examples N     test cases shown per language (default ${DEFAULT_EXAMPLES_PER_LANGUAGE}); 0 puts no clinical text in the page
  --excerpt N      longest report excerpt in the examples, in characters (default ${DEFAULT_EXCERPT_CHARS})
  --no-time        leave the generation time out (identical runs give identical files)
  --json           print {"out", "bytes", "runs": [...]} as one JSON line instead of the path

The last line on stdout is the path of the file written.

examples:
  clinsum report runs/mcs-en
  clinsum report runs/seed42 runs/seed43 --out compare.html --examples 1
`,
  async run(argv, io) {
    const f = parseFlags(NAME, argv, {
      out: { type: 'string' },
      title: { type: 'string' },
      examples: { type: 'string' },
      excerpt: { type: 'string' },
      'no-time': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const runs = f.positionals;
    if (runs.length === 0) throw new UsageError(`${NAME}: give at least one run directory (see \`clinsum ${NAME} --help\`)`);
    const out = outFile(f, 'out') ?? (runs.length === 1 ? join(runs[0]!, 'report.html') : undefined);
    if (out === undefined) throw new UsageError(`${NAME}: --out FILE is required with several run directories`);
    const result = writeReport({
      runs,
      out,
      title: str(f, 'title'),
      examplesPerLanguage: int(f, 'examples', { min: 0, max: 1000 }),
      excerptChars: int(f, 'excerpt', { min: 1, max: 1_000_000 }),
      generatedAt: bool(f, 'no-time') ? null : undefined,
    });
    for (const run of result.runs) {
      const prefix = result.runs.length > 1 ? `${run.label}: ` : '';
      for (const m of run.missing) io.stderr.write(`clinsum: note: ${prefix}not there yet: ${m.what}\n`);
      for (const n of run.notes) io.stderr.write(`clinsum: note: ${prefix}${n}\n`);
    }
    if (bool(f, 'json')) io.stdout.write(`${JSON.stringify(result)}\n`);
    else io.stdout.write(`${result.out}\n`);
    return 0;
  },
};
