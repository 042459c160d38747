import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured, type CliRun } from '../testing.js';

const cli = (argv: string[]): Promise<CliRun> => runCliCaptured(argv);

interface StatsJson {
  languages: Record<string, { count: number; report: { count: number; min: number; max: number }; summary: { count: number; min: number; max: number } }>;
}

test('data demo writes the MultiClinSum layout, says what it wrote, and data stats counts it', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'clinsum-demo-cli-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const w = await cli(['data', 'demo', '--out', d, '--layout', 'multiclinsum', '--per-language', '6', '--seed', '11']);
  assert.equal(w.code, 0, w.stderr);
  const folders = ['en', 'es', 'fr', 'pt'].map((l) => join(d, `multiclinsum_gs_train_${l}`));
  assert.equal(
    w.stdout,
    [
      'en: 6 fictional case reports with summaries',
      'es: 6 fictional case reports with summaries',
      'fr: 6 fictional case reports with summaries',
      'pt: 6 fictional case reports with summaries',
      `wrote ${folders.join(', ')} (24 records in 48 file(s), layout multiclinsum, seed 11)`,
      `next: clinsum data stats ${folders.join(' ')}`,
      '',
    ].join('\n'),
  );
  const s = await cli(['data', 'stats', '--json', ...folders]);
  assert.equal(s.code, 0, s.stderr);
  const stats = JSON.parse(s.stdout) as StatsJson;
  assert.deepEqual(Object.keys(stats.languages), ['en', 'es', 'fr', 'pt']);
  for (const l of Object.values(stats.languages)) {
    assert.equal(l.count, 6);
    assert.equal(l.summary.count, 6);
    assert.ok(l.report.min >= 600 && l.report.max <= 1500 && l.summary.min >= 150 && l.summary.max <= 350);
  }
  const table = await cli(['data', 'stats', ...folders]);
  assert.match(table.stdout, /^es\s+6\s/m);
});

test('data demo: JSONL by default, only the languages asked for, and data stats reads the file', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'clinsum-demo-cli-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const w = await cli(['data', 'demo', '--out', d, '--lang', 'pt', '--lang', 'fr,en']);
  assert.equal(w.code, 0, w.stderr);
  assert.match(w.stdout, /^wrote .*demo\.jsonl \(72 records in 1 file\(s\), layout jsonl, seed 42\)$/m);
  const s = await cli(['data', 'stats', '--json', join(d, 'demo.jsonl')]);
  const stats = JSON.parse(s.stdout) as StatsJson;
  assert.deepEqual(Object.fromEntries(Object.entries(stats.languages).map(([l, v]) => [l, v.count])), { en: 24, fr: 24, pt: 24 });
});

test('data demo: usage errors exit 2 with one line naming the flag, and write nothing', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'clinsum-demo-cli-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const never = join(d, 'out');
  const cases: [string[], RegExp][] = [
    [['data', 'demo'], /--out is required/],
    [['data', 'demo', '--out', never, '--layout', 'xml'], /--layout must be jsonl or multiclinsum, got "xml"/],
    [['data', 'demo', '--out', never, '--per-language', '0'], /--per-language must be at least 1, got 0/],
    [['data', 'demo', '--out', never, '--seed=-3'], /--seed must be at least 0, got -3/],
    [['data', 'demo', '--out', never, '--seed', '2.5'], /--seed must be an integer, got "2.5"/],
    [['data', 'demo', '--out', never, 'extra'], /Unexpected argument 'extra'/],
  ];
  for (const [argv, message] of cases) {
    const r = await cli(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
  }
  const lang = await cli(['data', 'demo', '--out', never, '--lang', 'de']);
  assert.equal(lang.code, 1);
  assert.match(lang.stderr, /--lang: unknown language "de"/);
  assert.equal(existsSync(never), false);
});
