/** `clinsum model init-tiny`: write a small random-weight Qwen2 in Hugging Face layout. */
import { UsageError } from '../../../util/errors.js';
import { initTinyQwen2, TINY_DEFAULTS, TINY_LIMITS } from '../../../models/qwen2/index.js';
import { int, num, outDir, parseFlags, str } from '../args.js';
import type { Command } from '../command.js';

const usage = `usage: clinsum model init-tiny --out DIR [flags]

Write a random-weight Qwen2 causal LM in Hugging Face layout (config.json, model.safetensors,
generation_config.json of Qwen2.5-Instruct, and the real Qwen2.5 tokenizer files), the model the
tests and demos use. Weights ~ N(0, 0.02) as transformers initialises them (biases 0, norms 1);
the files' bytes depend only on the flags (seed included). Sizes are bounded (at most
${TINY_LIMITS.parameters / 1e9}e9 parameters in all); the folder is made only once the weights exist.

flags:
  --out DIR                     the folder to write (created)
  --layers N                    decoder layers (default ${TINY_DEFAULTS.layers}, at most ${TINY_LIMITS.layers})
  --hidden N                    hidden size (default ${TINY_DEFAULTS.hidden}, at most ${TINY_LIMITS.hidden})
  --heads N                     attention heads (default ${TINY_DEFAULTS.heads})
  --kv-heads N                  key/value heads (default ${TINY_DEFAULTS.kvHeads})
  --intermediate N              MLP size (default ${TINY_DEFAULTS.intermediate}, at most ${TINY_LIMITS.intermediate})
  --seed N                      initialisation seed (default ${TINY_DEFAULTS.seed})
  --vocab N                     vocabulary rows, at least 151665 (default ${TINY_DEFAULTS.vocab}, as Qwen2.5)
  --tie-word-embeddings B       true (default) or false
  --dtype D                     float32 (default), bfloat16 or float16
  --max-position-embeddings N   context length (default ${TINY_DEFAULTS.maxPositionEmbeddings})
  --initializer-range S         std of the weights (default ${TINY_DEFAULTS.initializerRange})

example:
  clinsum model init-tiny --out models/tiny --seed 0
`;

export const command: Command = {
  name: 'model init-tiny',
  summary: 'write a small random-weight Qwen2 (Hugging Face layout, Qwen2.5 tokenizer) for tests and demos',
  usage,
  async run(argv, io) {
    const f = parseFlags('model init-tiny', argv, {
      out: { type: 'string' },
      layers: { type: 'string' },
      hidden: { type: 'string' },
      heads: { type: 'string' },
      'kv-heads': { type: 'string' },
      intermediate: { type: 'string' },
      seed: { type: 'string' },
      vocab: { type: 'string' },
      'tie-word-embeddings': { type: 'string' },
      dtype: { type: 'string' },
      'max-position-embeddings': { type: 'string' },
      'initializer-range': { type: 'string' },
    }, false);
    const out = outDir(f, 'out', 'model init-tiny');
    const tie = str(f, 'tie-word-embeddings');
    if (tie !== undefined && tie !== 'true' && tie !== 'false') throw new UsageError(`--tie-word-embeddings must be true or false, got "${tie}"`);
    const dtype = str(f, 'dtype');
    if (dtype !== undefined && dtype !== 'float32' && dtype !== 'bfloat16' && dtype !== 'float16') throw new UsageError(`--dtype must be float32, bfloat16 or float16, got "${dtype}"`);
    const hidden = int(f, 'hidden', { min: 2, max: TINY_LIMITS.hidden });
    const heads = int(f, 'heads', { min: 1, max: TINY_LIMITS.heads });
    const kvHeads = int(f, 'kv-heads', { min: 1, max: TINY_LIMITS.kvHeads });
    const h = hidden ?? TINY_DEFAULTS.hidden;
    const nh = heads ?? TINY_DEFAULTS.heads;
    const nkv = kvHeads ?? TINY_DEFAULTS.kvHeads;
    if (h % nh !== 0 || (h / nh) % 2 !== 0) throw new UsageError(`--hidden (${h}) must be a multiple of --heads (${nh}) with an even head size`);
    if (nh % nkv !== 0) throw new UsageError(`--heads (${nh}) must be a multiple of --kv-heads (${nkv})`);
    const files = initTinyQwen2(out, {
      layers: int(f, 'layers', { min: 1, max: TINY_LIMITS.layers }),
      hidden,
      heads,
      kvHeads,
      intermediate: int(f, 'intermediate', { min: 1, max: TINY_LIMITS.intermediate }),
      seed: int(f, 'seed', { min: 0, max: Number.MAX_SAFE_INTEGER }),
      vocab: int(f, 'vocab', { min: 151665, max: TINY_LIMITS.vocab }),
      tieWordEmbeddings: tie === undefined ? undefined : tie === 'true',
      dtype,
      maxPositionEmbeddings: int(f, 'max-position-embeddings', { min: 2, max: TINY_LIMITS.maxPositionEmbeddings }),
      initializerRange: num(f, 'initializer-range', { min: 0 }),
    });
    io.stderr.write(`model init-tiny: wrote ${files.join(', ')}\n`);
    io.stdout.write(`${out}\n`);
    return 0;
  },
};
