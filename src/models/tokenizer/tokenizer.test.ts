import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../util/errors.js';
import type { ChatMessage, ChatTemplateOptions } from './chat.js';
import { QWEN25_DEFAULT_SYSTEM, qwen25Tokenizer, qwen25TokenizerFiles, writeQwen25TokenizerFolder } from './qwen25.js';
import { loadTokenizer, Tokenizer } from './tokenizer.js';
import { multiclinsumPath } from '../../util/shared-data.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../../..');
const golden = JSON.parse(readFileSync(join(repoRoot, 'src/models/tokenizer/testdata/golden.json'), 'utf8')) as {
  strings: { text: string; ids: number[] }[];
  shared: Record<string, { files: number; tokens: number; sha256: string }>;
  templates: { messages: ChatMessage[]; addGenerationPrompt: boolean; tools?: Record<string, unknown>[]; rendered: string }[];
};
const tok = qwen25Tokenizer();

test('Qwen2.5 special tokens and sizes', () => {
  assert.equal(tok.tokenId('<|endoftext|>'), 151643);
  assert.equal(tok.imStartId, 151644);
  assert.equal(tok.imEndId, 151645);
  assert.equal(tok.eosId, 151645);
  assert.equal(tok.eosToken, '<|im_end|>');
  assert.equal(tok.padId, 151643);
  assert.equal(tok.bosId, undefined);
  assert.equal(tok.tokenId('<|file_sep|>'), 151664);
  assert.equal(tok.tokenId('<think>'), undefined, 'Qwen3-only tokens are dropped');
  assert.equal(tok.vocabSize, 151665);
  assert.equal(tok.modelMaxLength, 131072);
  assert.ok(tok.isSpecial(151645));
  assert.ok(!tok.isSpecial(tok.tokenId('<tool_call>')!), '<tool_call> is an added token but not special');
  const { tokenizer } = qwen25TokenizerFiles();
  assert.equal(tokenizer.added_tokens.length, 22);
});

test('ids checkable by hand in the vocabulary: one vocabulary entry per word', () => {
  // "Hello" and "Ġworld" (Ġ is the byte-level space) are vocabulary entries, so BPE ends at them.
  assert.equal(tok.tokenId('Hello'), 9707);
  assert.equal(tok.tokenId('Ġworld'), 1879);
  assert.deepEqual(tok.encode('Hello world'), [9707, 1879]);
  // Each digit is its own pre-token; "\n" is Ċ.
  assert.deepEqual(tok.encode('2024'), ['2', '0', '2', '4'].map((d) => tok.tokenId(d)!));
  assert.deepEqual(tok.encode('\n'), [tok.tokenId('Ċ')!]);
  // Special tokens in text map to their ids (as in Hugging Face tokenizers).
  assert.deepEqual(tok.encode('<|im_start|>user\n'), [151644, tok.tokenId('user')!, tok.tokenId('Ċ')!]);
});

test('ids equal Hugging Face tokenizers on golden strings (en/es/fr/pt, accents, white space, emoji)', () => {
  for (const g of golden.strings) assert.deepEqual(tok.encode(g.text), g.ids, JSON.stringify(g.text));
});

test('ids equal Hugging Face tokenizers on every shared MultiClinSum gs text (hash of all ids)', () => {
  for (const [name, want] of Object.entries(golden.shared)) {
    const base = multiclinsumPath(name);
    const h = createHash('sha256');
    let files = 0;
    let tokens = 0;
    for (const sub of ['fulltext', 'summaries']) {
      for (const f of readdirSync(join(base, sub)).sort()) {
        const ids = tok.encode(readFileSync(join(base, sub, f), 'utf8').normalize('NFC').trim());
        h.update(`${sub}/${f}:${ids.join(',')}\n`);
        files++;
        tokens += ids.length;
      }
    }
    assert.deepEqual({ files, tokens, sha256: h.digest('hex') }, want);
  }
});

test('decode inverts encode; skipSpecialTokens drops special added tokens only', () => {
  for (const g of golden.strings) {
    if (g.text.includes('\u0301')) continue; // encode normalizes to NFC
    assert.equal(tok.decode(g.ids), g.text);
  }
  const ids = tok.encode('<|im_start|>assistant\nRésumé <tool_call><|im_end|>');
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'assistant\nRésumé <tool_call>');
  // A token cut inside a multi-byte character decodes with U+FFFD, as Hugging Face's does.
  const e = tok.encode('𓀀'); // Egyptian hieroglyph A001: three tokens for four bytes
  assert.ok(e.length > 1);
  assert.equal(tok.decode(e.slice(0, 1)), '\ufffd');
  assert.equal(tok.decode(e), '𓀀');
});

