import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, InputError } from '../util/errors.js';
import { QWEN25_DEFAULT_SYSTEM, qwen25Tokenizer, qwen25TokenizerFiles, Tokenizer } from '../models/tokenizer/index.js';
import { buildMessages, formatExample, formatRecord, IGNORE_INDEX, renderPrompt, truncationCounts, type FormatInput, type FormattedExample, type Layout } from './format.js';
import type { Lang } from './lang.js';

const tok = qwen25Tokenizer();
const IM_END = 151645;

const RECORDS: Record<Lang, FormatInput> = {
  en: { id: 'en1', lang: 'en', report: 'A 54-year-old woman presented with fever (39.2 °C) and right-sided abdominal pain.', summary: 'Woman, 54, febrile with abdominal pain.', keyinfo: 'Age: 54; fever 39.2 °C; right abdominal pain.' },
  es: { id: 'es1', lang: 'es', report: 'Mujer de 54 años que ingresó por fiebre y dolor abdominal; se realizó ecografía.', summary: 'Mujer de 54 años con fiebre y dolor abdominal.', keyinfo: 'Edad: 54 años; fiebre; ecografía.' },
  fr: { id: 'fr1', lang: 'fr', report: "Femme de 54 ans hospitalisée pour fièvre et douleur abdominale ; échographie réalisée.", summary: 'Femme de 54 ans, fièvre et douleur abdominale.', keyinfo: 'Âge : 54 ans ; fièvre ; échographie.' },
  pt: { id: 'pt1', lang: 'pt', report: 'Mulher de 54 anos internada por febre e dor abdominal; realizou-se ultrassonografia.', summary: 'Mulher de 54 anos com febre e dor abdominal.', keyinfo: 'Idade: 54 anos; febre; ultrassonografia.' },
};

function targetOf(r: FormatInput, e: FormattedExample): string {
  return e.task === 'sum' ? r.summary! : r.keyinfo!;
}

/** Everything a correct example satisfies, checked against the whole rendering tokenized at once. */
function checkExample(r: FormatInput, e: FormattedExample, layout: Layout, t: Tokenizer = tok): void {
  const target = targetOf(r, e);
  const full = t.applyChatTemplate(buildMessages(layout, e.prompt.text, r.report, target));
  const prefix = t.applyChatTemplate(buildMessages(layout, e.prompt.text, r.report), { addGenerationPrompt: true });
  assert.deepEqual([...e.inputIds], t.encode(full), 'inputIds = the whole rendering tokenized');
  assert.equal(e.assistantStart, t.encode(prefix).length, 'assistant start = length of the generation prompt');
  const supervised = [...e.inputIds].filter((_, i) => e.labels[i] !== IGNORE_INDEX);
  assert.equal(t.decode(supervised), `${target}<|im_end|>`);
  for (let i = 0; i < e.inputIds.length; i++) {
    const inSegment = i >= e.assistantStart && i < e.assistantStart + e.labelCount;
    assert.equal(e.labels[i], inSegment ? e.inputIds[i] : IGNORE_INDEX, `label ${i}`);
  }
  // The segment ends with <|im_end|>; the "\n" the template puts after it is not supervised.
  assert.equal(e.inputIds[e.assistantStart + e.labelCount - 1], IM_END);
  assert.equal(t.decode([...e.inputIds.subarray(e.assistantStart + e.labelCount)]), '\n');
  assert.deepEqual(e.truncated, { report: false, target: false });
}

test('paper layout: golden rendering and masks on en/es/fr/pt, both tasks', () => {
  for (const r of Object.values(RECORDS)) {
    const [sum, ext] = formatRecord(r, tok);
    assert.equal(sum!.task, 'sum');
    assert.equal(ext!.task, 'ext');
    checkExample(r, sum!, 'paper');
    checkExample(r, ext!, 'paper');
  }
  const es = formatExample(RECORDS.es, 'sum', tok);
  assert.equal(
    tok.decode([...es.inputIds]),
    '<|im_start|>system\nResumir el texto clínico<|im_end|>\n' +
      '<|im_start|>user\nMujer de 54 años que ingresó por fiebre y dolor abdominal; se realizó ecografía.<|im_end|>\n' +
      '<|im_start|>assistant\nMujer de 54 años con fiebre y dolor abdominal.<|im_end|>\n',
  );
  const fr = formatExample(RECORDS.fr, 'ext', tok);
  assert.equal(fr.prompt.text, 'Extraire les informations clés du texte clinique');
  assert.match(tok.decode([...fr.inputIds]), /^<\|im_start\|>system\nExtraire les informations clés du texte clinique<\|im_end\|>\n<\|im_start\|>user\nFemme de 54 ans/);
});

