/**
 * The data, evaluation and report stages under the runner, on the demo dataset: real split files,
 * real ROUGE tables and a real report; predictions from a lead baseline (a report's first
 * sentences), so no model is needed. Then the generate stage with a tiny model, stopped by the
 * runner's signal and resumed.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, test } from 'node:test';
import { writeDemoDataset } from '../src/data/demo/index.js';
import { createHubFixture } from '../src/models/hub/testing/fixture.js';
import { writeTinyModelRepo } from '../src/models/hub/testing/hub-server.js';
import { initTinyQwen2 } from '../src/models/qwen2/index.js';
import { loadRunConfig, runConfigToYaml } from '../src/pipeline/config.js';
import { preparePipeline } from '../src/pipeline/pipeline.js';
import { planStages, runStages, type RunnerOptions } from '../src/pipeline/runner.js';
import type { Stage } from '../src/pipeline/stage.js';
import { runPaths, type PipelineSetup } from '../src/pipeline/stages/context.js';
import { evalStage } from '../src/pipeline/stages/evaluate.js';
import { extractStage, recordServedTeacher, servedTeacherHost } from '../src/pipeline/stages/extract.js';
import { FileHasher } from '../src/pipeline/hashing.js';
import { reportStage } from '../src/pipeline/stages/report.js';
import { splitStage } from '../src/pipeline/stages/split.js';
import { readRunState } from '../src/pipeline/state.js';
import { StoppedError } from '../src/util/errors.js';
import { createLogger } from '../src/util/log.js';
import { startFaultServer } from './support/fault-server.js';
import { tempDirs } from '../src/util/testing.js';

/** Temporary folders of this file, removed when its tests end. */
const tempDir = tempDirs();

/** Predictions of a lead baseline: the first `k` sentences of each test report. */
function leadStage(setup: PipelineSetup, system: string, k: number): Stage {
  return {
    name: `lead.${system}`,
    summary: `first ${k} sentences`,
    resumable: false,
    inputs: () => ({ config: { k }, files: [runPaths.split(setup.runDir, 'test')] }),
    clean: () => undefined,
    async run() {
      const rows = readFileSync(runPaths.split(setup.runDir, 'test'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; lang: string; report: string });
      mkdirSync(join(setup.runDir, 'predictions'), { recursive: true });
      const out = rows.map((r) => JSON.stringify({ id: r.id, lang: r.lang, prediction: r.report.split(/(?<=\.)\s+/).slice(0, k).join(' ') }));
      writeFileSync(runPaths.predictions(setup.runDir, system), `${out.join('\n')}\n`);
      return { status: 'done', outputs: [`predictions/${system}.jsonl`] };
    },
  };
}

