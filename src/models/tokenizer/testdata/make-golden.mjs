#!/usr/bin/env node
// Regenerates golden.json: token ids of the Qwen2.5 tokenizer computed by the Hugging Face
// `tokenizers` library itself (its Rust code, through the npm build @anush008/tokenizers), so
// that clinsum's own tokenizer is checked against the reference, and chat-template renderings
// by Python's jinja2 (what transformers renders with).
//
//   npm run build
//   npm install --no-save @anush008/tokenizers@0.6.0      # the reference; not a dependency
//   node src/models/tokenizer/testdata/make-golden.mjs    # needs python3 with jinja2 for the templates
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const root = resolve(here, '../../../..');
const require = createRequire(join(root, 'package.json'));
const { Tokenizer } = require('@anush008/tokenizers');
const { qwen25TokenizerFiles } = await import(join(root, 'dist/src/models/tokenizer/qwen25.js'));
const inputs = JSON.parse(readFileSync(join(here, 'golden-inputs.json'), 'utf8'));

const { tokenizer: tj, config } = qwen25TokenizerFiles();
const dir = mkdtempSync(join(tmpdir(), 'qwen25-'));
writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tj));
const ref = Tokenizer.fromFile(join(dir, 'tokenizer.json'));
const enc = async (t) => (await ref.encode(t, null, { addSpecialTokens: false })).getIds();

const strings = [];
for (const text of inputs.strings) strings.push({ text, ids: await enc(text) });

const shared = {};
for (const name of inputs.shared) {
  const base = resolve(root, '..', 'shared', 'data', 'multiclinsum', name);
  const h = createHash('sha256');
  let files = 0;
  let tokens = 0;
  for (const sub of ['fulltext', 'summaries']) {
    for (const f of readdirSync(join(base, sub)).sort()) {
      const ids = await enc(readFileSync(join(base, sub, f), 'utf8').normalize('NFC').trim());
      h.update(`${sub}/${f}:${ids.join(',')}\n`);
      files++;
      tokens += ids.length;
    }
  }
  shared[name] = { files, tokens, sha256: h.digest('hex') };
}

const py = `
import json, sys, jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=['jinja2.ext.loopcontrols'])
env.filters['tojson'] = tojson
spec = json.load(sys.stdin)
t = env.from_string(spec['template'])
out = [t.render(messages=c['messages'], add_generation_prompt=c['addGenerationPrompt'], tools=c.get('tools'), bos_token='', eos_token='<|im_end|>', pad_token='<|endoftext|>') for c in spec['cases']]
print(json.dumps(out, ensure_ascii=False))
`;
const rendered = JSON.parse(execFileSync('python3', ['-c', py], { input: JSON.stringify({ template: config.chat_template, cases: inputs.templates }) }).toString());
const templates = inputs.templates.map((c, i) => ({ ...c, rendered: rendered[i] }));

writeFileSync(
  join(here, 'golden.json'),
  `${JSON.stringify({ reference: 'Hugging Face tokenizers (Rust) via @anush008/tokenizers 0.6.0; jinja2 ' + execFileSync('python3', ['-c', 'import jinja2; print(jinja2.__version__)']).toString().trim(), strings, shared, templates }, null, 1)}\n`,
);
console.log(`wrote golden.json: ${strings.length} strings, ${Object.keys(shared).length} shared sets, ${templates.length} templates`);
