// `clinsum model init-tiny`, `model info` and `generate` end to end: localized prompts, the
// truncation policy, and resuming after SIGKILL (no duplicates, complete output, the same
// predictions as an uninterrupted run), a torn last line, and a resume with other settings refused;
// SIGINT stopping after the batch in progress (exit 130) and the same command completing the output;
// one writer per --out (the lock) and --limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { runCliCaptured, type CliRun } from '../src/surfaces/cli/testing.js';
import { loadTokenizer } from '../src/models/tokenizer/index.js';
import { renderPrompt } from '../src/data/index.js';
import { tidy } from '../src/engine/index.js';
import { generate } from '../src/models/generation/index.js';
import { loadQwen2, saveQwen2 } from '../src/models/qwen2/index.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'clinsum-model-generate-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const modelDir = join(tmp, 'tiny');

const cli = (...argv: string[]): Promise<CliRun> => runCliCaptured(argv);

// Synthetic reports (no patient data), four languages; one long enough to be cut.
const SENTENCES: Record<string, string> = {
  en: 'A 54-year-old man presented with chest pain radiating to the left arm.',
  es: 'Mujer de 33 años con fiebre y tos de cinco días de evolución.',
  fr: 'Un homme de 70 ans a été admis pour une dyspnée progressive.',
  pt: 'Paciente do sexo feminino, 45 anos, com dor abdominal aguda.',
};
const LANGS = ['en', 'es', 'fr', 'pt'] as const;
function rows(n: number): { id: string; lang: string; report: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const lang = LANGS[i % 4]!;
    return { id: `r${i}`, lang, report: Array.from({ length: 1 + (i % 5) }, () => SENTENCES[lang]).join(' ') };
  });
}
function writeData(file: string, data: object[]): string {
  writeFileSync(file, data.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}
type Row = { id: string; lang: string; prediction: string; finish_reason: string; prompt_tokens: number; completion_tokens: number; report_truncated: boolean };
const readRows = (file: string): Row[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Row);

test('init-tiny and info through the CLI', async () => {
  const r = await cli('model', 'init-tiny', '--out', modelDir, '--seed', '3', '--initializer-range', '0.4', '--layers', '2', '--hidden', '32', '--heads', '4', '--kv-heads', '2', '--intermediate', '64');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), modelDir);
  const info = await cli('model', 'info', modelDir, '--json');
  assert.equal(info.code, 0, info.stderr);
  const j = JSON.parse(info.stdout) as { parameters: number; dtype: string; architecture: string; files: { name: string; bytes: number }[] };
  const perLayer = 32 * 32 + 32 + 2 * (16 * 32 + 16) + 32 * 32 + 3 * 32 * 64 + 2 * 32;
  assert.equal(j.parameters, 151936 * 32 + 2 * perLayer + 32);
  assert.equal(j.dtype, 'float32');
  assert.equal(j.architecture, 'Qwen2ForCausalLM');
  assert.ok(j.files.some((f) => f.name === 'model.safetensors' && f.bytes > j.parameters * 4));
  const text = await cli('model', 'info', modelDir);
  assert.match(text.stdout, /parameters\s+4\.9M/);
  const bad = await cli('model', 'init-tiny', '--out', join(tmp, 'x'), '--hidden', '30', '--heads', '4');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--hidden \(30\) must be a multiple of --heads/);
});

