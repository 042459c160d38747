// Stage 1 against clinsum's own OpenAI-compatible server (`clinsum serve`'s app, continuous
// batching, the real Qwen2.5 tokenizer and chat template) as the teacher. The model behind it is
// the serve tests' fake step model: `serve` cannot load the Qwen2 weights yet (load-backend.ts),
// so this checks the wire format both ways, not a real model's answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../src/util/log.js';
import { extractionPrompt } from '../src/data/prompts.js';
import { extractItems, type ExtractOptions, type TeacherItem } from '../src/stages/teacher/runner.js';
import { KeyinfoRowSchema } from '../src/stages/teacher/output.js';
import { startHarness, type Harness } from './support/server-harness.js';
import { assertNoLeak, syntheticItems } from './support/teacher-fixtures.js';
import { closedAfter, tempDirs } from '../src/util/testing.js';

const harnesses = closedAfter<Harness>();
const tempDir = tempDirs('clinsum-teacher-serve-');

/** The fake model's answer to a report: its marker (Zyxomarker{i}) read back from the prompt. */
function answerOf(promptText: string): string | undefined {
  const m = /Zyxomarker(\d+) case/.exec(promptText);
  return m ? `Key information of case ${m[1]}: fever, raised CRP, recovered.` : undefined;
}

function options(h: Harness, items: TeacherItem[], out: string, lines: string[], over: Partial<ExtractOptions> = {}): ExtractOptions {
  const prompt = extractionPrompt('en');
  return {
    items,
    prompt: () => prompt,
    baseUrl: `${h.url}/v1`,
    model: 'fake-qwen',
    apiKey: 'sk-serve-test-91c2',
    params: { temperature: 0, max_tokens: 64 },
    concurrency: 4,
    outDir: out,
    detectLanguage: () => ({ lang: undefined, confidence: 0 }),
    logger: createLogger({ level: 'debug', write: (l) => void lines.push(l) }),
    progress: { silent: true },
    ...over,
  };
}

test('clinsum serve as the teacher: every report answered once through the OpenAI-compatible API, with usage; a rerun sends nothing', async () => {
  const h = await startHarness({ server: { apiKey: 'sk-serve-test-91c2' } });
  harnesses.push(h);
  const prompts: string[] = [];
  h.respond((text) => {
    prompts.push(text);
    const a = answerOf(text);
    return a === undefined ? undefined : h.tokenizer.encode(a);
  });
  const items = syntheticItems(12);
  const out = tempDir();
  const lines: string[] = [];
  const sum = await extractItems(options(h, items, out, lines));
  assert.equal(sum.answered, 12);
  assert.equal(sum.failed, 0);
  const rows = readFileSync(join(out, 'keyinfo.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => KeyinfoRowSchema.parse(JSON.parse(l)));
  assert.deepEqual(
    rows.map((r) => [r.id, r.keyinfo, r.finish_reason]),
    items.map((it, i) => [it.id, `Key information of case ${i}: fever, raised CRP, recovered.`, 'stop']),
  );
  for (const r of rows) {
    assert.equal(r.teacher.model, 'fake-qwen');
    assert.equal(r.teacher.prompt_hash, extractionPrompt('en').hash);
    assert.ok(r.usage && r.usage.prompt_tokens > 20 && r.usage.completion_tokens > 5, JSON.stringify(r.usage));
  }
  // The server rendered (system: extraction prompt, user: report) with the Qwen2.5 chat template.
  assert.equal(prompts.length, 12);
  assert.ok(prompts.every((p) => p.startsWith(`<|im_start|>system\n${extractionPrompt('en').text}<|im_end|>\n<|im_start|>user\nZyxomarker`) && p.endsWith('<|im_end|>\n<|im_start|>assistant\n')));
  // Neither side logged report or answer text, nor the key.
  assertNoLeak(lines.join('') + h.logs.join(''), 'logs');
  assert.ok(!(lines.join('') + h.logs.join('')).includes('sk-serve-test-91c2'));

  const again = await extractItems(options(h, items, out, []));
  assert.equal(again.thisRun.sent, 0);
  assert.equal(prompts.length, 12, 'the rerun sent nothing');
});

test('clinsum serve as the teacher: an answer cut by max_tokens is flagged truncated; a wrong key stops the run', async () => {
  const h = await startHarness({ server: { apiKey: 'sk-serve-test-91c2' } });
  harnesses.push(h);
  h.respond((text) => (answerOf(text) === undefined ? undefined : h.tokenizer.encode('word '.repeat(40))));
  const out = tempDir();
  const sum = await extractItems(options(h, syntheticItems(3), out, [], { params: { max_tokens: 8 } }));
  assert.equal(sum.answered, 3);
  const rows = readFileSync(join(out, 'keyinfo.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => KeyinfoRowSchema.parse(JSON.parse(l)));
  assert.ok(rows.every((r) => r.finish_reason === 'length' && r.flags.includes('truncated') && r.usage?.completion_tokens === 8), JSON.stringify(rows.map((r) => [r.finish_reason, r.flags, r.usage])));

  await assert.rejects(extractItems(options(h, syntheticItems(3), tempDir(), [], { apiKey: 'sk-wrong' })), /HTTP 401/);
});