test('split → predictions → eval → report: runs, skips when unchanged, reruns what a change touches', async () => {
  const root = tempDir('clinsum-pipeline-stages-');
  const data = writeDemoDataset(join(root, 'data'), { perLanguage: 10 });
  const file = join(root, 'run.yaml');
  writeFileSync(
    file,
    `data: {paths: [data/demo.jsonl]}
split: {seed: 7, ratios: [0.5, 0.1, 0.4]}
teacher: {base_url: 'http://127.0.0.1:9/v1', model: none}
student: {model: none}
train: {systems: {lead2: {}, lead1: {}}}
eval: {bootstrap: {samples: 50}}
report: {examples: 1}
`,
  );
  assert.deepEqual(data.paths, [join(root, 'data', 'demo.jsonl')]);
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => void lines.push(l.trimEnd()) });
  const build = (sets: string[] = []) => {
    const { config } = loadRunConfig(file, { sets });
    const setup: PipelineSetup = { config, runDir: join(root, 'run'), systems: Object.keys(config.train.systems), env: {} };
    const stages = [splitStage(setup), leadStage(setup, 'lead2', 2), leadStage(setup, 'lead1', 1), evalStage(setup), reportStage(setup, { teacher: false, train: false })];
    mkdirSync(setup.runDir, { recursive: true });
    writeFileSync(runPaths.config(setup.runDir), 'prompts: {}\n');
    return { runDir: setup.runDir, stages, log };
  };

  const r1 = await runStages(build());
  assert.equal(r1.status, 'complete');
  const run = join(root, 'run');
  const manifest = JSON.parse(readFileSync(join(run, 'splits', 'manifest.json'), 'utf8')) as { counts: Record<string, { train: number; valid: number; test: number }> };
  assert.deepEqual(manifest.counts.fr, { train: 5, valid: 1, test: 4 });
  const state = readRunState(run);
  assert.deepEqual(state.stages.eval!.outputs, [
    'eval/lead2.json', 'eval/lead2.md', 'eval/lead2.scores.jsonl', 'eval/lead1.json', 'eval/lead1.md', 'eval/lead1.scores.jsonl', 'eval/lead1-vs-lead2.json', 'eval/lead1-vs-lead2.md',
  ]);
  assert.match(state.stages.eval!.message!, /^lead2 RLsum \d+\.\d\d, lead1 RLsum \d+\.\d\d \(F × 100, mean over languages/);
  assert.match(state.stages.split!.message!, /^train\/valid\/test en 5\/1\/4, es 5\/1\/4, fr 5\/1\/4, pt 5\/1\/4$/);
  const html = readFileSync(join(run, 'report.html'), 'utf8');
  assert.match(html, /lead1-vs-lead2|lead1 vs lead2|lead1/);

  // Nothing changed: nothing runs.
  lines.length = 0;
  const r2 = await runStages(build());
  assert.deepEqual(r2.stages.map((s) => s.action), ['skipped', 'skipped', 'skipped', 'skipped', 'skipped']);

  // An evaluation setting: eval and report rerun; split and the predictions do not.
  lines.length = 0;
  const r3 = await runStages(build(['eval.tokenizer=reference']));
  assert.deepEqual(r3.stages.map((s) => `${s.name}:${s.action}`), ['split:skipped', 'lead.lead2:skipped', 'lead.lead1:skipped', 'eval:ran', 'report:ran']);
  assert.ok(lines.some((l) => l.startsWith('start: eval (changed: config)')), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('start: report (changed: eval)')), lines.join('\n'));

  // A split setting: everything downstream reruns.
  const r4 = await runStages(build(['eval.tokenizer=reference', 'split.seed=8']));
  assert.deepEqual(r4.stages.map((s) => s.action), ['ran', 'ran', 'ran', 'ran', 'ran']);
});

test('RUN/config.yaml is written with the report: a run stopped by --until leaves it; a setting no stage hashes reruns nothing, and the plan agrees', async () => {
  const root = tempDir('clinsum-pipeline-config-yaml-');
  writeDemoDataset(join(root, 'data'), { perLanguage: 10 });
  const file = join(root, 'run.yaml');
  writeFileSync(file, `data: {paths: [data/demo.jsonl]}\nsplit: {seed: 7, ratios: [0.5, 0.1, 0.4]}\nstudent: {model: none}\ntrain: {systems: {lead2: {}}}\neval: {bootstrap: {samples: 20}}\n`);
  const runDir = join(root, 'run');
  const build = (sets: string[] = [], extra = ''): Pick<RunnerOptions, 'runDir' | 'stages'> => {
    const { config } = loadRunConfig(file, { sets });
    const setup: PipelineSetup = { config, runDir, systems: Object.keys(config.train.systems), env: {} };
    const upstream = [splitStage(setup), leadStage(setup, 'lead2', 2), evalStage(setup)];
    // `extra` stands for a setting no stage hashes (train.log_every, teacher.concurrency, …): it shows in the text only.
    const configYaml = `${runConfigToYaml(config)}${extra}`;
    const report = reportStage(setup, { teacher: false, train: false, configYaml, settings: () => Object.fromEntries(upstream.map((s) => [s.name, s.inputs().config])) });
    return { runDir, stages: [...upstream, report] };
  };
  const seedOf = () => /^ {2}seed: (\d+)$/m.exec(readFileSync(runPaths.config(runDir), 'utf8'))?.[1];

  // Stopped before the report: no config.yaml claims anything yet.
  await runStages({ ...build(), until: 'split' });
  assert.equal(existsSync(runPaths.config(runDir)), false);
  await runStages(build());
  assert.equal(seedOf(), '7');
  assert.deepEqual(readRunState(runDir).stages.report!.outputs, ['report.html', 'config.yaml']);

  // A changed split setting, stopped after the split: config.yaml still says what the report shows.
  const r = await runStages({ ...build(['split.seed=8']), until: 'split' });
  assert.deepEqual(r.stages.map((s) => `${s.name}:${s.action}`), ['split:ran']);
  assert.equal(seedOf(), '7');

  // Back to seed 7 (the split reruns, same bytes): then a change no stage hashes. Plan and run agree: skip.
  await runStages(build());
  assert.deepEqual(planStages(build([], '# log_every: 5\n')).map((p) => p.plan), ['skip', 'skip', 'skip', 'skip']);
  const r2 = await runStages(build([], '# log_every: 5\n'));
  assert.deepEqual(r2.stages.map((s) => s.action), ['skipped', 'skipped', 'skipped', 'skipped']);

  // A hashed setting: the plan says the report reruns too, and the run rewrites config.yaml.
  const plan = planStages(build(['split.seed=8']));
  assert.deepEqual(plan.map((p) => p.plan), ['run', 'after', 'after', 'run']);
  assert.equal(plan[3]!.why, 'changed: config');
  await runStages(build(['split.seed=8']));
  assert.equal(seedOf(), '8');
  // Deleting config.yaml reruns the report, which writes it again.
  rmSync(runPaths.config(runDir));
  const r3 = await runStages(build(['split.seed=8']));
  assert.deepEqual(r3.stages.map((s) => s.action), ['skipped', 'skipped', 'skipped', 'ran']);
  assert.equal(seedOf(), '8');
});