test('generate: every report once, localized prompts, the truncation policy', async () => {
  const data = rows(6);
  data.push({ id: 'long', lang: 'fr', report: Array.from({ length: 40 }, () => SENTENCES.fr).join(' ') });
  const file = writeData(join(tmp, 'data.jsonl'), data);
  const out = join(tmp, 'pred.jsonl');
  const r = await cli('generate', '--model', modelDir, '--data', file, '--out', out, '--max-new-tokens', '6', '--batch-size', '3', '--max-input-tokens', '120', '--quiet');
  assert.equal(r.code, 0, r.stderr);
  const got = readRows(out);
  assert.deepEqual(got.map((x) => x.id).sort(), data.map((x) => x.id).sort());
  const tok = loadTokenizer(modelDir);
  for (const row of got) {
    const rec = data.find((d) => d.id === row.id)!;
    assert.equal(row.lang, rec.lang);
    const expected = renderPrompt({ id: rec.id, lang: rec.lang as 'en', report: rec.report }, 'sum', tok, { promptTokens: 120 });
    assert.equal(row.prompt_tokens, expected.inputIds.length);
    assert.equal(row.report_truncated, row.id === 'long');
    assert.ok(row.completion_tokens >= 1 && row.completion_tokens <= 6);
    assert.equal(typeof row.prediction, 'string');
  }
  const long = got.find((x) => x.id === 'long')!;
  assert.ok(long.prompt_tokens <= 120 && long.prompt_tokens > 100, `cut to ${long.prompt_tokens} tokens`);
  assert.ok(got.some((x) => x.prediction.length > 0), 'the wide-init model says something');
  // a resume with other settings is refused, naming them
  const again = await cli('generate', '--model', modelDir, '--data', file, '--out', out, '--max-new-tokens', '7', '--quiet');
  assert.equal(again.code, 1);
  assert.match(again.stderr, /was started with other settings \(max_new_tokens/);
  // so is a resume after the weights changed in place (same size, same config.json)
  const copy = join(tmp, 'tiny-retrained');
  cpSync(modelDir, copy, { recursive: true });
  const out2 = join(tmp, 'pred-retrained.jsonl');
  const args = ['--data', file, '--out', out2, '--max-new-tokens', '2', '--quiet'];
  assert.equal((await cli('generate', '--model', copy, ...args)).code, 0);
  const weights = join(copy, 'model.safetensors');
  const bytes = readFileSync(weights);
  bytes[bytes.length - 1] ^= 0x01; // the last byte of the last tensor
  writeFileSync(weights, bytes);
  const retrained = await cli('generate', '--model', copy, ...args);
  assert.equal(retrained.code, 1);
  assert.match(retrained.stderr, /was started with other settings \(model differ/);
});

test('generate resumes after SIGKILL and a torn last line: complete, no duplicates, same predictions', async () => {
  const data = rows(16);
  const file = writeData(join(tmp, 'data16.jsonl'), data);
  const args = ['--model', modelDir, '--data', file, '--max-new-tokens', '12', '--batch-size', '2', '--quiet'];
  // the reference: one uninterrupted run
  const ref = join(tmp, 'ref.jsonl');
  assert.equal((await cli('generate', ...args, '--out', ref)).code, 0);
  // a child process killed once the first batches are written
  const out = join(tmp, 'killed.jsonl');
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'clinsum'), 'generate', ...args, '--out', out], { stdio: 'ignore' });
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  for (let i = 0; i < 600 && !(existsSync(out) && readRows(out).length >= 2); i++) await sleep(50);
  child.kill('SIGKILL');
  await exited;
  const partial = readRows(out).length;
  assert.ok(partial >= 2 && partial < 16, `killed after ${partial} rows`);
  appendFileSync(out, '{"id":"r15","lang":"pt","predic'); // a torn write
  const r = await cli('generate', ...args, '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const got = readRows(out);
  assert.equal(got.length, 16);
  assert.equal(new Set(got.map((x) => x.id)).size, 16);
  const byId = new Map(readRows(ref).map((x) => [x.id, x]));
  for (const row of got) assert.deepEqual(row, byId.get(row.id), `row ${row.id}`);
  // nothing left to do
  const again = await cli('generate', ...args, '--out', out);
  assert.equal(again.code, 0);
  assert.equal(readRows(out).length, 16);
});

test('SIGINT stops generate after the batch in progress: exit 130, whole batches kept, the same command completes the output', async () => {
  const data = rows(24);
  const file = writeData(join(tmp, 'data24.jsonl'), data);
  const args = ['--model', modelDir, '--data', file, '--max-new-tokens', '12', '--batch-size', '2', '--quiet'];
  const ref = join(tmp, 'ref24.jsonl');
  assert.equal((await cli('generate', ...args, '--out', ref)).code, 0);
  const out = join(tmp, 'sigint.jsonl');
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'clinsum'), 'generate', ...args, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  for (let i = 0; i < 600 && !(existsSync(out) && readRows(out).length >= 2); i++) await sleep(50);
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 130, stderr);
  assert.match(stderr, /clinsum: SIGINT: stopping after the current batch; the rows written so far are kept \(again to quit at once\)/);
  const partial = readRows(out);
  assert.ok(partial.length >= 2 && partial.length < 24, `stopped after ${partial.length} rows`);
  assert.equal(partial.length % 2, 0, 'whole batches only');
  assert.ok(readFileSync(out, 'utf8').endsWith('\n'), 'no torn line');
  assert.match(stderr, new RegExp(`clinsum: generate: interrupted; .*sigint\\.jsonl holds ${partial.length} of 24 reports \\(${partial.length} written by this run\\)\\. Run the same command again to continue\n$`));
  assert.doesNotMatch(stderr, /error/);
  assert.equal(stdout, '', 'no output path: the output is not complete');
  const byId = new Map(readRows(ref).map((x) => [x.id, x]));
  for (const row of partial) assert.deepEqual(row, byId.get(row.id), `row ${row.id}`);
  // the same command completes it
  const r = await cli('generate', ...args, '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const got = readRows(out);
  assert.equal(got.length, 24);
  assert.equal(new Set(got.map((x) => x.id)).size, 24);
  for (const row of got) assert.deepEqual(row, byId.get(row.id), `row ${row.id}`);
});