test('inline layout reproduces the published string format: user "prompt:\\nreport", default system turn', () => {
  for (const r of Object.values(RECORDS)) {
    for (const e of formatRecord(r, tok, { layout: 'inline' })) checkExample(r, e, 'inline');
  }
  const pt = formatExample(RECORDS.pt, 'sum', tok, { layout: 'inline' });
  assert.equal(
    tok.decode([...pt.inputIds]),
    `<|im_start|>system\n${QWEN25_DEFAULT_SYSTEM}<|im_end|>\n` +
      '<|im_start|>user\nResumir texto clínico:\nMulher de 54 anos internada por febre e dor abdominal; realizou-se ultrassonografia.<|im_end|>\n' +
      '<|im_start|>assistant\nMulher de 54 anos com febre e dor abdominal.<|im_end|>\n',
  );
});

test('budgets cut the report and the target at token boundaries, never the template', () => {
  const long: FormatInput = { id: 'long', lang: 'fr', report: `${'Fièvre persistante à 39 °C, douleur épigastrique. '.repeat(40)}Fin.`, summary: `${'Résumé détaillé. '.repeat(30)}Fin.`, keyinfo: 'Fièvre.' };
  const promptTokens = 120;
  const [sum, ext] = formatRecord(long, tok, { budgets: { promptTokens, targetTokens: 20 } });
  for (const e of [sum!, ext!]) {
    assert.ok(e.truncated.report);
    assert.ok(e.tokens.prompt <= promptTokens && e.tokens.prompt >= promptTokens - 3, `prompt ${e.tokens.prompt}`);
    assert.ok(e.tokens.reportFull > e.tokens.report);
    const text = tok.decode([...e.inputIds.subarray(0, e.assistantStart)]);
    // The template's own tokens are intact around the cut report.
    assert.match(text, /^<\|im_start\|>system\n.*<\|im_end\|>\n<\|im_start\|>user\nFièvre/s);
    assert.ok(text.endsWith('<|im_end|>\n<|im_start|>assistant\n'));
    const cutReport = text.slice(text.indexOf('user\n') + 5, text.lastIndexOf('<|im_end|>\n<|im_start|>assistant'));
    assert.ok(long.report.startsWith(cutReport), 'the report is cut, not changed');
  }
  // The cut target: 20 content tokens, all supervised, and no end-of-turn token after a cut.
  assert.ok(sum!.truncated.target);
  assert.equal(sum!.tokens.target, 20);
  assert.equal(sum!.labelCount, 20);
  assert.equal(sum!.inputIds.length, sum!.assistantStart + 20);
  assert.ok(long.summary!.startsWith(tok.decode([...sum!.inputIds.subarray(sum!.assistantStart)])));
  assert.ok(!ext!.truncated.target);
  assert.equal(ext!.inputIds[ext!.assistantStart + ext!.labelCount - 1], IM_END);
  assert.deepEqual(truncationCounts([sum!, ext!]), { examples: 2, reportCut: 2, targetCut: 1 });
  // Defaults (2566 / 512) leave short examples alone.
  assert.deepEqual(formatExample(long, 'ext', tok).truncated, { report: false, target: false });
  assert.throws(() => formatExample(long, 'sum', tok, { budgets: { promptTokens: 10 } }), (e: unknown) => e instanceof ConfigError && /leaves no room for the report/.test(e.message));
  assert.throws(() => formatExample(long, 'sum', tok, { budgets: { targetTokens: 0 } }), /budget targetTokens must be a positive integer/);
});

