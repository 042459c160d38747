/**
 * Benchmark: tokenizing + formatting both tasks (sum, ext) of the 592 shared MultiClinSum
 * reports, against the bare tokenizer on the same texts in the same run (report, summary, key
 * information — each encoded once per record, the least any formatter must do).
 * Target: formatting ≤ 1.3× the bare tokenizer.
 *
 * The shared set has no key information (that comes from the teacher), so the summary stands in
 * as the `ext` target; the `ext` prompt still differs.
 *
 *   npm run build && node dist/bench/format/format.js [--rounds 7] [--layout paper|inline]
 */
import { parseArgs } from 'node:util';
import { readDataset } from '../../src/data/read.js';
import { formatRecord, truncationCounts, type FormattedExample, type Layout } from '../../src/data/format.js';
import { qwen25TokenizerFiles, Tokenizer } from '../../src/models/tokenizer/index.js';
import { multiclinsumPath } from '../../src/util/shared-data.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, layout: { type: 'string', default: 'paper' } } });
const rounds = Number(values.rounds);
const layout = values.layout as Layout;
const data = multiclinsumPath('multiclinsum_gs_train_en');
const records = readDataset([data]).records.map((r) => ({ ...r, keyinfo: r.summary }));

function freshTokenizer(): Tokenizer {
  const { tokenizer, config } = qwen25TokenizerFiles();
  return new Tokenizer(tokenizer, config);
}

function bare(tok: Tokenizer): number {
  let n = 0;
  for (const r of records) {
    n += tok.encode(r.report).length;
    n += tok.encode(r.summary!).length;
    n += tok.encode(r.keyinfo!).length;
  }
  return n;
}

function format(tok: Tokenizer): FormattedExample[] {
  const out: FormattedExample[] = [];
  for (const r of records) out.push(...formatRecord(r, tok, { layout }));
  return out;
}

/**
 * CPU milliseconds (user + system) of this process spent in `fn`: on a machine shared with other
 * jobs this is far steadier than wall time, which also counts the time the process waits.
 */
function time(fn: () => unknown): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

// Cold: a fresh tokenizer (empty word cache) for each measurement, alternating, median of 3.
const cb: number[] = [];
const cf: number[] = [];
const skeleton: number[] = [];
const tiny = { id: 'warm-up', lang: 'en' as const, report: 'R.', summary: 'S.', keyinfo: 'K.' };
for (let i = 0; i < 3; i++) {
  const t1 = freshTokenizer();
  cb.push(time(() => bare(t1)));
  const t2 = freshTokenizer();
  // The template skeleton (rendered once per tokenizer and layout) is built outside the timing.
  skeleton.push(time(() => formatRecord(tiny, t2, { layout })));
  cf.push(time(() => format(t2)));
}
const coldBare = median(cb);
const coldFormat = median(cf);

// Warm: one tokenizer, both sides warmed up, then alternating rounds.
const tok = freshTokenizer();
bare(tok);
const examples = format(tok);
const tb: number[] = [];
const tf: number[] = [];
for (let i = 0; i < rounds; i++) {
  tb.push(time(() => bare(tok)));
  tf.push(time(() => format(tok)));
}
const mb = median(tb);
const mf = median(tf);
const n = examples.length;
const tokens = examples.reduce((a, e) => a + e.inputIds.length, 0);
const cut = truncationCounts(examples);
console.log(`bench/format: ${records.length} reports × 2 tasks = ${n} examples (layout ${layout}), ${tokens} tokens; cut: ${cut.reportCut} reports, ${cut.targetCut} targets`);
console.log(`  CPU time, warm (median of ${rounds}): bare tokenizer ${mb.toFixed(1)} ms (${((n / mb) * 1000).toFixed(0)} examples/s)  formatting ${mf.toFixed(1)} ms (${((n / mf) * 1000).toFixed(0)} examples/s)  ratio ${(mf / mb).toFixed(2)}× (target ≤ 1.30×)`);
console.log(`  CPU time, cold (fresh word cache, median of 3): bare tokenizer ${coldBare.toFixed(1)} ms  formatting ${coldFormat.toFixed(1)} ms  ratio ${(coldFormat / coldBare).toFixed(2)}×; template skeleton, once per tokenizer and layout: ${median(skeleton).toFixed(1)} ms`);
