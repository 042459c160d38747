/**
 * `clinsum report` through the CLI dispatcher: where the page goes and what stdout says, partial
 * runs, and clear errors (file, line, field; never a clinical text) for every kind of bad file.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCliCaptured, type CliRun } from '../src/surfaces/cli/testing.js';
import { writeFixtureRun } from '../src/surfaces/report/testing/fixture-run.js';

const root = mkdtempSync(join(tmpdir(), 'clinsum-report-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

const MARKER = 'Zebra-Quokka-Marker';

const cli = (...argv: string[]): Promise<CliRun> => runCliCaptured(argv);

const base = join(root, 'base');
const ready = writeFixtureRun(base, { languages: ['en', 'es'], marker: MARKER });

/** A copy of the fixture run to break. */
async function copyRun(name: string): Promise<string> {
  await ready;
  const dir = join(root, name);
  cpSync(base, dir, { recursive: true });
  rmSync(join(dir, 'report.html'), { force: true });
  return dir;
}

function lastLine(s: string): string {
  const lines = s.trimEnd().split('\n');
  return lines[lines.length - 1]!;
}

test('report RUN writes RUN/report.html and prints its path as the last stdout line', async () => {
  const dir = await copyRun('default-out');
  const r = await cli('report', dir);
  assert.equal(r.code, 0, r.stderr);
  const out = resolve(dir, 'report.html');
  assert.equal(lastLine(r.stdout), out);
  assert.ok(existsSync(out));
  assert.match(readFileSync(out, 'utf8'), /^<!DOCTYPE html>/);
  assert.equal(r.stderr, '', 'a complete run has nothing missing');
});

test('--out, --title, --json; --no-time gives identical files for identical runs', async () => {
  const dir = await copyRun('json');
  const a = join(root, 'a.html');
  const b = join(root, 'b.html');
  const r = await cli('report', dir, '--out', a, '--title', 'Seed 42 & friends', '--json', '--no-time');
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(lastLine(r.stdout)) as { out: string; bytes: number; runs: { label: string; systems: string[]; evaluated: string[]; comparisons: string[] }[] };
  assert.equal(result.out, a);
  assert.equal(result.bytes, readFileSync(a).length);
  assert.deepEqual(result.runs[0]!.systems, ['standard', 'distil']);
  assert.deepEqual(result.runs[0]!.comparisons, ['distil-vs-standard']);
  const page = readFileSync(a, 'utf8');
  assert.match(page, /<title>Seed 42 &amp; friends<\/title>/);
  assert.doesNotMatch(page, /generated \d{4}-/);
  assert.equal((await cli('report', dir, '--out', b, '--title', 'Seed 42 & friends', '--no-time')).code, 0);
  assert.equal(readFileSync(b, 'utf8'), page);
});

/** Every text field of the run's JSONL files that holds clinical text. */
function clinicalTexts(dir: string): string[] {
  const fields: [string, string][] = [
    [join(dir, 'splits', 'train.jsonl'), 'report'],
    [join(dir, 'splits', 'train.jsonl'), 'summary'],
    [join(dir, 'splits', 'test.jsonl'), 'report'],
    [join(dir, 'splits', 'test.jsonl'), 'summary'],
    [join(dir, 'teacher', 'keyinfo.jsonl'), 'keyinfo'],
    [join(dir, 'predictions', 'standard.jsonl'), 'prediction'],
    [join(dir, 'predictions', 'distil.jsonl'), 'prediction'],
  ];
  const out: string[] = [];
  for (const [file, field] of fields) {
    for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
      const v = (JSON.parse(line) as Record<string, unknown>)[field];
      assert.equal(typeof v, 'string', `${file}: ${field}`);
      out.push(v as string);
    }
  }
  return out;
}