test('a cut never splits a character: the cut point backs off to a UTF-8 boundary', () => {
  // Hieroglyphs take several tokens each (𓀀 is three); a budget landing inside one backs off,
  // unless that would leave nothing (budgets 1 and 2 keep the partial first character).
  const r: FormatInput = { id: 'h', lang: 'en', report: 'x', summary: '𓀀𓀁𓀂𓀃𓀄𓀅𓀆𓀇' };
  assert.equal(formatExample(r, 'sum', tok, { budgets: { targetTokens: 2 } }).tokens.target, 2);
  for (let budget = 3; budget <= 12; budget++) {
    const e = formatExample(r, 'sum', tok, { budgets: { targetTokens: budget } });
    const text = tok.decode([...e.inputIds.subarray(e.assistantStart)]);
    assert.ok(!text.includes('\ufffd'), `budget ${budget}: ${JSON.stringify(text)}`);
    assert.ok(e.tokens.target <= budget);
  }
});

test('missing or empty targets are input errors naming the record', () => {
  const r: FormatInput = { id: 'case-7', lang: 'es', report: 'Informe.', summary: 'Resumen.' };
  assert.throws(() => formatExample(r, 'ext', tok), (e: unknown) => e instanceof InputError && /record case-7 has no key information/.test(e.message));
  assert.throws(() => formatExample({ ...r, summary: '  \n' }, 'sum', tok), /record case-7 has an empty summary/);
  assert.throws(() => formatExample({ ...r, report: ' ' }, 'sum', tok), /record case-7 has an empty report/);
});

function withTemplate(template: string): Tokenizer {
  const { tokenizer, config } = qwen25TokenizerFiles();
  return new Tokenizer(tokenizer, { ...config, chat_template: template });
}

test('a generation prompt that is not a token prefix of the full rendering fails loudly', () => {
  // The generation prompt ends "assistant\n\n" but assistant turns start "assistant\n": "ĊĊ" is one token.
  const t = withTemplate(
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n\n{% endif %}",
  );
  assert.throws(() => formatExample(RECORDS.en, 'sum', t), (e: unknown) => e instanceof ConfigError && /not a token prefix of the full conversation \(they differ at token \d+/.test(e.message));
  const noEnd = withTemplate("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}");
  assert.throws(() => formatExample(RECORDS.en, 'sum', noEnd), /does not close the assistant turn with a special token/);
  const dropsSystem = withTemplate("{% for m in messages %}{% if m.role != 'system' %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
  assert.throws(() => formatExample(RECORDS.en, 'sum', dropsSystem), /does not place prompt, report, target once each/);
});

test('templates that change contents are rendered and tokenized whole, with the same guarantees', () => {
  const t = withTemplate(
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content | trim }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
  );
  for (const r of Object.values(RECORDS)) for (const e of formatRecord(r, t)) checkExample(r, e, 'paper', t);
  const long: FormatInput = { id: 'l', lang: 'pt', report: 'Dor torácica intensa. '.repeat(60), summary: 'Resumo. '.repeat(40) };
  const e = formatExample(long, 'sum', t, { budgets: { promptTokens: 100, targetTokens: 10 } });
  assert.ok(e.truncated.report && e.truncated.target);
  assert.ok(e.assistantStart <= 100);
  assert.equal(e.labelCount, e.tokens.target);
  assert.ok(e.tokens.target <= 10);
});

test('renderPrompt gives the generation prompt as text and ids, cut to a budget when asked', () => {
  const p = renderPrompt(RECORDS.fr, 'sum', tok);
  assert.equal(p.text, '<|im_start|>system\nRésumer le texte clinique<|im_end|>\n<|im_start|>user\n' + RECORDS.fr.report + '<|im_end|>\n<|im_start|>assistant\n');
  assert.deepEqual(p.inputIds, tok.encode(p.text));
  assert.equal(p.truncated, false);
  assert.equal(p.inputIds.length, formatExample(RECORDS.fr, 'sum', tok).assistantStart);
  const long = { lang: 'en' as const, report: 'Severe chest pain radiating to the left arm. '.repeat(50) };
  const cut = renderPrompt(long, 'sum', tok, { promptTokens: 64 });
  assert.ok(cut.truncated && cut.inputIds.length <= 64, `${cut.inputIds.length}`);
  assert.ok(cut.text.endsWith('<|im_end|>\n<|im_start|>assistant\n'));
  assert.deepEqual(cut.inputIds, tok.encode(cut.text));
});