test('generate --temperature --seed: sampled predictions depend on the seed and the report only, not on the batch; progress shows tokens/s', async () => {
  const file = writeData(join(tmp, 'data-sampled.jsonl'), rows(5));
  const run = async (out: string, ...flags: string[]): Promise<Map<string, Row>> => {
    const r = await cli('generate', '--model', modelDir, '--data', file, '--out', join(tmp, out), '--max-new-tokens', '6', '--temperature', '0.9', '--quiet', ...flags);
    assert.equal(r.code, 0, r.stderr);
    return new Map(readRows(join(tmp, out)).map((x) => [x.id, x]));
  };
  const one = await run('s-b1.jsonl', '--batch-size', '1', '--seed', '5');
  const four = await run('s-b4.jsonl', '--batch-size', '4', '--seed', '5');
  const other = await run('s-seed6.jsonl', '--batch-size', '4', '--seed', '6');
  const greedy = await cli('generate', '--model', modelDir, '--data', file, '--out', join(tmp, 's-greedy.jsonl'), '--max-new-tokens', '6');
  assert.equal(greedy.code, 0, greedy.stderr);
  // without --quiet: a progress line with reports done and generated tokens/s
  assert.match(greedy.stderr, /generate: 5\/5 reports \(100\.0%\).*tokens\/s \d/);
  assert.equal(one.size, 5);
  for (const [id, row] of one) assert.deepEqual(four.get(id), row, id);
  assert.ok([...one].some(([id, row]) => other.get(id)!.prediction !== row.prediction), 'another seed samples other tokens');
  const g = new Map(readRows(join(tmp, 's-greedy.jsonl')).map((x) => [x.id, x.prediction]));
  assert.ok([...one].some(([id, row]) => g.get(id) !== row.prediction), 'sampling is not greedy decoding');
});

test('generate: ids of the embedding rows past the tokenizer (151665–151935) add no text instead of failing the run', async () => {
  // A model whose padding rows dominate the (tied) head: greedy decoding picks them.
  const dir = join(tmp, 'tiny-padded');
  {
    const loaded = loadQwen2(modelDir);
    using model = loaded.model;
    tidy(() => void model.model.embedTokens.value.narrow(0, 151665, 151936 - 151665).mul_(60));
    saveQwen2(model, dir, { base: loaded });
    const [o] = generate(model, [{ promptIds: [9707, 11, 1879] }], { maxNewTokens: 4, eosTokenIds: loaded.generation.eosTokenIds });
    assert.ok(o!.tokens.some((id) => id >= 151665), `padding ids generated: ${o!.tokens.join(', ')}`);
  }
  const file = writeData(join(tmp, 'data-padded.jsonl'), rows(2));
  const out = join(tmp, 'pred-padded.jsonl');
  const r = await cli('generate', '--model', dir, '--data', file, '--out', out, '--max-new-tokens', '4', '--repetition-penalty', '1', '--quiet');
  assert.equal(r.code, 0, r.stderr);
  const got = readRows(out);
  assert.equal(got.length, 2);
  for (const row of got) assert.equal(row.completion_tokens, 4);
  assert.ok(got.some((row) => row.prediction.length < 4), 'padding ids left out of the text');
});

test('generate: one writer per --out across processes (a live holder refused, a dead one taken over with a warning); --limit N', async () => {
  const file = writeData(join(tmp, 'data-lock.jsonl'), rows(8));
  const args = ['--model', modelDir, '--data', file, '--max-new-tokens', '3', '--batch-size', '4'];
  const out = join(tmp, 'lock.jsonl');
  const host = hostname();
  // Another process holds the output's lock: refused, one line naming the output and the pid.
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const gone = new Promise((r) => holder.once('exit', r));
  try {
    writeFileSync(`${out}.lock`, `${holder.pid} ${host}\n`);
    const refused = await cli('generate', ...args, '--out', out, '--quiet');
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `clinsum: error: ${out} is being written by another clinsum process (pid ${holder.pid}); wait for it to finish, or write to another --out\n`);
    assert.ok(!existsSync(out) && !existsSync(`${out}.settings.json`), 'nothing written');
  } finally {
    holder.kill('SIGKILL');
  }
  await gone;
  // Its process is gone (kill -9): the next run takes the lock over, says so, and --limit 1 keeps one report per language.
  const first = await cli('generate', ...args, '--out', out, '--limit', '1');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, new RegExp(`^warning: generate: took over ${out}\\.lock, left by pid ${holder.pid}, which is gone$`, 'm'));
  assert.deepEqual(readRows(out).map((x) => x.id).sort(), ['r0', 'r1', 'r2', 'r3']);
  assert.ok(!existsSync(`${out}.lock`), 'released');
  // A higher limit continues the same output.
  const more = await cli('generate', ...args, '--out', out, '--limit', '2', '--quiet');
  assert.equal(more.code, 0, more.stderr);
  assert.deepEqual(readRows(out).map((x) => x.id).sort(), rows(8).map((x) => x.id).sort());
});
