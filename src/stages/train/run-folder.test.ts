import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { ConfigBuilder, configToYaml, RUN_CONFIG_HEADER } from './config.js';
import { inspectRunFolder } from './run-folder.js';

const root = mkdtempSync(join(tmpdir(), 'clinsum-run-folder-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh folder holding `files` (name → content; a name ending in / is a folder). */
function folder(files: Record<string, string>): string {
  const dir = join(root, String(n++));
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) {
    if (name.endsWith('/')) mkdirSync(join(dir, name), { recursive: true });
    else writeFileSync(join(dir, name), text);
  }
  return dir;
}

const config = new ConfigBuilder().set({ path: 'out', value: '/runs/x', source: 'test' }).build();
const ours = configToYaml(config);
const legacy = ours.slice(RUN_CONFIG_HEADER.length + 1);

function refused(dir: string, re: RegExp): void {
  assert.throws(
    () => inspectRunFolder(dir),
    (e: unknown) => e instanceof InputError && e.message.startsWith(`${dir}: `) && re.test(e.message) && e.message.endsWith('(choose a new or empty folder)') && !e.message.includes('\n'),
  );
}

test('the config.yaml the trainer writes starts with the header, and still loads as a config file', () => {
  assert.ok(ours.startsWith(`${RUN_CONFIG_HEADER}\n`));
  const dir = folder({ 'config.yaml': ours });
  assert.deepEqual(new ConfigBuilder().addFile(join(dir, 'config.yaml')).build(), config);
});

test('new, empty and clinsum run folders are accepted, runs from before the header included', () => {
  assert.equal(inspectRunFolder(join(root, 'nothing-here')), 'absent');
  assert.equal(inspectRunFolder(folder({})), 'empty');
  assert.equal(inspectRunFolder(folder({ '.best.tmp-123/': '', '.config.yaml.77.0.tmp': 'half' })), 'empty', 'what a crash before the first file leaves');
  assert.equal(inspectRunFolder(folder({ 'config.yaml': ours })), 'run', 'killed before the first checkpoint');
  assert.equal(
    inspectRunFolder(folder({ 'config.yaml': ours, 'metrics.jsonl': '{"step":1}\n', 'checkpoints/step-000002/': '', 'best/': '', '.best.old/': '', '.metrics.jsonl.9.3.tmp': '' })),
    'run',
  );
  assert.equal(inspectRunFolder(folder({ 'config.yaml': legacy, 'metrics.jsonl': '', 'checkpoints/': '' })), 'run');
});

test('anything else is refused, naming what the folder holds', () => {
  const file = join(folder({ afile: 'x' }), 'afile');
  refused(file, /: is a file, not a run folder/);
  refused(join(file, 'sub'), /: cannot be a folder: a part of this path is a file/);
  refused(folder({ 'config.yaml': 'run: {dir: x}\nteacher: {model: m}\n' }), /is not a clinsum training run folder: it holds a config\.yaml that clinsum train did not write /);
  refused(folder({ 'config.json': '{}', 'model.safetensors': '', 'tokenizer.json': '{}' }), /it holds config\.json, model\.safetensors and tokenizer\.json /);
  refused(folder({ 'best/': '' }), /it holds best\/ but no config\.yaml written by clinsum train /);
  refused(folder({ 'metrics.jsonl': '{"step":1}\n' }), /it holds metrics\.jsonl but no config\.yaml/);
  refused(folder({ 'config.yaml': ours, 'notes.txt': '', 'data/': '' }), /it holds data\/ and notes\.txt /);
  refused(folder({ a: '', b: '', c: '', d: '', e: '', f: '' }), /it holds a, b, c, d and 2 more /);
  refused(folder({ 'config.yaml': `${legacy}extra: 1\n` }), /config\.yaml that clinsum train did not write/);
});
