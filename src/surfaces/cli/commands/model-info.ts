/** `clinsum model info`: configuration, parameter count, dtype and files of a model folder. */
import { UsageError } from '../../../util/errors.js';
import { formatBytes, formatCount, qwen2Info } from '../../../models/qwen2/index.js';
import { bool, parseFlags } from '../args.js';
import type { Command } from '../command.js';

const usage = `usage: clinsum model info DIR [--json]

Describe a Hugging Face model folder without loading its weights: architecture, sizes, parameter
count (a tied head counted once), stored dtype, end-of-sequence ids and files.

  --json   print {"dir", "architecture", "config", "parameters", "dtype", "dtypes", "generation", "files", "total_bytes"}

example:
  clinsum model info models/tiny --json
`;

export const command: Command = {
  name: 'model info',
  summary: 'configuration, parameter count, dtype and file sizes of a model folder',
  usage,
  async run(argv, io) {
    const f = parseFlags('model info', argv, { json: { type: 'boolean' } });
    if (f.positionals.length !== 1) throw new UsageError(`model info: expected one DIR, got ${f.positionals.length} (see \`clinsum model info --help\`)`);
    const info = qwen2Info(f.positionals[0]!);
    const c = info.config;
    if (bool(f, 'json')) {
      const json = {
        dir: info.dir,
        architecture: info.architecture,
        config: {
          vocab_size: c.vocabSize,
          hidden_size: c.hiddenSize,
          intermediate_size: c.intermediateSize,
          num_hidden_layers: c.numHiddenLayers,
          num_attention_heads: c.numAttentionHeads,
          num_key_value_heads: c.numKeyValueHeads,
          head_dim: c.headDim,
          max_position_embeddings: c.maxPositionEmbeddings,
          rope_theta: c.ropeTheta,
          rms_norm_eps: c.rmsNormEps,
          tie_word_embeddings: c.tieWordEmbeddings,
          torch_dtype: c.torchDtype,
        },
        parameters: info.parameters,
        dtype: info.dtype,
        dtypes: info.dtypes,
        generation: {
          eos_token_id: info.generation.eosTokenIds,
          do_sample: info.generation.doSample,
          temperature: info.generation.temperature,
          top_k: info.generation.topK,
          top_p: info.generation.topP,
          repetition_penalty: info.generation.repetitionPenalty,
        },
        files: info.files.map((x) => ({ name: x.name, bytes: x.bytes })),
        total_bytes: info.totalBytes,
      };
      io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `${info.dir}`,
      `  architecture   ${info.architecture}`,
      `  parameters     ${formatCount(info.parameters)} (${info.parameters.toLocaleString('en-US')})${c.tieWordEmbeddings ? ', embeddings tied to the head' : ''}`,
      `  dtype          ${info.dtype}`,
      `  layers         ${c.numHiddenLayers} × hidden ${c.hiddenSize}, ${c.numAttentionHeads} heads (${c.numKeyValueHeads} key/value) of ${c.headDim}, MLP ${c.intermediateSize}`,
      `  vocabulary     ${c.vocabSize}`,
      `  context        ${c.maxPositionEmbeddings} positions, RoPE theta ${c.ropeTheta}`,
      `  eos ids        ${info.generation.eosTokenIds.join(', ')}`,
      `  files          ${formatBytes(info.totalBytes)} in ${info.files.length}`,
      ...info.files.map((x) => `    ${x.name.padEnd(40)} ${formatBytes(x.bytes).padStart(10)}`),
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