test('ids without a token (a padded embedding: Qwen2.5 has 151,936 rows for 151,665 ids) add no text, as in Hugging Face', () => {
  const pad = [151_665, 151_700, 151_935];
  assert.equal(tok.vocabSize, 151_665);
  const hi = tok.encode('Hola');
  assert.equal(tok.decode([pad[0]!, ...hi, pad[1]!, pad[2]!]), 'Hola');
  assert.equal(tok.decode([pad[1]!], { skipSpecialTokens: true }), '');
  // Skipped before the bytes are joined: a character split around such an id stays whole.
  const e = tok.encode('𓀀');
  assert.equal(tok.decode([e[0]!, pad[1]!, ...e.slice(1)]), '𓀀');
  assert.deepEqual(tok.tokenBytes(pad[1]!), []);
  assert.equal(tok.endsInsideCharacter([e[0]!, pad[1]!]), true);
  assert.equal(tok.endsInsideCharacter([...e, pad[1]!]), false);
  // A negative or fractional id is a bug of the caller, not a padding row.
  for (const bad of [-1, 1.5, Number.NaN]) {
    assert.throws(() => tok.decode([...hi, bad]), { name: 'RangeError', message: `token id ${bad} is not a non-negative integer` });
    assert.throws(() => tok.endsInsideCharacter([bad]), RangeError);
  }
});

test('chat template renders exactly as jinja2 does (golden strings), default system message included', () => {
  for (const g of golden.templates) {
    const opts: ChatTemplateOptions = { addGenerationPrompt: g.addGenerationPrompt };
    if (g.tools) opts.tools = g.tools;
    assert.equal(tok.applyChatTemplate(g.messages, opts), g.rendered);
  }
  assert.equal(
    tok.applyChatTemplate([{ role: 'user', content: 'Hola' }], { addGenerationPrompt: true }),
    `<|im_start|>system\n${QWEN25_DEFAULT_SYSTEM}<|im_end|>\n<|im_start|>user\nHola<|im_end|>\n<|im_start|>assistant\n`,
  );
});

test('a tokenizer folder loads; chat_template.jinja overrides the config template', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clinsum-tok-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeQwen25TokenizerFolder(dir);
  const a = loadTokenizer(dir);
  assert.deepEqual(a.encode(golden.strings[8]!.text), golden.strings[8]!.ids);
  assert.equal(a.applyChatTemplate(golden.templates[0]!.messages), golden.templates[0]!.rendered);
  writeFileSync(join(dir, 'chat_template.jinja'), '{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}');
  assert.equal(loadTokenizer(dir).applyChatTemplate([{ role: 'user', content: 'x' }]), '[user]x');
  assert.throws(() => loadTokenizer(join(dir, 'nope')), /nope\/tokenizer\.json: does not exist/);
});

test('unsupported tokenizer.json components are ConfigErrors naming the component', () => {
  const { tokenizer, config } = qwen25TokenizerFiles();
  const bad = { ...tokenizer, model: { ...(tokenizer.model as object), type: 'Unigram' } };
  assert.throws(() => new Tokenizer(bad, config), (e: unknown) => e instanceof ConfigError && /model type Unigram is not supported/.test(e.message));
  const noEos = { ...config, eos_token: '<|nope|>' };
  assert.throws(() => new Tokenizer(tokenizer, noEos), /eos_token "<\|nope\|>" is not a token/);
});

test('isBoundary: encoding piece by piece is exact exactly where it says so', () => {
  const cases: [string, string][] = [
    ['<|im_start|>user\n', 'Mujer de 54 años.'],
    ['<|im_start|>user\n', '- lista'],
    ['<|im_start|>user\n', ' espacio'],
    ['<|im_start|>user\n', '\nsalto'],
    ['Report', '<|im_end|>\n'],
    ['Report ', 'text'],
    ['Report', ' text'],
    ['abc', 'def'],
    ['a\n', 'b'],
    ['<|im_', 'end|>'],
    ['cafe', '\u0301 x'],
    ['x:\n', 'Femme'],
    ['12', '34'],
    ['end.', '\n\nnext'],
    ['a  ', 'b'],
  ];
  for (const [l, r] of cases) {
    const exact = JSON.stringify(tok.encode(l + r)) === JSON.stringify([...tok.encode(l), ...tok.encode(r)]);
    if (tok.isBoundary(l, r)) assert.ok(exact, `isBoundary(${JSON.stringify(l)}, ${JSON.stringify(r)}) but not exact`);
  }
  assert.ok(tok.isBoundary('<|im_start|>user\n', 'Mujer'));
  assert.ok(tok.isBoundary('Report.', '<|im_end|>\n'));
  assert.ok(!tok.isBoundary('abc', 'def'));
  assert.ok(!tok.isBoundary('<|im_', 'end|>'));
  assert.ok(!tok.isBoundary('cafe', '\u0301 x'));
});
