/** `clinsum generate`: predictions of a model for a file of reports (resumable). */
import { isDevice } from '../../../engine/index.js';
import { generatePredictions } from '../../../stages/generate/predict.js';
import { UsageError } from '../../../util/errors.js';
import { createLogger } from '../../../util/log.js';
import { bool, int, num, outFile, parseFlags, requiredStr, str } from '../args.js';
import type { Command } from '../command.js';
import { withInterrupts } from '../interrupts.js';

const usage = `usage: clinsum generate --model DIR --data FILE --out FILE [flags]

Summarize each report of FILE (JSONL rows {id, lang, report}, a JSON array, or a MultiClinSum
folder) with the model in DIR, prompted with the summarization prompt of the report's language in
the model's chat template. Output lines {id, lang, prediction, finish_reason, prompt_tokens,
completion_tokens, report_truncated} are appended to --out batch by batch; rerun the same command
after an interruption and it skips the reports already there (one run at a time per --out: a
second is refused while FILE.lock names a live process). Greedy unless --temperature > 0.
SIGINT/SIGTERM finish the batch in progress, keep every finished row and exit 130; a second one
exits at once (at most the batch in progress is lost). Rerun the same command to continue.

flags:
  --model DIR               Hugging Face model folder (config.json, *.safetensors, tokenizer files)
  --data FILE               the reports
  --out FILE                the predictions (JSONL; settings kept beside it in FILE.settings.json)
  --max-new-tokens N        most tokens per summary (default 1024)
  --batch-size N            reports generated together (default 8)
  --temperature T           0 = greedy (default); > 0 samples
  --top-k K                 with sampling: keep the K most likely tokens (default: generation_config.json's)
  --top-p P                 with sampling: nucleus mass (default: generation_config.json's)
  --repetition-penalty R    (default: generation_config.json's, 1.1 for Qwen2.5-Instruct; 1 = off)
  --seed S                  sampling seed (default 42); each report draws from deriveSeed(S, id)
  --max-input-tokens N      prompt budget; longer reports are cut at the end (default 16384)
  --limit N                 only the first N reports of each language, in input order (trials;
                            not a setting of the output: a rerun with a higher N continues it)
  --layout L                paper (system = prompt, user = report; default) or inline
  --device D                cpu, cuda or cuda:N (default cuda when available)
  --dtype D                 float32, bfloat16 or float16 (default bfloat16 on CUDA, float32 on CPU)
  --quiet                   no progress line

example:
  clinsum generate --model runs/x/train/distil/best --data runs/x/splits/test.jsonl --out runs/x/predictions/distil.jsonl
`;

export const command: Command = {
  name: 'generate',
  summary: 'summarize reports with a model: batched KV-cache generation, resumable JSONL output',
  usage,
  async run(argv, io) {
    const f = parseFlags('generate', argv, {
      model: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      'max-new-tokens': { type: 'string' },
      'batch-size': { type: 'string' },
      temperature: { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      'repetition-penalty': { type: 'string' },
      seed: { type: 'string' },
      'max-input-tokens': { type: 'string' },
      limit: { type: 'string' },
      layout: { type: 'string' },
      device: { type: 'string' },
      dtype: { type: 'string' },
      quiet: { type: 'boolean' },
    }, false);
    const layout = str(f, 'layout');
    if (layout !== undefined && layout !== 'paper' && layout !== 'inline') throw new UsageError(`--layout must be paper or inline, got "${layout}"`);
    const device = str(f, 'device');
    if (device !== undefined && !isDevice(device)) throw new UsageError(`--device must be cpu, cuda or cuda:N, got "${device}"`);
    const dtype = str(f, 'dtype');
    if (dtype !== undefined && dtype !== 'float32' && dtype !== 'bfloat16' && dtype !== 'float16') throw new UsageError(`--dtype must be float32, bfloat16 or float16, got "${dtype}"`);
    const topP = num(f, 'top-p', { min: 0 });
    if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new UsageError(`--top-p must be in (0, 1], got ${topP}`);
    const rep = num(f, 'repetition-penalty');
    if (rep !== undefined && !(rep > 0)) throw new UsageError(`--repetition-penalty must be > 0, got ${rep}`);
    const outPath = outFile(f, 'out', 'generate');
    const quiet = bool(f, 'quiet');
    const logger = createLogger({ level: quiet ? 'warn' : undefined, write: (line) => void io.stderr.write(line) });
    const s = await withInterrupts(io, { command: 'generate', stopping: 'stopping after the current batch; the rows written so far are kept' }, (signal) => generatePredictions({
      modelDir: requiredStr('generate', f, 'model'),
      dataPath: requiredStr('generate', f, 'data'),
      outPath,
      maxNewTokens: int(f, 'max-new-tokens', { min: 1 }),
      batchSize: int(f, 'batch-size', { min: 1 }),
      sampling: {
        temperature: num(f, 'temperature', { min: 0 }),
        topK: int(f, 'top-k', { min: 0 }),
        topP,
        repetitionPenalty: rep,
      },
      seed: int(f, 'seed', { min: 0, max: 2 ** 32 - 1 }),
      maxInputTokens: int(f, 'max-input-tokens', { min: 1 }),
      limit: int(f, 'limit', { min: 1 }),
      layout,
      device,
      dtype,
      logger,
      progress: { stream: io.stderr, silent: quiet },
      signal,
    }));
    logger.info(
      `generate: ${s.written} written, ${s.resumed} already there, ${s.total} in all; ${s.tokens} tokens in ${s.seconds.toFixed(1)} s` +
        (s.truncated > 0 ? `; ${s.truncated} reports cut to the prompt budget` : ''),
    );
    io.stdout.write(`${s.outPath}\n`);
    return 0;
  },
};
