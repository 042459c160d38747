// Parity with an implementation clinsum did not write: llama.cpp (through node-llama-cpp 3.21.1,
// CPU, prebuilt). The tiny models are written as GGUF F32 (clinsum's own writer: llama.cpp's
// `qwen2` metadata, tensor names and the Qwen2.5 tokenizer as gpt2-type BPE) and llama.cpp's
// next-token distributions are compared with clinsum's at several positions of a few inputs.
//
// node-llama-cpp exposes the softmax of the logits over the whole vocabulary, not the raw logits,
// so the comparison is on log-probabilities, log p = logit − logsumexp(logits): the logits up to
// one constant per position, which softmax (and every generated token) ignores. That constant is
// removed before comparing, because node-llama-cpp normalises the probabilities with a float32
// running sum over the 151936 entries, which shifts all log-probabilities of a position together
// (by up to ~5e-4 on the wide model; the spread around that shift is ~1e-5). Tolerance 1e-4
// (float32) on every vocabulary entry. llama.cpp's KV cache is asked for in F32 (its default F16
// alone moves results by ~1e-4) and flash attention is off.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { LlamaLogLevel, getLlama, type ControlledEvaluateInputItem, type Llama, type LlamaModel, type Token } from 'node-llama-cpp';
import { RandomGenerator, inferenceMode, tensor, tidy } from '../src/engine/index.js';
import { generate } from '../src/models/generation/index.js';
import { initTinyQwen2, loadQwen2, qwen2Config, randomQwen2, writeQwen2Gguf, type Qwen2ForCausalLM } from '../src/models/qwen2/index.js';
import { loadTokenizer, writeQwen25TokenizerFolder } from '../src/models/tokenizer/index.js';
import { runCli } from '../src/surfaces/cli/main.js';

