/**
 * Tokenizer golden ids, derived by hand from the vocabularies (each expected token is looked up
 * in the vocabulary the test wrote): WordPiece with BertNormalizer and BertPreTokenizer,
 * RoBERTa's byte-level BPE, SentencePiece Unigram with Metaspace and a precompiled charsmap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BYTE_TO_CHAR } from '../tokenizer/bytelevel.js';
import { lowercaseChars, pythonStrip } from './text.js';
import { byteLevelTokenizerJson, TINY_WORDPIECE_VOCAB, wordPieceTokenizerJson } from './testing.js';
import { EncoderTokenizer } from './tokenizer.js';

const V = TINY_WORDPIECE_VOCAB;
const wp = new EncoderTokenizer(wordPieceTokenizerJson(V), { cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', model_max_length: 512 });
const ids = (tokens: string[]): number[] =>
  tokens.map((t) => {
    const i = V.indexOf(t);
    assert.ok(i >= 0, `${t} is in the test vocabulary`);
    return i;
  });

test('WordPiece: lower-casing, punctuation, greedy longest pieces', () => {
  assert.deepEqual(wp.encode('The patient was admitted with FEVER.'), ids(['the', 'patient', 'was', 'admitted', 'with', 'fever', '.']));
  assert.deepEqual(wp.encode('Unable;playing'), ids(['un', '##able', ';', 'play', '##ing']));
  assert.deepEqual(wp.encode('pneumonia xyz'), ids(['pneum', '##onia', 'x', '##y', '##z']));
  assert.deepEqual(wp.encode('feverpain'), ids(['fever', '##p', '##a', '##i', '##n']));
});

test('BertNormalizer: accents, CJK, control characters, white space', () => {
  assert.deepEqual(wp.encode('Café RÉSUMÉ'), ids(['cafe', 'resume']));
  assert.deepEqual(wp.encode('中国x'), ids(['中', '国', 'x']));
  assert.deepEqual(wp.encode('fever\u0000\u200b\ufffdpain'), ids(['fever', '##p', '##a', '##i', '##n']));
  assert.deepEqual(wp.encode('chest\tpain\r\nno\u00a0fever'), ids(['chest', 'pain', 'no', 'fever']));
  // Rust lower-cases character by character: no final-sigma rule.
  assert.equal(lowercaseChars('ΣΑΣ'), 'σασ');
});

test('WordPiece: unknown words, over-long words, added tokens', () => {
  assert.deepEqual(wp.encode('a€b fever'), ids(['[UNK]', 'fever']));
  assert.deepEqual(wp.encode(`${'a'.repeat(101)} cat`), ids(['[UNK]', 'cat']));
  assert.deepEqual(wp.encode('a'.repeat(100)), ids(['a', ...Array<string>(99).fill('##a')])); // 100 characters: still pieces
  assert.deepEqual(wp.encode('[CLS] fever[SEP]'), ids(['[CLS]', 'fever', '[SEP]']));
  assert.deepEqual(wp.encode('[cls]'), ids(['[UNK]', 'c', '##l', '##s', '[UNK]']));
});

test('special tokens and truncation as transformers encode(max_length, truncation=True)', () => {
  assert.deepEqual(wp.withSpecialTokens([]), ids(['[CLS]', '[SEP]']));
  assert.equal(wp.clsId, V.indexOf('[CLS]'));
  assert.equal(wp.sepId, V.indexOf('[SEP]'));
  assert.deepEqual(wp.encodeForModel('', 8), { ids: ids(['[CLS]', '[SEP]']), fullLength: 2, truncated: false });
  const r = wp.encodeForModel('the cat sat on the mat', 6);
  assert.deepEqual(r, { ids: ids(['[CLS]', 'the', 'cat', 'sat', 'on', '[SEP]']), fullLength: 8, truncated: true });
  assert.equal(wp.encodeForModel('the cat sat on the mat', 8).truncated, false);
});

test('Python str.strip', () => {
  assert.equal(pythonStrip('\u001c\u00a0 fever \u3000\n'), 'fever');
  assert.equal(pythonStrip('\u200bfever'), '\u200bfever');
});

test('byte-level BPE (RoBERTa): prefix space, merges, RobertaProcessing', () => {
  const { json } = byteLevelTokenizerJson([['Ġ', 't'], ['h', 'e'], ['Ġt', 'he'], ['Ġ', 'c'], ['a', 't'], ['Ġc', 'at']]);
  const vocab = (json.model as { vocab: Record<string, number> }).vocab;
  const tok = new EncoderTokenizer(json, { cls_token: '<s>', sep_token: '</s>', pad_token: '<pad>' });
  const v = (t: string[]): number[] => t.map((x) => vocab[x]!);
  assert.deepEqual(tok.encode(' the cat'), v(['Ġthe', 'Ġcat']));
  assert.deepEqual(tok.encode('the cat'), v(['t', 'he', 'Ġcat']));
  assert.deepEqual(tok.encode('é'), v([BYTE_TO_CHAR[0xc3]!, BYTE_TO_CHAR[0xa9]!]));
  assert.deepEqual(tok.withSpecialTokens([]), [0, 2]);
  assert.equal(tok.clsId, 0);
  assert.equal(tok.sepId, 2);
  // <mask> strips the white space on its left.
  assert.deepEqual(tok.encode(' the <mask>'), [...v(['Ġthe']), vocab['<mask>']!]);
});

/** A darts-clone double array over byte-string keys, laid out one 256-unit block per node. */
function dartsBlob(map: Record<string, string>): string {
  interface Node { children: Map<number, Node>; value?: number }
  const root: Node = { children: new Map() };
  const enc = new TextEncoder();
  let normalized: number[] = [];
  for (const [key, rep] of Object.entries(map)) {
    let n = root;
    for (const b of enc.encode(key)) {
      if (!n.children.has(b)) n.children.set(b, { children: new Map() });
      n = n.children.get(b)!;
    }
    n.value = normalized.length;
    normalized = [...normalized, ...enc.encode(rep), 0];
  }
  const units: number[] = [];
  let blocks = 0;
  const place = (n: Node, pos: number): number => {
    const block = ++blocks * 256; // this node's children and leaf live in `block`
    units[pos] = ((units[pos] ?? 0) | ((pos ^ block) << 10)) >>> 0;
    if (n.value !== undefined) {
      units[pos] = (units[pos]! | (1 << 8)) >>> 0;
      units[block] = ((1 << 31) | n.value) >>> 0;
    }
    for (const [b, child] of n.children) {
      units[block ^ b] = b;
      if (child.children.size > 0 || child.value !== undefined) place(child, block ^ b);
    }
    return block;
  };
  units[0] = 0;
  place(root, 0);
  const arr = Array.from({ length: units.length }, (_, i) => units[i] ?? 0);
  const buf = Buffer.alloc(4 + arr.length * 4 + normalized.length);
  buf.writeUInt32LE(arr.length * 4, 0);
  arr.forEach((u, i) => buf.writeUInt32LE(u, 4 + 4 * i));
  Buffer.from(normalized).copy(buf, 4 + arr.length * 4);
  return buf.toString('base64');
}

