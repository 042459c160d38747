// CLI errors on bad paths and inputs, end to end: each is one line naming the file or flag and
// the fix (exit 1 or 2, never an internal error), is raised before any work, and never quotes
// input text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliCaptured, type CliRun } from '../src/surfaces/cli/testing.js';
import { tempDirs } from '../src/util/testing.js';

const tmp = tempDirs('clinsum-cli-errors-');
const cli = (...argv: string[]): Promise<CliRun> => runCliCaptured(argv);

/** One `clinsum: error:` line, exit `code`, nothing on stdout. */
function oneLineError(r: CliRun, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit ${r.code}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.doesNotMatch(r.stderr, /internal error/);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^clinsum: error: /);
  assert.match(lines[0]!, pattern);
}

const SENTENCE = 'A 54-year-old man presented with chest pain radiating to the left arm.';
const rows = (n: number, extra: (i: number) => object = () => ({})): object[] =>
  Array.from({ length: n }, (_, i) => ({ id: `r${i}`, lang: 'en', report: `${SENTENCE} (${i})`, summary: 'Chest pain.', ...extra(i) }));
function writeJsonl(file: string, data: readonly object[]): string {
  writeFileSync(file, data.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

// A work folder with a plain file `afile`, a folder `afolder`, a dataset, predictions, pairs and a tiny model.
const d = tmp();
const afile = join(d, 'afile');
const afolder = join(d, 'afolder');
writeFileSync(afile, 'x');
mkdirSync(afolder);
const data = writeJsonl(join(d, 'data.jsonl'), rows(4));
const preds = writeJsonl(join(d, 'pred.jsonl'), rows(4).map((r) => ({ ...r, prediction: 'Chest pain.' })));
const pairs = writeJsonl(join(d, 'pairs.jsonl'), rows(4).map((r) => ({ ...r, reference: 'Chest pain.', prediction: 'Chest pain, man.' })));
const model = join(d, 'tiny');
const tinyFlags = ['--layers', '1', '--hidden', '32', '--heads', '4', '--kv-heads', '2', '--intermediate', '64'];

test('setup: a tiny model', async () => {
  const r = await cli('model', 'init-tiny', '--out', model, ...tinyFlags);
  assert.equal(r.code, 0, r.stderr);
});

test('an output path that is a file where a folder is wanted (or the reverse) is refused before any work, naming the flag', async () => {
  const notFolder = (flag: string) => new RegExp(`afile: is a file, not a folder \\(choose another --${flag}\\)$`);
  oneLineError(await cli('data', 'split', data, '--out', afile), 1, notFolder('out'));
  oneLineError(await cli('data', 'demo', '--out', join(afile, 'sub')), 1, notFolder('out'));
  oneLineError(await cli('generate', '--model', model, '--data', data, '--out', join(afile, 'x.jsonl'), '--quiet'), 1, notFolder('out'));
  oneLineError(await cli('eval', '--ref', data, '--pred', preds, '--out-dir', afile), 1, notFolder('out-dir'));
  oneLineError(await cli('extract', '--data', data, '--out', afile, '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm', '--dry-run'), 1, notFolder('out'));
  oneLineError(await cli('model', 'init-tiny', '--out', afile), 1, notFolder('out'));
  oneLineError(await cli('run', '--config', join(d, 'none.yaml'), '--out', afile), 1, notFolder('out'));

  const folder = /afolder: is a folder, not a file \(choose another --out\)$/;
  oneLineError(await cli('eval', 'rouge', '--pairs', pairs, '--out', afolder), 1, folder);
  oneLineError(await cli('generate', '--model', model, '--data', data, '--out', afolder, '--quiet'), 1, folder);
  oneLineError(await cli('model', 'gguf', model, '--out', afolder), 1, folder);
  oneLineError(await cli('extract', '--data', data, '--out', join(d, 'ex'), '--store', afolder, '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm', '--dry-run'), 1, /afolder: is a folder, not a file \(choose another --store\)$/);
  assert.deepEqual(readdirSync(afolder), []);
  assert.deepEqual(readdirSync(d).filter((n) => n.endsWith('.tmp')), [], 'no temporary file left behind');
  assert.ok(!existsSync(join(d, 'ex')), 'nothing created');
});

test('generate: float16 on the CPU, a prompt budget too small, a missing model folder, each named before any work', async () => {
  const out = join(d, 'gen.jsonl');
  oneLineError(await cli('generate', '--model', model, '--data', data, '--out', out, '--device', 'cpu', '--dtype', 'float16', '--quiet'), 1, /--dtype float16 needs CUDA; use float32 or bfloat16 on the CPU$/);
  oneLineError(
    await cli('generate', '--model', model, '--data', data, '--out', out, '--device', 'cpu', '--max-input-tokens', '5', '--quiet'),
    1,
    /--max-input-tokens 5 leaves no room for the report: the chat template and the prompt alone take \d+ tokens \(raise --max-input-tokens above \d+; the default is 16384\)$/,
  );
  oneLineError(await cli('generate', '--model', join(d, 'nonexist'), '--data', data, '--out', out, '--quiet'), 1, /nonexist: does not exist \(pass a Hugging Face model folder with config\.json/);
  oneLineError(
    await cli('generate', '--model', model, '--data', data, '--out', out, '--device', 'cpu', '--max-new-tokens', '99999999', '--quiet'),
    1,
    /^clinsum: error: --max-new-tokens 99999999 leaves no room for a prompt in the model's \d+ positions \(max_position_embeddings\); use at most \d+$/,
  );
  oneLineError(await cli('generate', '--model', model, '--data', data, '--out', out, '--limit', '0', '--quiet'), 2, /^clinsum: error: --limit must be at least 1, got 0$/);
  // A refused run writes nothing: no predictions, no settings file, no lock, not even a folder.
  assert.ok(!existsSync(out), 'no predictions written');
  assert.deepEqual(readdirSync(d).filter((n) => n.startsWith('gen.jsonl')), [], 'no settings or lock file left behind');
  oneLineError(
    await cli('generate', '--model', model, '--data', data, '--out', join(d, 'newdir', 'gen.jsonl'), '--device', 'cpu', '--max-input-tokens', '5', '--quiet'),
    1,
    /--max-input-tokens 5 leaves no room/,
  );
  assert.ok(!existsSync(join(d, 'newdir')), 'no output folder made');
});

test('model init-tiny: sizes are bounded by flag and in all, and a refused size leaves no folder behind', async () => {
  oneLineError(await cli('model', 'init-tiny', '--out', join(d, 't1'), '--hidden', '1e9'), 2, /^clinsum: error: --hidden must be at most 16384, got 1e9$/);
  oneLineError(await cli('model', 'init-tiny', '--out', join(d, 't1'), '--layers', '256', '--hidden', '16384', '--intermediate', '65536'), 1, /e9 parameters, more than init-tiny writes \(at most 4e9\); lower the hidden size/);
  assert.ok(!existsSync(join(d, 't1')));
});

test('model info: a config.json that is not JSON says how to fix it', async () => {
  const broken = join(d, 'broken');
  mkdirSync(broken);
  writeFileSync(join(broken, 'config.json'), '{"model_type": "qwen2",, }');
  oneLineError(await cli('model', 'info', broken), 1, /config\.json: is not valid JSON \(at position \d+\) \(fix its syntax, or copy the file again from where the model came from\)$/);
});

test('data split and data stats refuse an input that holds no records', async () => {
  const empty = join(d, 'empty.jsonl');
  writeFileSync(empty, '');
  oneLineError(await cli('data', 'split', empty, '--out', join(d, 'split-empty')), 1, /empty\.jsonl: holds no records \(pass a MultiClinSum folder, a \.json array or a \.jsonl file with at least one record\)$/);
  assert.ok(!existsSync(join(d, 'split-empty')));
  oneLineError(await cli('data', 'stats', empty), 1, /empty\.jsonl: holds no records/);
  const allBad = writeJsonl(join(d, 'all-bad.jsonl'), [{ id: 'a', lang: 'en' }]);
  const r = await cli('data', 'stats', allBad, '--skip-invalid');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /all-bad\.jsonl: holds no valid records \(1 item\(s\) skipped\)/);
});

test('a lang holding text is refused without echoing it, by data stats, eval and eval rouge', async () => {
  const text = 'The patient presented with fever';
  const bad = (file: string, field: object) => writeJsonl(join(d, file), rows(4, (i) => ({ reference: 'Chest pain.', prediction: 'y', ...(i === 1 ? field : {}) })));
  const refs = writeJsonl(join(d, 'bad-lang-refs.jsonl'), rows(4, (i) => (i === 1 ? { lang: text } : {})));
  const expected = /:2: field `lang`: is not a language code \(a text of 32 characters\)/;
  for (const r of [
    await cli('data', 'stats', refs),
    await cli('eval', '--ref', refs, '--pred', preds),
    await cli('eval', '--ref', data, '--pred', bad('bad-lang-preds.jsonl', { lang: text })),
    await cli('eval', 'rouge', '--pairs', bad('bad-lang-pairs.jsonl', { lang: text })),
  ]) {
    oneLineError(r, 1, expected);
    assert.ok(!r.stderr.includes('patient'), r.stderr);
  }
  // Evaluation takes any language code (its case ignored); the data commands only clinsum's four.
  const codes = await cli('eval', 'rouge', '--pairs', bad('code-pairs.jsonl', { lang: 'DE' }));
  assert.equal(codes.code, 0, codes.stderr);
  assert.match(codes.stdout, /\| de \| 1 \| R1 \|/);
  oneLineError(await cli('data', 'stats', writeJsonl(join(d, 'de.jsonl'), rows(2, (i) => (i === 1 ? { lang: 'de' } : {})))), 1, /de\.jsonl:2: field `lang`: unknown language "de" \(use one of en, es, fr, pt\)$/);
});

test('eval --ref takes a MultiClinSum folder as the other commands do; eval rouge --pairs says what to pass for one', async () => {
  const demo = join(d, 'demo');
  assert.equal((await cli('data', 'demo', '--out', demo, '--layout', 'multiclinsum', '--per-language', '3', '--lang', 'en')).code, 0);
  const folder = join(demo, 'multiclinsum_gs_train_en');
  const out = join(d, 'demo-pred.jsonl');
  const g = await cli('generate', '--model', model, '--data', folder, '--out', out, '--max-new-tokens', '2', '--device', 'cpu', '--quiet');
  assert.equal(g.code, 0, g.stderr);
  const r = await cli('eval', '--ref', folder, '--pred', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { systems: { pairs: number }[] }).systems[0]!.pairs, 3);
  oneLineError(await cli('eval', 'rouge', '--pairs', folder), 1, /multiclinsum_gs_train_en: is a folder \(pass a \.jsonl file of \{"id", "reference", "prediction", "lang"\} lines, or score a folder of references with `clinsum eval --ref FOLDER --pred FILE`\)$/);
});
