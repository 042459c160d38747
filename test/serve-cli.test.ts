/** `clinsum serve` on the command line, and a serve process shutting down on SIGTERM / SIGINT. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeQwen25TokenizerFolder } from '../src/models/tokenizer/index.js';
import { post, sseChunks, sseEvents } from './support/server-harness.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const bin = join(repoRoot, 'bin', 'clinsum');
const child = join(repoRoot, 'dist', 'test', 'support', 'server-child.js');

function clinsum(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('serve: help, usage errors, model folder checks', (t) => {
  const help = clinsum(['serve', '--help']);
  assert.equal(help.status, 0);
  for (const flag of ['--model', '--host', '--port', '--api-key-env', '--max-batch', '--served-model-name']) assert.ok(help.stdout.includes(flag), flag);
  assert.ok(clinsum(['--help']).stdout.includes('serve'));

  const noModel = clinsum(['serve']);
  assert.equal(noModel.status, 2);
  assert.match(noModel.stderr, /--model is required/);
  assert.equal(clinsum(['serve', '--model', 'x', '--port', '70000']).status, 2);
  assert.equal(clinsum(['serve', '--model', 'x', '--max-batch', '0']).status, 2);
  assert.equal(clinsum(['serve', '--model', 'x', 'extra']).status, 2);
  const unset = clinsum(['serve', '--model', 'x', '--api-key-env', 'CLINSUM_TEST_NO_SUCH_VAR'], {});
  assert.equal(unset.status, 2);
  assert.match(unset.stderr, /CLINSUM_TEST_NO_SUCH_VAR is not set/);

  const d = mkdtempSync(join(tmpdir(), 'clinsum-serve-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const missing = clinsum(['serve', '--model', join(d, 'nope')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^clinsum: error: .*nope: is not a folder/);
  const partial = clinsum(['serve', '--model', d]);
  assert.match(partial.stderr, /config\.json: does not exist/);
  writeFileSync(join(d, 'config.json'), '{"model_type": "qwen2"}');
  writeQwen25TokenizerFolder(d);
  const model = clinsum(['serve', '--model', d], { CLINSUM_KEY: 'k' });
  assert.equal(model.status, 1);
  assert.match(model.stderr, /config\.json: field `vocab_size`/);
  assert.equal(model.stderr.trim().split('\n').length, 1, 'one line');
});

async function startChild(config: Record<string, unknown>): Promise<{ proc: ChildProcessWithoutNullStreams; url: string; stderr: () => string; exit: Promise<number | null> }> {
  const proc = spawn(process.execPath, [child, JSON.stringify(config)], { stdio: 'pipe' });
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    });
    proc.on('exit', () => reject(new Error(`server exited early: ${err}`)));
  });
  return { proc, url, stderr: () => err, exit };
}

/** Start a streamed completion and resolve once its first chunk arrived; `rest` gives the whole body. */
async function startStream(url: string, body: Record<string, unknown>): Promise<{ rest: Promise<string> }> {
  const res = await post(`${url}/v1/completions`, { ...body, stream: true });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const first = await reader.read();
  text += decoder.decode(first.value, { stream: true });
  const rest = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text;
      text += decoder.decode(value, { stream: true });
    }
  })();
  return { rest };
}

test('SIGTERM: running generations finish, then the process exits 0', async () => {
  const s = await startChild({ maxBatch: 2, cost: { stepMs: 2 }, graceMs: 30_000 });
  const stream = await startStream(s.url, { prompt: 'a', max_tokens: 150 });
  s.proc.kill('SIGTERM');
  const chunks = sseChunks<{ choices: { finish_reason: string | null }[] }>(await stream.rest);
  assert.equal(chunks[chunks.length - 1]!.choices[0]!.finish_reason, 'length');
  assert.equal(await s.exit, 0);
  assert.match(s.stderr(), /SIGTERM: shutting down \(1 running, 0 waiting/);
  assert.match(s.stderr(), /serve: stopped \(\d+ prefill and \d+ decode steps, 150 tokens generated\)\n/);
  assert.match(s.stderr(), /"generatedTokens":150/);
});

test('a second SIGINT aborts what is still running', async () => {
  const s = await startChild({ maxBatch: 2, cost: { stepMs: 2 }, graceMs: 60_000 });
  const stream = await startStream(s.url, { prompt: 'a' });
  s.proc.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 50));
  s.proc.kill('SIGINT');
  const events = sseEvents(await stream.rest);
  assert.equal(events[events.length - 1], '[DONE]');
  assert.match(events[events.length - 2]!, /"code":"shutting_down"/);
  assert.equal(await s.exit, 0);
  assert.match(s.stderr(), /SIGINT: aborting the running requests/);
});