test('Unigram (XLM-R): Precompiled normalizer, Metaspace, Viterbi, fused unknowns', () => {
  const vocab: [string, number][] = [
    ['<s>', 0], ['<pad>', 0], ['</s>', 0], ['<unk>', 0],
    ['▁', -2], ['▁a', -1.5], ['b', -3], ['ab', -2.5], ['▁ab', -4], ['a', -3], ['x', -6], ['▁x', -5.5],
  ];
  const json = {
    added_tokens: [
      { id: 0, content: '<s>', special: true }, { id: 1, content: '<pad>', special: true },
      { id: 2, content: '</s>', special: true }, { id: 3, content: '<unk>', special: true },
    ],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Precompiled', precompiled_charsmap: dartsBlob({ 'Ａ': 'a', 'ｂ': 'b', 'e\u0301': 'é' }) }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } },
    },
    model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
  };
  const tok = new EncoderTokenizer(json, { cls_token: '<s>', sep_token: '</s>', pad_token: '<pad>' });
  const id = (p: string): number => vocab.findIndex(([x]) => x === p);
  // "▁ab": one piece (−4) beats ▁a+b and ▁+ab (−4.5).
  assert.deepEqual(tok.encode('ab'), [id('▁ab')]);
  // Full-width letters normalize through the charsmap; double spaces collapse.
  assert.deepEqual(tok.encode('Ａｂ  x'), [id('▁ab'), id('▁x')]);
  // Unknown characters: one unknown piece for the run "cd".
  assert.deepEqual(tok.encode('xcd'), [id('▁x'), 3]);
  assert.deepEqual(tok.withSpecialTokens(tok.encode('a')), [0, id('▁a'), 2]);
});