/** The page's text as a reader sees it: tags dropped, entities decoded, white space collapsed. */
function visibleText(page: string): string {
  return page
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** Every run of 5 consecutive words of `text`. */
function windows(text: string, size = 5): string[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const out: string[] = [];
  for (let i = 0; i + size <= words.length; i++) out.push(words.slice(i, i + size).join(' '));
  return out;
}

test('--examples 0 keeps every clinical text out of the page: no report, summary, key information or prediction, nor 5 words of one', async () => {
  const dir = await copyRun('no-examples');
  const out = join(root, 'no-examples.html');
  const r = await cli('report', dir, '--out', out, '--examples', '0');
  assert.equal(r.code, 0, r.stderr);
  const page = readFileSync(out, 'utf8');
  const shown = visibleText(page);
  const texts = clinicalTexts(dir);
  assert.ok(texts.length > 100, 'the fixture run has texts of every kind');
  for (const t of texts) {
    assert.ok(!page.includes(t) && !shown.includes(t.replace(/\s+/g, ' ')), 'a whole clinical text is in the page');
    for (const w of windows(t)) assert.ok(!shown.includes(w) && !page.includes(w), `5 words of a clinical text are in the page: ${w}`);
  }
  assert.doesNotMatch(page, /Sample answers/);
  assert.match(page, /this page holds no clinical text/);
  // The statistics are still there, only the texts are gone.
  assert.match(page, /Answers and key-information length per language/);

  // With examples, the texts are there (the check above can fail).
  const withExamples = join(root, 'with-examples.html');
  assert.equal((await cli('report', dir, '--out', withExamples)).code, 0);
  const full = visibleText(readFileSync(withExamples, 'utf8'));
  const seen = clinicalTexts(dir).filter((t) => windows(t).some((w) => full.includes(w))).length;
  assert.ok(seen >= 6, 'texts of the examples and the teacher samples are in a page with examples');
  assert.match(full, /Sample answers/);
});

test('usage errors: no run, several runs without --out, bad numbers', async () => {
  for (const [argv, re] of [
    [['report'], /give at least one run directory/],
    [['report', base, base], /--out FILE is required with several run directories/],
    [['report', base, '--examples=-1'], /--examples must be at least 0/],
    [['report', base, '--excerpt', 'x'], /--excerpt must be an integer/],
    [['report', base, '--colour'], /Unknown option '--colour'/],
  ] as const) {
    await ready;
    const r = await cli(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test('a partly done run: the page is written and stderr lists what is missing', async () => {
  const dir = join(root, 'partial');
  await writeFixtureRun(dir, { languages: ['en'], systems: ['standard', 'distil'], stages: { teacher: false, eval: false }, tornMetrics: true });
  const r = await cli('report', dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lastLine(r.stdout), resolve(dir, 'report.html'));
  assert.match(r.stderr, /not there yet: teacher\/keyinfo\.jsonl/);
  assert.match(r.stderr, /not there yet: eval\/standard\.json/);
  assert.match(r.stderr, /not there yet: eval\/distil\.json/);
  assert.match(r.stderr, /train\/distil\/metrics\.jsonl ends in a partial line/);
  const page = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.match(page, /no evaluation results/);
});

interface Breakage {
  name: string;
  break: (dir: string) => void;
  /** What the one-line error must say. */
  error: RegExp;
}

function editJson(file: string, edit: (v: Record<string, unknown>) => void): void {
  const v = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(v);
  writeFileSync(file, JSON.stringify(v));
}

function editJsonlLine(file: string, line: number, edit: (v: Record<string, unknown>) => void): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  const v = JSON.parse(lines[line - 1]!) as Record<string, unknown>;
  edit(v);
  lines[line - 1] = JSON.stringify(v);
  writeFileSync(file, lines.join('\n'));
}

const BREAKAGES: Breakage[] = [
  {
    name: 'training row with a string loss',
    break: (d) => editJsonlLine(join(d, 'train', 'distil', 'metrics.jsonl'), 3, (v) => (v.loss = 'high')),
    error: /train\/distil\/metrics\.jsonl:3: field `loss`: must be a number \(a training line is \{"step": 10, "loss": 2\.31/,
  },
  {
    name: 'training row without its step',
    break: (d) => editJsonlLine(join(d, 'train', 'distil', 'metrics.jsonl'), 2, (v) => delete v.step),
    error: /train\/distil\/metrics\.jsonl:2: field `step`: is missing \(write a whole number ≥ 0\) \(a training line is \{"step": 10, .*fix or delete this one\)$/,
  },
  {
    name: 'evaluation row with a bad ROUGE value',
    break: (d) => {
      const file = join(d, 'train', 'standard', 'metrics.jsonl');
      const n = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('"eval"')) + 1;
      editJsonlLine(file, n, (v) => ((v.eval as Record<string, unknown>).rouge1 = '41%'));
    },
    error: /train\/standard\/metrics\.jsonl:\d+: field `eval\.rouge1`: /,
  },
  {
    name: 'a metrics line that is not JSON (not the last line)',
    break: (d) => {
      const file = join(d, 'train', 'distil', 'metrics.jsonl');
      const lines = readFileSync(file, 'utf8').split('\n');
      lines[1] = `{"step": 5, "loss": ${MARKER}`;
      writeFileSync(file, lines.join('\n'));
    },
    error: /train\/distil\/metrics\.jsonl:2: is not valid JSON/,
  },
  {
    name: 'system result without its pair count',
    break: (d) => editJson(join(d, 'eval', 'distil.json'), (v) => delete v.pairs),
    error: /eval\/distil\.json: field `pairs`: /,
  },
  {
    name: 'system result whose row lacks a column',
    break: (d) =>
      editJson(join(d, 'eval', 'standard.json'), (v) => {
        const table = v.table as { rows: { scores: Record<string, unknown> }[] };
        delete table.rows[1]!.scores.rouge2;
      }),
    error: /eval\/standard\.json: field `table\.rows\[1\]\.scores`: has no score for column `rouge2`/,
  },
  {
    name: 'comparison with a p-value above 1',
    break: (d) =>
      editJson(join(d, 'eval', 'distil-vs-standard.json'), (v) => {
        (v.rows as { p: number }[])[0]!.p = 3;
      }),
    error: /eval\/distil-vs-standard\.json: field `rows\[0\]\.p`: /,
  },
  {
    name: 'result file that is not JSON',
    break: (d) => writeFileSync(join(d, 'eval', 'distil.json'), `{"name": "distil", ${MARKER}`),
    error: /eval\/distil\.json: is not valid JSON \(at character \d+\) \(rerun `clinsum eval` to rewrite it\)/,
  },
  {
    name: 'teacher answer with an unknown flag',
    break: (d) => editJsonlLine(join(d, 'teacher', 'keyinfo.jsonl'), 2, (v) => (v.flags = ['bogus'])),
    error: /teacher\/keyinfo\.jsonl:2: field `flags\[0\]`: /,
  },
  {
    name: 'teacher statistics without the total',
    break: (d) => editJson(join(d, 'teacher', 'stats.json'), (v) => delete v.all),
    error: /teacher\/stats\.json: field `all`: /,
  },
  {
    name: 'manifest with a malformed hash',
    break: (d) => editJson(join(d, 'splits', 'manifest.json'), (v) => ((v.files as Record<string, { sha256: string }>).test!.sha256 = 'abc')),
    error: /splits\/manifest\.json: field `files\.test\.sha256`: must be 64 lower-case hex digits/,
  },
  {
    name: 'test row without its report',
    break: (d) => editJsonlLine(join(d, 'splits', 'test.jsonl'), 4, (v) => delete v.report),
    error: /splits\/test\.jsonl:4: field `report`: /,
  },
  {
    name: 'prediction that is a number',
    break: (d) => editJsonlLine(join(d, 'predictions', 'standard.jsonl'), 1, (v) => (v.prediction = 42)),
    error: /predictions\/standard\.jsonl:1: field `prediction`: must be a string \(write each line as \{"id": /,
  },
  {
    name: 'prediction without its text',
    break: (d) => editJsonlLine(join(d, 'predictions', 'standard.jsonl'), 2, (v) => delete v.prediction),
    error: /predictions\/standard\.jsonl:2: field `prediction`: is missing \(write a string\) \(write each line as \{"id": /,
  },
  {
    name: 'prediction with a null id',
    break: (d) => editJsonlLine(join(d, 'predictions', 'distil.jsonl'), 3, (v) => (v.id = null)),
    error: /predictions\/distil\.jsonl:3: field `id`: must be a non-empty string or an integer \(write each line as/,
  },
  {
    name: 'prediction with a sentence as its language',
    break: (d) => editJsonlLine(join(d, 'predictions', 'distil.jsonl'), 1, (v) => (v.lang = `Patient presented with ${MARKER}.`)),
    error: /predictions\/distil\.jsonl:1: field `lang`: is not a language code \(a text of \d+ characters\) \(use a language code such as en, es, fr or pt\)/,
  },
  {
    name: 'teacher answer with a sentence as its language',
    break: (d) => editJsonlLine(join(d, 'teacher', 'keyinfo.jsonl'), 3, (v) => (v.lang = `The key information: ${MARKER} fever`)),
    error: /teacher\/keyinfo\.jsonl:3: field `lang`: is not a language code \(a text of \d+ characters\)/,
  },
  {
    name: 'teacher statistics keyed by a sentence',
    break: (d) =>
      editJson(join(d, 'teacher', 'stats.json'), (v) => {
        const l = v.languages as Record<string, unknown>;
        l[`Fever and ${MARKER} cough`] = l.en;
        delete l.en;
      }),
    error: /teacher\/stats\.json: field `languages`: has a key that is not a language code \(a text of \d+ characters; use a language code/,
  },
  {
    name: 'test row with a sentence as its language',
    break: (d) => editJsonlLine(join(d, 'splits', 'test.jsonl'), 2, (v) => (v.lang = `Woman aged 54, ${MARKER}`)),
    error: /splits\/test\.jsonl:2: field `lang`: is not a language code/,
  },
  {
    name: 'config.yaml that is not YAML',
    break: (d) => appendFileSync(join(d, 'config.yaml'), `bad: [unclosed, ${MARKER}\n`),
    error: /config\.yaml:\d+: is not valid YAML/,
  },
  {
    name: 'config.yaml with an empty prompt',
    break: (d) => appendFileSync(join(d, 'config.yaml'), 'prompts:\n  summarization:\n    en: "  "\n'),
    error: /config\.yaml: field `prompts\.summarization\.en`: a prompt must not be empty/,
  },
  {
    name: 'a split file that is binary',
    break: (d) => writeFileSync(join(d, 'splits', 'test.jsonl'), Buffer.from([0x7b, 0x00, 0x7d])),
    error: /splits\/test\.jsonl: is binary/,
  },
];

test('bad files give one clear line naming the file, line and field, and never a text', async () => {
  for (const b of BREAKAGES) {
    const dir = await copyRun(`bad-${BREAKAGES.indexOf(b)}`);
    b.break(dir);
    const r = await cli('report', dir);
    assert.equal(r.code, 1, `${b.name}: exit ${r.code}, ${r.stderr}`);
    assert.equal(r.stdout, '', b.name);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${b.name}: ${r.stderr}`);
    assert.match(lines[0]!, /^clinsum: error: /, b.name);
    assert.match(lines[0]!, b.error, b.name);
    assert.ok(!r.stderr.includes(MARKER), `${b.name}: the error quotes file contents`);
    assert.ok(!existsSync(join(dir, 'report.html')), `${b.name}: a page was written`);
  }
});

test('training config with γ outside [0, 1] and a missing run directory are errors', async () => {
  const dir = await copyRun('bad-gamma');
  writeFileSync(join(dir, 'train', 'distil', 'config.yaml'), 'gamma: 1.5\n');
  let r = await cli('report', dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /train\/distil\/config\.yaml: field `gamma`: /);
  r = await cli('report', join(root, 'nope'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nope: is not a run directory/);
});
