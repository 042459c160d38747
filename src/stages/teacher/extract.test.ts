import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractionPrompt } from '../../data/prompts.js';
import { promptChooser } from './extract.js';

test('promptChooser: English by default, per language with langPrompts, own prompt; unknown languages refused', () => {
  const es = { id: 'x', lang: 'es', report: 'r' };
  assert.deepEqual(promptChooser({})(es), extractionPrompt('en'));
  assert.deepEqual(promptChooser({ langPrompts: true })(es), extractionPrompt('es'));
  assert.deepEqual(promptChooser({ promptText: ' Mine. \n' })(es).text, 'Mine.');
  assert.throws(() => promptChooser({ langPrompts: true })({ id: 'y', lang: 'de', report: 'r' }), /report y has language "de"/);
  assert.throws(() => promptChooser({ promptText: 'x', langPrompts: true }), /cannot be combined/);
  assert.throws(() => promptChooser({ promptText: '  ' }), /the prompt is empty/);
});
