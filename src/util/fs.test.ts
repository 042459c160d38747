import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from './errors.js';
import { checkOutputDir, checkOutputFile, makeDir, writeFileAtomic } from './fs.js';
import { tempDirs } from './testing.js';

const tmp = tempDirs('clinsum-fs-');

/** Runs `fn`, which must throw an InputError; returns its message. */
function inputError(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('expected an InputError');
}

test('checkOutputDir: a folder or nothing yet is fine; a file there or on the way is named with the fix', () => {
  const d = tmp();
  writeFileSync(join(d, 'afile'), 'x');
  mkdirSync(join(d, 'folder'));
  checkOutputDir(join(d, 'folder'));
  checkOutputDir(join(d, 'new', 'deeper'));
  assert.equal(inputError(() => checkOutputDir(join(d, 'afile'), 'choose another --out')), `${join(d, 'afile')}: is a file, not a folder (choose another --out)`);
  assert.equal(inputError(() => checkOutputDir(join(d, 'afile', 'sub', 'x'))), `${join(d, 'afile')}: is a file, not a folder (choose another output path)`);
  assert.ok(!existsSync(join(d, 'new')), 'a check creates nothing');
});

test('checkOutputFile: a folder at the path, or a file where its folder should be, is refused', () => {
  const d = tmp();
  writeFileSync(join(d, 'afile'), 'x');
  mkdirSync(join(d, 'folder'));
  checkOutputFile(join(d, 'afile'));
  checkOutputFile(join(d, 'new', 'x.jsonl'));
  assert.equal(inputError(() => checkOutputFile(join(d, 'folder'), 'choose another --out')), `${join(d, 'folder')}: is a folder, not a file (choose another --out)`);
  assert.match(inputError(() => checkOutputFile(join(d, 'afile', 'x.jsonl'))), /afile: is a file, not a folder/);
});

test('makeDir: creates parents; a file in the way is an InputError, not EEXIST', () => {
  const d = tmp();
  makeDir(join(d, 'a', 'b'));
  assert.ok(existsSync(join(d, 'a', 'b')));
  makeDir(join(d, 'a', 'b'));
  writeFileSync(join(d, 'afile'), 'x');
  assert.match(inputError(() => makeDir(join(d, 'afile'))), /afile: is a file, not a folder/);
});

test('writeFileAtomic refuses a folder target before writing and leaves no temporary file', () => {
  const d = tmp();
  mkdirSync(join(d, 'out'));
  assert.equal(inputError(() => writeFileAtomic(join(d, 'out'), 'data')), `${join(d, 'out')}: is a folder, not a file (choose another output path)`);
  assert.deepEqual(readdirSync(d), ['out']);
  writeFileSync(join(d, 'afile'), 'x');
  assert.match(inputError(() => writeFileAtomic(join(d, 'afile', 'x.json'), 'data')), /afile: is a file, not a folder/);
  writeFileAtomic(join(d, 'new', 'x.json'), 'data');
  assert.equal(readFileSync(join(d, 'new', 'x.json'), 'utf8'), 'data');
  assert.deepEqual(readdirSync(join(d, 'new')), ['x.json']);
});
