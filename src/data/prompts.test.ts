import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import { parseWith } from '../util/schema.js';
import { extractionPrompt, promptSetSchema, resolvePromptSet, summarizationPrompt } from './prompts.js';

test('default prompts are the paper strings, with stable hashes', () => {
  assert.deepEqual(extractionPrompt('en'), { text: 'Extract the key information from clinical text', hash: '3c8c304f1f94' });
  assert.equal(summarizationPrompt('en').text, 'Summarize clinical text');
  assert.equal(summarizationPrompt('es').text, 'Resumir el texto clínico');
  assert.equal(summarizationPrompt('fr').text, 'Résumer le texte clinique');
  assert.equal(summarizationPrompt('pt').text, 'Resumir texto clínico');
  // Golden hashes: changing a default prompt must be a visible decision.
  const hashes = Object.fromEntries(
    Object.entries(resolvePromptSet()).map(([task, byLang]) => [task, Object.fromEntries(Object.entries(byLang).map(([l, p]) => [l, p.hash]))]),
  );
  assert.deepEqual(hashes, GOLDEN_HASHES);
  for (const byLang of Object.values(resolvePromptSet())) {
    for (const p of Object.values(byLang)) assert.equal(p.hash, sha256(p.text).slice(0, 12));
  }
});

test('overrides replace only the languages they name, and change the hash', () => {
  const set = parseWith(promptSetSchema, { summarization: { es: '  Resume el caso clínico ' } }, { file: 'config.yaml', field: 'prompts' });
  assert.equal(summarizationPrompt('es', set).text, 'Resume el caso clínico');
  assert.notEqual(summarizationPrompt('es', set).hash, summarizationPrompt('es').hash);
  assert.deepEqual(summarizationPrompt('en', set), summarizationPrompt('en'));
  assert.deepEqual(extractionPrompt('es', set), extractionPrompt('es'));
});

test('the config schema rejects empty prompts and unknown languages', () => {
  assert.throws(() => parseWith(promptSetSchema, { extraction: { en: '  ' } }, { file: 'c.yaml', field: 'prompts' }), /c\.yaml: field `prompts\.extraction\.en`: a prompt must not be empty/);
  assert.throws(() => parseWith(promptSetSchema, { extraction: { de: 'x' } }, { file: 'c.yaml', field: 'prompts' }), /c\.yaml: field `prompts/);
  // A set built in code skips the schema: an empty override is still a ConfigError, not a silent default.
  assert.throws(() => summarizationPrompt('fr', { summarization: { fr: ' \n' } }), (e: unknown) => e instanceof ConfigError && /summarization prompt for fr is empty/.test(e.message));
});

// sha256 of the UTF-8 text, first 12 hex digits (checked with Python's hashlib).
const GOLDEN_HASHES = {
  extraction: { en: '3c8c304f1f94', es: 'dccad5ab61a9', fr: 'c6cd515a20ed', pt: '4c13f144cc65' },
  summarization: { en: '60020fafa29c', es: '957046e6962c', fr: 'ec801849b3d7', pt: '37d9ce02db29' },
};
