// The shared flag parser: a negative number after a value-taking flag is that flag's value (Node 20's
// parseArgs would call it ambiguous), so each command's own range check answers, naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { UsageError } from '../../util/errors.js';
import { tempDirs } from '../../util/testing.js';
import { int, joinNegativeValues, num, parseFlags, type FlagSpec } from './args.js';
import { runCliCaptured } from './testing.js';

const spec: FlagSpec = {
  temperature: { type: 'string' },
  'top-k': { type: 'string', short: 'k' },
  quiet: { type: 'boolean', short: 'q' },
  out: { type: 'string' },
};

test('joinNegativeValues: a negative number after a string flag joins it; nothing else changes', () => {
  assert.deepEqual(joinNegativeValues(['--temperature', '-1', '--top-k', '-3.5e2'], spec), ['--temperature=-1', '--top-k=-3.5e2']);
  assert.deepEqual(joinNegativeValues(['-k', '-3', '-q'], spec), ['-k-3', '-q']);
  assert.deepEqual(joinNegativeValues(['--temperature', '-.5', '--top-k', '-Infinity'], spec), ['--temperature=-.5', '--top-k=-Infinity']);
  // Not numbers, boolean flags, unknown flags, values already joined, and anything after `--`.
  assert.deepEqual(joinNegativeValues(['--temperature', '-x'], spec), ['--temperature', '-x']);
  assert.deepEqual(joinNegativeValues(['--temperature', '-1x'], spec), ['--temperature', '-1x']);
  assert.deepEqual(joinNegativeValues(['--quiet', '-1'], spec), ['--quiet', '-1']);
  assert.deepEqual(joinNegativeValues(['--nope', '-1'], spec), ['--nope', '-1']);
  assert.deepEqual(joinNegativeValues(['--temperature=-1', '2'], spec), ['--temperature=-1', '2']);
  assert.deepEqual(joinNegativeValues(['--', '--temperature', '-1'], spec), ['--', '--temperature', '-1']);
  // A value is consumed as a value: `--out --temperature -1` keeps `-1` apart (parseArgs then
  // reports `--out`'s ambiguous value, as before).
  assert.deepEqual(joinNegativeValues(['--out', '--temperature', '-1'], spec), ['--out', '--temperature', '-1']);
});

test('parseFlags gives the negative value to the flag, and the range check names it', () => {
  const f = parseFlags('x', ['--temperature', '-1', '-k', '-3', '--out', 'o.jsonl'], spec, false);
  assert.equal(f.values.temperature, '-1');
  assert.equal(f.values['top-k'], '-3');
  assert.throws(() => num(f, 'temperature', { min: 0 }), (e: unknown) => e instanceof UsageError && e.message === '--temperature must be at least 0, got -1');
  assert.throws(() => int(f, 'top-k', { min: 0 }), (e: unknown) => e instanceof UsageError && e.message === '--top-k must be at least 0, got -3');
  // A value that is not a number still starts with '-' and stays ambiguous: one line naming the flag.
  assert.throws(
    () => parseFlags('x', ['--temperature', '-x'], spec, false),
    (e: unknown) => e instanceof UsageError && /^x: Option '--temperature' argument is ambiguous/.test(e.message) && !e.message.includes('\n'),
  );
});

const tmp = tempDirs('clinsum-args-');

test('commands answer negative values with their own range checks, one line naming the flag', async () => {
  const d = tmp();
  const cases: { argv: string[]; message: RegExp }[] = [
    {
      argv: ['generate', '--model', join(d, 'm'), '--data', join(d, 'd.jsonl'), '--out', join(d, 'o.jsonl'), '--temperature', '-1'],
      message: /--temperature must be at least 0, got -1$/,
    },
    {
      argv: ['generate', '--model', join(d, 'm'), '--data', join(d, 'd.jsonl'), '--out', join(d, 'o.jsonl'), '--top-k', '-3'],
      message: /--top-k must be at least 0, got -3$/,
    },
    { argv: ['generate', '--model', join(d, 'm'), '--data', join(d, 'd.jsonl'), '--out', join(d, 'o.jsonl'), '--top-p', '-0.5'], message: /--top-p must be at least 0, got -0.5$/ },
    { argv: ['serve', '--model', join(d, 'm'), '--port', '-1'], message: /--port must be at least 0, got -1$/ },
    { argv: ['data', 'split', join(d, 'd.jsonl'), '--out', join(d, 's'), '--seed', '-7'], message: /--seed must be at least 0, got -7$/ },
  ];
  for (const c of cases) {
    const r = await runCliCaptured(c.argv);
    assert.equal(r.code, 2, `${c.argv.join(' ')}: exit ${r.code}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^clinsum: error: /);
    assert.doesNotMatch(lines[0]!, /ambiguous/);
    assert.match(lines[0]!, c.message, c.argv.join(' '));
  }
});
