// `clinsum extract` end to end, in process: the real MultiClinSum reports through the fault
// server with no report text in stderr, --dry-run, --lang-prompts and the language flag, the API
// key from the environment (never echoed or stored), exit statuses.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { multiclinsumPath } from '../src/util/shared-data.js';
import { runCliCaptured, type CliRun } from '../src/surfaces/cli/testing.js';
import { readDataset } from '../src/data/read.js';
import { extractionPrompt } from '../src/data/prompts.js';
import { writeQwen25TokenizerFolder } from '../src/models/tokenizer/qwen25.js';
import { KeyinfoRowSchema } from '../src/stages/teacher/output.js';
import { startFaultServer, type Fault, type FaultServer } from './support/fault-server.js';
import { assertNoLeak, syntheticItems, syntheticSpanishReport, writeItemsJsonl } from './support/teacher-fixtures.js';
import { closedAfter, tempDirs } from '../src/util/testing.js';

const GS_EN = multiclinsumPath('multiclinsum_gs_train_en');

const servers = closedAfter<FaultServer>();
const tempDir = tempDirs('clinsum-extract-');

const cli = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> => runCliCaptured(args, env);

function keyinfo(out: string) {
  return readFileSync(join(out, 'keyinfo.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => KeyinfoRowSchema.parse(JSON.parse(l)));
}

/** Every 40-character window (step 97) of every text: a leak of any of them into a log fails. */
function fragments(texts: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of texts) for (let i = 0; i + 40 <= t.length; i += 97) out.push(t.slice(i, i + 40));
  return out;
}

test('the 592 real English reports through a faulty endpoint: all answered, input order, nothing of the reports in stderr', async () => {
  const { records } = readDataset([GS_EN], { requireSummary: false });
  assert.equal(records.length, 592);
  const s = await startFaultServer({
    plan: (r): Fault => {
      if (r.nth > 1) return { kind: 'answer', content: `Patient: ${r.user.slice(0, 200)}` };
      switch (r.seq % 11) {
        case 1:
          return { kind: 'status', status: 429, headers: { 'retry-after-ms': '5' } };
        case 2:
          return { kind: 'status', status: 500, body: JSON.stringify({ error: { message: `upstream failed on: ${r.user.slice(0, 80)}` } }) };
        case 3:
          return { kind: 'drop' };
        case 4:
          return { kind: 'non-json' };
        default:
          return { kind: 'answer', content: `Patient: ${r.user.slice(0, 200)}` };
      }
    },
  });
  servers.push(s);
  const out = tempDir();
  const r = await cli(['extract', '--data', GS_EN, '--out', out, '--base-url', s.baseUrl, '--model', 'teacher', '--concurrency', '16', '--max-tokens', '512', '--temperature', '0', '--retries', '3']);
  assert.equal(r.code, 0, r.stderr);
  const rows = keyinfo(out);
  assert.deepEqual(
    rows.map((x) => x.id),
    records.map((x) => x.id),
  );
  assert.ok(rows.every((x) => x.lang === 'en' && x.teacher.prompt_hash === extractionPrompt('en').hash));
  assert.ok(s.stats().maxInFlight <= 16);
  assert.match(r.stdout, /^lang\s+reports\s+answered/m);
  assert.match(r.stdout, /^en\s+592\s+592\s+0\s+0\s/m);
  assert.match(r.stderr, /extract: 592 of 592 requests answered, 0 failed, 0 pending/);
  for (const frag of fragments(records.map((x) => x.report))) assert.ok(!r.stderr.includes(frag), 'a report fragment reached stderr');
  const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')) as { languages: { en: { answered: number; report_chars: { mean: number; min: number; max: number } } } };
  // Table 1's English row: report mean 3785.4, min 719, max 34071 code points.
  assert.deepEqual([Math.round(stats.languages.en.report_chars.mean * 10) / 10, stats.languages.en.report_chars.min, stats.languages.en.report_chars.max], [3785.4, 719, 34071]);
});

test('--dry-run counts with the tokenizer, prices, sends nothing and creates no file', async () => {
  const s = await startFaultServer({});
  servers.push(s);
  const tok = tempDir();
  writeQwen25TokenizerFolder(tok);
  const out = join(tempDir(), 'never');
  const r = await cli(['extract', '--data', GS_EN, '--out', out, '--base-url', s.baseUrl, '--model', 'teacher', '--dry-run', '--tokenizer', tok, '--max-tokens', '1000', '--price-in', '1', '--price-out', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /would send:\s+592 requests/);
  assert.match(r.stdout, /prompt tokens:\s+531,177 \(largest 7,337; counted with the tokenizer\)/);
  assert.match(r.stdout, /completion:\s+at most 592,000 tokens/);
  assert.match(r.stdout, /cost \(USD\):\s+prompts 0\.53 \+ completions at most 1\.18 = at most 1\.72/);
  assert.match(r.stdout, /\(this machine\)/);
  assert.equal(s.stats().received, 0);
  assert.equal(existsSync(out), false);
  const est = await cli(['extract', '--data', GS_EN, '--out', out, '--base-url', 'https://203.0.113.7/v1', '--model', 'teacher', '--dry-run']);
  assert.match(est.stdout, /prompt tokens:\s+535,649 .*estimated at 4\.3 characters per token/);
  assert.match(est.stdout, /REMOTE: report texts would leave this machine/);
});

test('--lang-prompts sends each report its language\'s prompt; an answer in another language is flagged', async () => {
  const items = [
    ...syntheticItems(2),
    { id: 'es-1', lang: 'es', report: syntheticSpanishReport(1) },
    { id: 'es-2', lang: 'es', report: syntheticSpanishReport(2) },
  ];
  const dir = tempDir();
  const data = writeItemsJsonl(dir, items);
  const systems = new Map<string, string>();
  const s = await startFaultServer({
    plan: (r): Fault => {
      systems.set(r.user.slice(0, 20), r.system);
      return r.user.includes('acudió')
        ? { kind: 'answer', content: r.user.includes('Zyxomarker2 ') ? 'A woman in her thirties was seen for fever and abdominal pain; the CRP was raised and she recovered after treatment.' : 'Mujer de 31 años con fiebre y dolor abdominal; proteína C reactiva elevada; recuperación tras el tratamiento.' }
        : { kind: 'answer', content: 'A patient with fever and night sweats; the C-reactive protein was raised; recovered after the treatment.' };
    },
  });
  servers.push(s);
  const out = tempDir();
  const r = await cli(['extract', '--data', data, '--out', out, '--base-url', s.baseUrl, '--model', 'teacher', '--lang-prompts']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...new Set(systems.values())].sort(), [extractionPrompt('en').text, extractionPrompt('es').text].sort());
  const rows = keyinfo(out);
  assert.deepEqual(
    rows.map((x) => [x.id, x.teacher.prompt_hash, x.flags]),
    [
      ['case-0000', extractionPrompt('en').hash, []],
      ['case-0001', extractionPrompt('en').hash, []],
      ['es-1', extractionPrompt('es').hash, []],
      ['es-2', extractionPrompt('es').hash, ['wrong_language']],
    ],
  );
  assert.match(r.stdout, /^es\s+2\s+2\s+0\s+0\s+\S+\s+\S+\s+\S+\s+0\s+0\s+1\s+0\s/m);

  // Without --lang-prompts every report gets the English prompt; a prompt of one's own replaces it.
  const out2 = tempDir();
  systems.clear();
  assert.equal((await cli(['extract', '--data', data, '--out', out2, '--base-url', s.baseUrl, '--model', 'teacher'])).code, 0);
  assert.deepEqual([...new Set(systems.values())], [extractionPrompt('en').text]);
  const promptFile = join(dir, 'prompt.txt');
  writeFileSync(promptFile, '  List the diagnoses and treatments.\n');
  systems.clear();
  assert.equal((await cli(['extract', '--data', data, '--out', tempDir(), '--base-url', s.baseUrl, '--model', 'teacher', '--prompt-file', promptFile])).code, 0);
  assert.deepEqual([...new Set(systems.values())], ['List the diagnoses and treatments.']);
});

test('the API key comes from the environment variable, reaches the server, and is nowhere in logs or files', async () => {
  const SECRET = 'sk-clinsum-test-3f9a7c1e';
  const auth = new Set<string | undefined>();
  const s = await startFaultServer({ plan: (r) => (auth.add(r.authorization), { kind: 'answer' }) });
  servers.push(s);
  const dir = tempDir();
  const data = writeItemsJsonl(dir, syntheticItems(5));
  const out = tempDir();
  const r = await cli(['extract', '--data', data, '--out', out, '--base-url', s.baseUrl, '--model', 'teacher', '--api-key-env', 'MY_TEACHER_KEY'], { MY_TEACHER_KEY: SECRET });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...auth], [`Bearer ${SECRET}`]);
  assert.match(r.stderr, /using the API key from \$MY_TEACHER_KEY/);
  for (const f of ['keyinfo.jsonl', 'stats.json', 'summary.json', 'failures.jsonl', 'cache.sqlite']) {
    assert.ok(!readFileSync(join(out, f)).includes(SECRET), `${f} holds the key`);
  }
  assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET));

  auth.clear();
  await cli(['extract', '--data', data, '--out', tempDir(), '--base-url', s.baseUrl, '--model', 'teacher'], { OPENAI_API_KEY: 'sk-default' });
  assert.deepEqual([...auth], ['Bearer sk-default']);
  const missing = await cli(['extract', '--data', data, '--out', tempDir(), '--base-url', s.baseUrl, '--model', 'teacher', '--api-key-env', 'NOPE']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /the environment variable NOPE \(named by --api-key-env\) is not set/);
});

