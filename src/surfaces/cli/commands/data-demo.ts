import { DEMO_DEFAULTS, DEMO_LAYOUTS, DEMO_MAX_PER_LANGUAGE, writeDemoDataset, type DemoLayout } from '../../../data/demo/index.js';
import { parseLang, type Lang } from '../../../data/lang.js';
import { UsageError } from '../../../util/errors.js';
import { int, outDir, parseFlags, str, strList } from '../args.js';
import type { Command } from '../command.js';

function parseLayout(s: string | undefined): DemoLayout {
  if (s === undefined) return 'jsonl';
  const layout = DEMO_LAYOUTS.find((l) => l === s);
  if (!layout) throw new UsageError(`--layout must be ${DEMO_LAYOUTS.join(' or ')}, got "${s}"`);
  return layout;
}

export const command: Command = {
  name: 'data demo',
  summary: 'write the built-in demo dataset: fictional case reports with summaries in en, es, fr, pt',
  usage: `usage: clinsum data demo --out DIR [--per-language 24] [--seed 42] [--layout jsonl|multiclinsum] [--lang LANG]...

Writes short fictional clinical case reports with their summaries (ten scenarios, such as
appendicitis, pneumonia, diabetic ketoacidosis, Kawasaki disease; no real patient text),
composed from clinsum's own templates. The same options give byte-identical files.

  --out DIR           output folder (created)
  --per-language N    records per language, 1 to ${DEMO_MAX_PER_LANGUAGE} (default ${DEMO_DEFAULTS.perLanguage})
  --seed N            an integer in [0, 2^32) (default ${DEMO_DEFAULTS.seed})
  --layout L          jsonl: DIR/demo.jsonl, one {"id","lang","report","summary"} a line (default);
                      multiclinsum: DIR/multiclinsum_gs_train_<lang>/fulltext/ + summaries/ as in the release
  --lang LANG         only these languages (repeat, or comma-separated; default en, es, fr, pt)

example: clinsum data demo --out runs/demo/data --layout multiclinsum`,
  async run(argv, io) {
    const f = parseFlags(
      'data demo',
      argv,
      {
        out: { type: 'string' },
        'per-language': { type: 'string' },
        seed: { type: 'string' },
        layout: { type: 'string' },
        lang: { type: 'string', multiple: true },
      },
      false,
    );
    const out = outDir(f, 'out', 'data demo');
    const langList = strList(f, 'lang').flatMap((s) => s.split(','));
    const langs: Lang[] | undefined = langList.length === 0 ? undefined : langList.map((s) => parseLang(s, '--lang'));
    const result = writeDemoDataset(out, {
      perLanguage: int(f, 'per-language', { min: 1, max: DEMO_MAX_PER_LANGUAGE }),
      seed: int(f, 'seed', { min: 0, max: 0xffffffff }),
      langs,
      layout: parseLayout(str(f, 'layout')),
    });
    let total = 0;
    for (const [lang, n] of Object.entries(result.counts)) {
      io.stdout.write(`${lang}: ${n} fictional case reports with summaries\n`);
      total += n;
    }
    io.stdout.write(`wrote ${result.paths.join(', ')} (${total} records in ${result.files} file(s), layout ${result.layout}, seed ${result.seed})\n`);
    io.stdout.write(`next: clinsum data stats ${result.paths.join(' ')}\n`);
    return 0;
  },
};