const tmp = mkdtempSync(join(tmpdir(), 'clinsum-parity-'));
let llama: Llama | undefined;
const opened: LlamaModel[] = [];
after(async () => {
  for (const m of opened) await m.dispose();
  await llama?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

async function llamaModel(model: Qwen2ForCausalLM, tokenizerDir: string, name: string): Promise<LlamaModel> {
  const path = join(tmp, `${name}.gguf`);
  writeQwen2Gguf(model, tokenizerDir, path, { type: 'F32', name });
  llama ??= await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  const m = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  opened.push(m);
  return m;
}

/** llama.cpp's log-probabilities of the next token after each position in `at`. */
async function llamaLogProbs(m: LlamaModel, tokens: number[], at: readonly number[]): Promise<Map<number, Float64Array>> {
  const ctx = await m.createContext({ contextSize: 256, batchSize: 256, threads: 1, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' });
  try {
    const seq = ctx.getSequence();
    const want = new Set(at);
    const input: ControlledEvaluateInputItem[] = tokens.map((t) => t as Token);
    for (const i of want) input[i] = [tokens[i] as Token, { generateNext: { probabilities: true } }];
    const res = await seq.controlledEvaluate(input);
    const out = new Map<number, Float64Array>();
    for (const i of at) {
      const probs = res[i]?.next?.probabilities;
      assert.ok(probs !== undefined, `llama.cpp gave probabilities at ${i}`);
      const lp = new Float64Array(probs.size).fill(Number.NaN);
      for (const [tok, p] of probs) lp[tok] = Math.log(p);
      out.set(i, lp);
    }
    return out;
  } finally {
    await ctx.dispose();
  }
}

function clinsumLogProbs(model: Qwen2ForCausalLM, tokens: number[], at: readonly number[]): Map<number, Float32Array> {
  return inferenceMode(() =>
    tidy(() => {
      const logits = model.forward({ inputIds: tensor([tokens], { dtype: 'int64' }), logitsAt: tensor(at, { dtype: 'int64' }) }).logits.logSoftmax(-1);
      return new Map(at.map((pos, k) => [pos, logits.select(0, k).toFloat32Array()]));
    }),
  );
}

async function compare(model: Qwen2ForCausalLM, lm: LlamaModel, inputs: number[][], label: string): Promise<number> {
  let worst = 0;
  for (const tokens of inputs) {
    const at = [...new Set([0, 1, Math.floor(tokens.length / 2), tokens.length - 2, tokens.length - 1])].filter((i) => i >= 0);
    const ref = await llamaLogProbs(lm, tokens, at);
    const ours = clinsumLogProbs(model, tokens, at);
    for (const pos of at) {
      const a = ours.get(pos)!;
      const b = ref.get(pos)!;
      assert.equal(b.length, model.vocabSize);
      // one constant per position: node-llama-cpp normalises with a float32 running sum
      let offset = 0;
      for (let v = 0; v < a.length; v++) offset += a[v]! - b[v]!;
      offset /= a.length;
      assert.ok(Math.abs(offset) < 1e-2, `${label}: normalisation offset ${offset}`);
      let spread = 0;
      for (let v = 0; v < a.length; v++) {
        const d = Math.abs(a[v]! - b[v]! - offset);
        assert.ok(d <= 1e-4, `${label}: position ${pos} of a ${tokens.length}-token input, token ${v}: clinsum ${a[v]}, llama.cpp ${b[v]} (offset ${offset})`);
        worst = Math.max(worst, d);
        spread = Math.max(spread, Math.abs(a[v]! - a[0]!));
      }
      assert.ok(spread > 0.05, `${label}: the distribution is not flat (spread ${spread})`);
    }
  }
  return worst;
}

const tokenizerDir = join(tmp, 'tok');
writeQwen25TokenizerFolder(tokenizerDir);
const tok = loadTokenizer(tokenizerDir);
const TEXTS = [
  'A 54-year-old man presented with chest pain radiating to the left arm.',
  'Mujer de 33 años con fiebre y tos de cinco días de evolución; se inició tratamiento empírico.',
  'Un homme de 70 ans a été admis pour une dyspnée progressive. Résumer le texte clinique.',
];
const INPUTS = [
  ...TEXTS.map((t) => tok.encode(t)),
  tok.encode(tok.applyChatTemplate([{ role: 'system', content: 'Resumir texto clínico' }, { role: 'user', content: 'Paciente do sexo feminino, 45 anos, com dor abdominal aguda.' }], { addGenerationPrompt: true })),
];

test('llama.cpp reads the GGUF tokenizer as clinsum does (same ids for en/es/fr/pt and chat markup)', async () => {
  const dir = join(tmp, 'init-tiny');
  initTinyQwen2(dir, { seed: 0 });
  const { model } = loadQwen2(dir);
  using _ = model;
  const lm = await llamaModel(model, dir, 'tokenizer-check');
  const texts = [...TEXTS, 'Paciente do sexo feminino, 45 anos.\n\n  Dor <|im_end|> 2024-01-03!', '<|im_start|>user\nhola<|im_end|>\n'];
  for (const t of texts) assert.deepEqual([...lm.tokenize(t, true)], tok.encode(t), JSON.stringify(t));
  // `clinsum model gguf --type f16` writes a file llama.cpp runs, close to the F32 model
  const f16 = join(tmp, 'tiny-f16.gguf');
  assert.equal(await runCli(['model', 'gguf', dir, '--out', f16, '--type', 'f16'], { stdout: new PassThrough(), stderr: new PassThrough(), env: {} }), 0);
  const half = await llama!.loadModel({ modelPath: f16, gpuLayers: 0 });
  opened.push(half);
  const tokens = INPUTS[0]!;
  const ref = (await llamaLogProbs(half, tokens, [tokens.length - 1])).get(tokens.length - 1)!;
  const ours = clinsumLogProbs(model, tokens, [tokens.length - 1]).get(tokens.length - 1)!;
  let worst = 0;
  for (let v = 0; v < ours.length; v++) worst = Math.max(worst, Math.abs(ours[v]! - ref[v]!));
  assert.ok(worst < 2e-2, `F16 file within ${worst}`);
});

test('init-tiny model (tied head, N(0, 0.02) weights): log-probabilities equal llama.cpp to 1e-4', async (t) => {
  const dir = join(tmp, 'init-tiny');
  const { model } = loadQwen2(dir);
  using _ = model;
  const lm = await llamaModel(model, dir, 'tiny');
  const worst = await compare(model, lm, INPUTS, 'init-tiny');
  t.diagnostic(`largest difference ${worst.toExponential(2)}`);
});

test('a model with every parameter random (untied head, biases, norm weights, wide init): equal to 1e-4, and greedy decoding agrees', async (t) => {
  const config = qwen2Config({
    vocabSize: 151936,
    hiddenSize: 64,
    intermediateSize: 96,
    numHiddenLayers: 3,
    numAttentionHeads: 8,
    numKeyValueHeads: 2,
    ropeTheta: 1_000_000,
    rmsNormEps: 1e-6,
    tieWordEmbeddings: false,
    maxPositionEmbeddings: 4096,
  });
  using model = randomQwen2(config, 11);
  const g = new RandomGenerator(12);
  tidy(() => {
    for (const [name, p] of model.namedParameters()) {
      if (name.includes('norm')) p.copy_(p.clone().normal_(1, 0.2, { generator: g }));
      else if (name.endsWith('bias')) p.copy_(p.clone().normal_(0, 0.3, { generator: g }));
      else p.copy_(p.clone().normal_(0, name.includes('embed') || name.startsWith('lm_head') ? 0.5 : 0.15, { generator: g }));
    }
  });
  const lm = await llamaModel(model, tokenizerDir, 'wide');
  t.diagnostic(`largest difference ${(await compare(model, lm, INPUTS, 'wide')).toExponential(2)}`);

  // greedy continuation: llama.cpp's own decoding loop vs clinsum's KV-cache generation
  const prompt = INPUTS[3]!;
  const ours = generate(model, [{ promptIds: prompt }], { maxNewTokens: 16, eosTokenIds: [151645, 151643] })[0]!;
  const ctx = await lm.createContext({ contextSize: 256, threads: 1, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' });
  const theirs: number[] = [];
  for await (const t of ctx.getSequence().evaluate(prompt as Token[], { temperature: 0 })) {
    if (t === 151645 || t === 151643) break;
    theirs.push(t);
    if (theirs.length === 16) break;
  }
  await ctx.dispose();
  assert.deepEqual(ours.tokens.slice(0, theirs.length), theirs);
  assert.ok(theirs.length >= 4, `llama.cpp generated ${theirs.length} tokens`);
});