test('exit statuses: failures 1 with a hint, a budget stop 0, usage errors 2, a wrong key 1 at once', async () => {
  const items = syntheticItems(8);
  const dir = tempDir();
  const data = writeItemsJsonl(dir, items);
  const s = await startFaultServer({ plan: (r): Fault => (r.user.includes('Zyxomarker3 ') ? { kind: 'status', status: 422 } : { kind: 'answer' }) });
  servers.push(s);
  const out = tempDir();
  const failed = await cli(['extract', '--data', data, '--out', out, '--base-url', s.baseUrl, '--model', 'teacher', '--quiet']);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /1 report\(s\) failed \(see .*failures\.jsonl\); rerun with --retry-failed/);
  assert.doesNotMatch(failed.stderr, /extract: 7 of 8/, '--quiet keeps info lines out');
  assertNoLeak(failed.stderr, 'stderr');

  const budget = await cli(['extract', '--data', data, '--out', tempDir(), '--base-url', s.baseUrl, '--model', 'teacher', '--max-requests', '3', '--concurrency', '1']);
  assert.equal(budget.code, 0);
  assert.match(budget.stderr, /stopped by --max-requests; run the same command again to continue/);

  const both = await cli(['extract', '--data', data, '--out', out, '--base-url', s.baseUrl, '--model', 'm', '--prompt', 'x', '--prompt-file', 'y']);
  assert.equal(both.code, 2);
  const noOut = await cli(['extract', '--data', data, '--base-url', s.baseUrl, '--model', 'm']);
  assert.equal(noOut.code, 2);
  assert.match(noOut.stderr, /--out is required/);
  const badExtra = await cli(['extract', '--data', data, '--out', out, '--base-url', s.baseUrl, '--model', 'm', '--extra-body', '[1]']);
  assert.equal(badExtra.code, 2);
  // --prompt-file is read as strict UTF-8: a missing file or a BOM is an input error naming the file.
  const noPrompt = await cli(['extract', '--data', data, '--out', out, '--base-url', s.baseUrl, '--model', 'm', '--prompt-file', join(dir, 'nope.txt')]);
  assert.equal(noPrompt.code, 1);
  assert.match(noPrompt.stderr, /nope\.txt: does not exist/);
  const bomFile = join(dir, 'bom-prompt.txt');
  writeFileSync(bomFile, '\ufeffList the diagnoses.');
  const bom = await cli(['extract', '--data', data, '--out', out, '--base-url', s.baseUrl, '--model', 'm', '--prompt-file', bomFile]);
  assert.equal(bom.code, 1);
  assert.match(bom.stderr, /bom-prompt\.txt: starts with a UTF-8 byte-order mark/);

  const s401 = await startFaultServer({ plan: () => ({ kind: 'status', status: 401 }) });
  servers.push(s401);
  const denied = await cli(['extract', '--data', data, '--out', tempDir(), '--base-url', s401.baseUrl, '--model', 'm'], { OPENAI_API_KEY: 'sk-bad' });
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /clinsum: error: teacher answered HTTP 401 .*the endpoint refused the API key/);
  assert.ok(s401.stats().received <= 8);
});
