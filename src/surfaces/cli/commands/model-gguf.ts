/** `clinsum model gguf`: write a Qwen2 folder as a GGUF file for llama.cpp. */
import { UsageError } from '../../../util/errors.js';
import { loadQwen2, writeQwen2Gguf } from '../../../models/qwen2/index.js';
import { outFile, parseFlags, str } from '../args.js';
import type { Command } from '../command.js';

const usage = `usage: clinsum model gguf DIR --out FILE [--type f32|f16] [--name NAME]

Write the Qwen2 model of a Hugging Face folder as a GGUF file that llama.cpp (and tools built on
it) runs: architecture qwen2, the folder's tokenizer as gpt2-type BPE (pre-tokenizer qwen2),
its chat template. Matrices in F32 (default) or F16; vectors always F32.

example:
  clinsum model gguf runs/x/train/distil/best --out distil-f16.gguf --type f16
`;

export const command: Command = {
  name: 'model gguf',
  summary: 'write a Qwen2 model folder as a GGUF file for llama.cpp',
  usage,
  async run(argv, io) {
    const f = parseFlags('model gguf', argv, { out: { type: 'string' }, type: { type: 'string' }, name: { type: 'string' } });
    if (f.positionals.length !== 1) throw new UsageError(`model gguf: expected one DIR, got ${f.positionals.length} (see \`clinsum model gguf --help\`)`);
    const out = outFile(f, 'out', 'model gguf');
    const type = (str(f, 'type') ?? 'f32').toUpperCase();
    if (type !== 'F32' && type !== 'F16') throw new UsageError(`--type must be f32 or f16, got "${str(f, 'type')}"`);
    const dir = f.positionals[0]!;
    const { model } = loadQwen2(dir);
    try {
      writeQwen2Gguf(model, dir, out, { type, name: str(f, 'name') });
    } finally {
      model.dispose();
    }
    io.stdout.write(`${out}\n`);
    return 0;
  },
};