test('extract under the runner: answers stored once; operational settings do not rerun it, answer settings do', async () => {
  const root = tempDir('clinsum-pipeline-extract-');
  writeDemoDataset(join(root, 'data'), { perLanguage: 10 });
  const server = await startFaultServer();
  try {
    const file = join(root, 'run.yaml');
    writeFileSync(
      file,
      `data: {paths: [data/demo.jsonl]}
split: {ratios: [0.6, 0.2, 0.2]}
teacher: {base_url: '${server.baseUrl}', model: fake-teacher, max_tokens: 64, api_key_env: FAKE_KEY}
student: {model: none}
`,
    );
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => void lines.push(l.trimEnd()) });
    const run = (sets: string[] = []) => {
      const { config } = loadRunConfig(file, { sets });
      const setup: PipelineSetup = { config, runDir: join(root, 'run'), systems: ['distil'], env: { FAKE_KEY: 'sk-test-123' } };
      return runStages({ runDir: setup.runDir, stages: [splitStage(setup), extractStage(setup, config.teacher!)], log, progress: new PassThrough() });
    };
    await run();
    const run1 = join(root, 'run');
    const keyinfo = readFileSync(join(run1, 'teacher', 'keyinfo.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; teacher: { model: string } });
    assert.equal(keyinfo.length, 32, 'train (6) + valid (2) reports of 4 languages');
    assert.equal(keyinfo[0]!.teacher.model, 'fake-teacher');
    assert.equal(server.stats().completed, 32);
    assert.match(readRunState(run1).stages.extract!.message!, /^32 of 32 reports answered, 32 requests/);
    assert.ok(!lines.join('\n').includes('sk-test-123'), 'the key is never logged');
    assert.ok(!readFileSync(join(run1, 'run.json'), 'utf8').includes('sk-test-123'));

    // Concurrency is how, not what: skipped.
    const r2 = await run(['teacher.concurrency=2']);
    assert.deepEqual(r2.stages.map((s) => s.action), ['skipped', 'skipped']);
    // max_tokens changes the answers: rerun, and every request is new (the store is keyed by parameters).
    const r3 = await run(['teacher.max_tokens=32']);
    assert.deepEqual(r3.stages.map((s) => s.action), ['skipped', 'ran']);
    assert.equal(server.stats().completed, 64);
    // Back to the first settings: the stored answers serve, nothing is sent.
    const r4 = await run();
    assert.deepEqual(r4.stages.map((s) => s.action), ['skipped', 'ran']);
    assert.equal(server.stats().completed, 64);
    assert.match(readRunState(run1).stages.extract!.message!, /all from the answer store/);
  } finally {
    await server.close();
  }
});


