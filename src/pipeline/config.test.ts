import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { InputError } from '../util/errors.js';
import { loadRunConfig, runConfigToYaml } from './config.js';
import { effectivePrompts } from './prompts.js';
import { tempDirs } from '../util/testing.js';

/** Temporary folders of this file, removed when its tests end. */
const tempDir = tempDirs();

function write(text: string): { dir: string; file: string } {
  const dir = tempDir('clinsum-config-');
  const file = join(dir, 'run.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

const MINIMAL = `data:
  paths: [data/a.jsonl]
teacher:
  base_url: http://127.0.0.1:8000/v1
  model: teacher
student:
  model: models/student
`;

function fails(text: string, pattern: RegExp, options: Parameters<typeof loadRunConfig>[1] = {}): InputError {
  const { file } = write(text);
  try {
    loadRunConfig(file, options);
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    assert.match(e.message.replace(file, 'FILE'), pattern);
    return e;
  }
  assert.fail('no error');
}

test('defaults are filled in and relative paths resolve against the file', () => {
  const { dir, file } = write(MINIMAL);
  const { config } = loadRunConfig(file);
  assert.deepEqual(config.data, { paths: [join(dir, 'data/a.jsonl')], lang: null, skip_invalid: false, limit: null });
  assert.deepEqual(config.split, { seed: 42, ratios: [0.8, 0.01, 0.19] });
  assert.equal(config.student.model, join(dir, 'models/student'));
  assert.equal(config.student.revision, 'main');
  assert.equal(config.teacher?.concurrency, 8);
  assert.deepEqual(config.teacher?.limits, { requests_per_minute: null, tokens_per_minute: null });
  assert.deepEqual(config.train.systems, { standard: { gamma: 1 }, distil: { gamma: 0.8 } });
  assert.equal(config.eval.bootstrap.samples, 1000);
  assert.equal(config.generate.max_new_tokens, 1024);
  assert.deepEqual(config.prompts, {});
  // The resolved YAML reads back to the same configuration.
  assert.deepEqual(YAML.parse(runConfigToYaml(config, 'resolved')), JSON.parse(JSON.stringify(config)));
});

test('problems name the file, the line and the field', () => {
  fails(`${MINIMAL}split:\n  seed: 42\n  ratios: [0.8, 0.1, 0.19]\n`, /^FILE:10: field `split\.ratios`: the three ratios \(train, valid, test\) must sum to 1/);
  fails(`${MINIMAL}teacher2: {}\n`, /^FILE:8: field `teacher2`: unknown setting teacher2 \(known here: run_dir, data, split, prompts, teacher/);
  fails(MINIMAL.replace('  model: teacher\n', '  model: teacher\n  concurency: 4\n'), /^FILE:6: field `teacher\.concurency`: unknown setting concurency \(known here: base_url, model, serve/);
  fails(MINIMAL.replace('  model: teacher\n', '  model: teacher\n  concurrency: 0\n'), /^FILE:6: field `teacher\.concurrency`: Too small: expected number to be >=1/);
  fails(MINIMAL.replace('  base_url: http://127.0.0.1:8000/v1\n  model: teacher\n', '  model: teacher\n'), /^FILE:3: field `teacher\.base_url`: give base_url and model/);
  fails(MINIMAL.replace('student:\n  model: models/student\n', 'student:\n  hub: Qwen/Qwen2.5-0.5B-Instruct\n  model: x\n'), /^FILE:8: field `student\.model`: give either model \(a local folder\) or hub/);
  fails(`${MINIMAL}train:\n  systems:\n    'bad name': {gamma: 1}\n`, /^FILE:10: field `train\.systems\.bad name`: a system name has letters, digits and _ only/);
  fails(`${MINIMAL}train:\n  out: x\n`, /^FILE:9: field `train\.out`: the pipeline sets out itself/);
  fails('data: [1\n', /^FILE:\d+: is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a \] \(inside/);
  fails('data:\n  paths: [${A:-x}/a]\n', /^FILE:2: is not valid YAML: Missing , or : between flow sequence items \(inside \[ \] and \{ \}, quote values/);
  fails('- a\n- b\n', /^FILE:1: must be a YAML mapping of sections/);
  fails('data:\n  paths: [a]\ndata:\n  paths: [b]\n', /^FILE:\d+: is not valid YAML: Map keys must be unique/);
});

test('${VAR} and ${VAR:-default} come from the environment; $${ is a literal', () => {
  const text = MINIMAL.replace('http://127.0.0.1:8000/v1', '${TEACHER_URL}').replace('[data/a.jsonl]', '["${DATA_DIR:-data}/a.jsonl"]').replace('model: teacher', () => "model: 'a$${b}'");
  const { dir, file } = write(text);
  const { config } = loadRunConfig(file, { env: { TEACHER_URL: 'http://gpu7:8000/v1' } });
  assert.equal(config.teacher?.base_url, 'http://gpu7:8000/v1');
  assert.deepEqual(config.data.paths, [join(dir, 'data/a.jsonl')]);
  assert.equal(config.teacher?.model, 'a${b}');
  const c2 = loadRunConfig(file, { env: { TEACHER_URL: 'http://x/v1', DATA_DIR: '/srv/mcs' } }).config;
  assert.deepEqual(c2.data.paths, ['/srv/mcs/a.jsonl']);
  fails(text, /^FILE:4: field `teacher\.base_url`: the environment variable TEACHER_URL is not set \(set it, or write \$\{TEACHER_URL:-default\}\)/, { env: {} });
});

test('--set overrides any setting; its values are YAML; problems name the --set', () => {
  const { file } = write(MINIMAL);
  const cwd = tempDir('clinsum-cwd-');
  const { config } = loadRunConfig(file, {
    cwd,
    sets: ['teacher.concurrency=32', 'split.ratios=[0.7, 0.1, 0.2]', 'student.model=other/student', 'train.systems={distil: {gamma: 0.5}}', 'generate.limit=null', 'eval.compare=[[distil, distil]]'],
  });
  assert.equal(config.teacher?.concurrency, 32);
  assert.deepEqual(config.split.ratios, [0.7, 0.1, 0.2]);
  assert.equal(config.student.model, join(cwd, 'other/student'), '--set paths are relative to the working directory');
  assert.deepEqual(config.train.systems, { distil: { gamma: 0.5 } });
  fails(MINIMAL, /^--set teacher\.concurrency=many: field `teacher\.concurrency`: Invalid input: expected number, received string/, { sets: ['teacher.concurrency=many'] });
  assert.throws(() => loadRunConfig(file, { sets: ['teacher'] }), /--set teacher: expected key=value/);
  assert.throws(() => loadRunConfig(file, { sets: ['teacher.model.x=1'] }), /--set teacher\.model\.x=1: teacher\.model is not a section/);
});

test('the extraction prompts in effect are explicit: the English one for all unless lang_prompts', () => {
  const en = 'Extract the key information from clinical text';
  const load = (text: string, sets: string[] = []) => {
    const { file } = write(text);
    const { config, source } = loadRunConfig(file, { sets });
    return effectivePrompts(config, source);
  };
  assert.deepEqual(load(MINIMAL).extraction, { en, es: en, fr: en, pt: en });
  assert.deepEqual(load(MINIMAL, ['teacher.prompt=List the findings']).extraction, { en: 'List the findings', es: 'List the findings', fr: 'List the findings', pt: 'List the findings' });
  assert.deepEqual(load(MINIMAL, ['teacher.lang_prompts=true']), {});
  assert.deepEqual(load(`${MINIMAL}prompts: {summarization: {en: Summarize}}\n`), { summarization: { en: 'Summarize' }, extraction: { en, es: en, fr: en, pt: en } });
  assert.throws(() => load(`${MINIMAL}prompts:\n  extraction: {es: Extraer}\n`), /run\.yaml:9: field `prompts\.extraction\.es`: is set, but with teacher\.lang_prompts: false the teacher gets the English extraction prompt for every report \(set teacher\.lang_prompts: true/);
  const noTeacher = `data:\n  paths: [a.jsonl]\nstudent: {model: s}\nprompts: {extraction: {es: Extraer}}\n`;
  assert.deepEqual(load(noTeacher), { extraction: { es: 'Extraer' } });
});