test('a self-served teacher is recorded by its model folder, not its random port: a resumed extraction reads as one teacher', () => {
  const root = tempDir('clinsum-pipeline-served-');
  const model = join(root, 'teacher');
  mkdirSync(model);
  writeFileSync(join(model, 'config.json'), '{"a": 1}');
  const out = join(root, 'teacher-out');
  mkdirSync(out);
  const row = (id: string, host: string) => JSON.stringify({ id, lang: 'en', keyinfo: 'k', teacher: { model: 'teacher', host, prompt_hash: 'p', params: {} }, usage: null, finish_reason: 'stop', flags: [], copy_ratio: 0 });
  // Two attempts (two ports) and one answer stored from a remote endpoint earlier.
  writeFileSync(join(out, 'keyinfo.jsonl'), `${row('a', '127.0.0.1:40001')}\n${row('b', '127.0.0.1:40002')}\n${row('c', 'api.example.org')}\n`);
  writeFileSync(join(out, 'stats.json'), JSON.stringify({ teacher: { model: 'teacher', host: '127.0.0.1:40002' }, all: {} }));
  const host = servedTeacherHost(model, new FileHasher(join(root, 'hashes.json')));
  assert.match(host, /^clinsum-serve\/sha256:[0-9a-f]{16}$/);
  recordServedTeacher(out, host);
  const hosts = readFileSync(join(out, 'keyinfo.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { teacher: { host: string } }).teacher.host);
  assert.deepEqual(hosts, [host, host, 'api.example.org']);
  assert.equal((JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')) as { teacher: { host: string } }).teacher.host, host);
  // The same folder (elsewhere) is the same teacher; other weights are another.
  const copy = join(root, 'copy');
  mkdirSync(copy);
  writeFileSync(join(copy, 'config.json'), '{"a": 1}');
  assert.equal(servedTeacherHost(copy, new FileHasher(join(root, 'hashes.json'))), host);
  writeFileSync(join(copy, 'config.json'), '{"a": 2}');
  assert.notEqual(servedTeacherHost(copy, new FileHasher(join(root, 'hashes.json'))), host);
});

test('pull under the runner: a Hub student is linked into RUN/models/<name> and the training reads it from there', async () => {
  const fx = await createHubFixture((dir) => {
    writeTinyModelRepo(dir('tiny'));
    return { repos: [{ id: 'org/tiny-student', revisions: { main: dir('tiny') } }] };
  });
  try {
    const root = tempDir('clinsum-pipeline-pull-');
    writeDemoDataset(join(root, 'data'), { perLanguage: 10 });
    const file = join(root, 'run.yaml');
    writeFileSync(file, `data: {paths: [data/demo.jsonl]}\nstudent: {hub: org/tiny-student}\ntrain: {systems: {standard: {gamma: 1}}}\n`);
    const env = { ...fx.env, HF_ENDPOINT: fx.hub.endpoint, HF_HUB_CACHE: fx.freshCache() };
    const p = preparePipeline({ configFile: file, out: join(root, 'run'), env });
    assert.deepEqual(p.stages.map((s) => s.name), ['pull.student', 'split', 'train.standard', 'generate.standard', 'eval', 'report']);
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => void lines.push(l.trimEnd()) });
    const r = await runStages({ runDir: p.runDir, stages: p.stages.slice(0, 1), log, progress: new PassThrough() });
    assert.equal(r.stages[0]!.action, 'ran');
    const model = join(p.runDir, 'models', 'tiny-student');
    assert.ok(lstatSync(join(model, 'config.json')).isSymbolicLink(), 'links into the Hugging Face cache');
    assert.match(readRunState(p.runDir).stages['pull.student']!.message!, /^org\/tiny-student at [0-9a-f]{12}, \d+ files, [\d.]+ MB downloaded$/);
    // The training of the standard system reads the pulled folder.
    const trainInputs = p.stages[2]!.inputs().files;
    assert.ok(trainInputs.includes(model), trainInputs.join(', '));
    // Pulled once: the next run skips it without asking the Hub.
    const requests = fx.hub.requests.length;
    const r2 = await runStages({ runDir: p.runDir, stages: p.stages.slice(0, 1), log, progress: new PassThrough() });
    assert.equal(r2.stages[0]!.action, 'skipped');
    assert.equal(fx.hub.requests.length, requests);
  } finally {
    await fx.close();
  }
});

test('generate under the runner: the stop signal ends it after the batch in progress (interrupted, rows kept); the next run resumes it', async () => {
  const root = tempDir('clinsum-pipeline-generate-');
  writeDemoDataset(join(root, 'data'), { perLanguage: 10 });
  initTinyQwen2(join(root, 'student'), { layers: 1, hidden: 32, heads: 4, kvHeads: 2, intermediate: 64, initializerRange: 0.4 });
  const file = join(root, 'run.yaml');
  writeFileSync(
    file,
    `data: {paths: [data/demo.jsonl]}
split: {seed: 7, ratios: [0.5, 0.1, 0.4]}
student: {model: student}
train: {systems: {standard: {gamma: 1}}}
generate: {max_new_tokens: 4, max_input_tokens: 200, batch_size: 2, limit: 2, device: cpu}
`,
  );
  const p = preparePipeline({ configFile: file, out: join(root, 'run'), env: {} });
  const stages = p.stages.filter((s) => s.name === 'split' || s.name === 'generate.standard');
  assert.deepEqual(stages.map((s) => s.name), ['split', 'generate.standard']);
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => void lines.push(l.trimEnd()) });
  assert.equal((await runStages({ runDir: p.runDir, stages: stages.slice(0, 1), log, progress: new PassThrough() })).status, 'complete');
  // What the training stage leaves: the model generation reads.
  initTinyQwen2(join(p.runDir, 'train', 'standard', 'best'), { layers: 1, hidden: 32, heads: 4, kvHeads: 2, intermediate: 64, initializerRange: 0.4 });

  // Ctrl-C while the first batch runs: its first progress line aborts the runner's signal.
  const ac = new AbortController();
  const progress = new Writable({
    write(chunk: Buffer, _e, cb) {
      if (chunk.toString().startsWith('generate: ')) ac.abort();
      cb();
    },
  });
  await assert.rejects(runStages({ runDir: p.runDir, stages, log, progress, signal: ac.signal }), (e: unknown) => {
    assert.ok(e instanceof StoppedError, String(e));
    assert.equal(e.exitCode, 130);
    assert.match(e.message, /^interrupted during generate\.standard; run the same command again to resume \(generate\.standard continues where it stopped/);
    return true;
  });
  const predictions = runPaths.predictions(p.runDir, 'standard');
  const rowIds = (): string[] => readFileSync(predictions, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
  assert.equal(rowIds().length, 2, 'the first batch, and no other');
  const state = readRunState(p.runDir).stages['generate.standard']!;
  assert.equal(state.status, 'interrupted');
  assert.match(state.message!, /^generate: interrupted; .*standard\.jsonl holds 2 of 8 reports \(2 written by this run\)/);

  // The next run resumes it: the 6 other reports, no duplicates.
  const r = await runStages({ runDir: p.runDir, stages, log, progress: new PassThrough() });
  assert.equal(r.status, 'complete');
  assert.deepEqual(r.stages.map((s) => `${s.name}:${s.action}`), ['split:skipped', 'generate.standard:resumed']);
  assert.match(r.stages[1]!.message!, /^8 predictions \(2 from an earlier attempt\)/);
  const ids = rowIds();
  assert.equal(ids.length, 8);
  assert.equal(new Set(ids).size, 8);

  // A retrain with the same weights writes a new best/clinsum-best.json (another wall time): generation is skipped.
  const bestInfo = join(p.runDir, 'train', 'standard', 'best', 'clinsum-best.json');
  writeFileSync(bestInfo, JSON.stringify({ step: 4, metric: 'rougeLsum', score: 1, eval: { seconds: 1.5 } }));
  const r2 = await runStages({ runDir: p.runDir, stages, log, progress: new PassThrough() });
  assert.deepEqual(r2.stages.map((s) => s.action), ['skipped', 'skipped']);
  writeFileSync(bestInfo, JSON.stringify({ step: 4, metric: 'rougeLsum', score: 1, eval: { seconds: 2.5 } }));
  assert.deepEqual(planStages({ runDir: p.runDir, stages }).map((s) => s.plan), ['skip', 'skip']);
  // Other weights: it reruns, naming the file.
  writeFileSync(join(p.runDir, 'train', 'standard', 'best', 'generation_config.json'), JSON.stringify({ repetition_penalty: 1.0 }));
  assert.deepEqual(planStages({ runDir: p.runDir, stages }).map((s) => [s.plan, s.why]), [['skip', 'unchanged'], ['run', 'changed: train/standard/best/generation_config.json']]);
});
