/** `clinsum train`: distillation fine-tuning of a student (stage 2). Parses flags into the typed config. */
import { ConfigBuilder, parseSetOverride, requireInputs } from '../../../stages/train/config.js';
import { createLogger } from '../../../util/log.js';
import { bool, int, num, parseFlags, str, strList } from '../args.js';
import type { Command } from '../command.js';

const usage = `usage: clinsum train --config FILE [--set key=value ...] [flags]
       clinsum train --model DIR --train FILE --out DIR [--valid FILE] [--keyinfo FILE] [flags]

Fine-tunes a student on L = gamma * L_sum + (1 - gamma) * L_ext (summarization and key-information
extraction, one forward pass per mixed batch), evaluates generated summaries on the valid split
with ROUGE every N steps, keeps the best model in OUT/best/ and resumable checkpoints in
OUT/checkpoints/. Settings: configs/train.default.yaml (the paper's), then --config, then --set,
then the flags below. See docs/training.md.

  --config FILE            YAML file of settings (paths in it are relative to it)
  --set key=value          override one setting by its dotted path (repeatable), e.g. --set optimizer.lr=2e-5
  --model DIR              student: Hugging Face model folder
  --train FILE             training split (JSONL with id, lang, report, summary[, keyinfo])
  --valid FILE             valid split (generation + ROUGE every --eval-every steps)
  --keyinfo FILE           teacher/keyinfo.jsonl, joined to the training records by id
  --gamma G                weight of the summarization loss (default 0.8; 1 = plain fine-tuning)
  --out DIR                run folder: config.yaml, metrics.jsonl, checkpoints/, best/
  --lr LR                  peak learning rate (default 1e-5)
  --epochs N               (default 3)
  --max-steps N            optimizer steps in all (overrides --epochs)
  --eval-every N           steps between evaluations (default 250; one more at the end)
  --max-new-tokens N       generation length at evaluation (default 512)
  --max-batch-tokens N     padded tokens per micro-batch (default 8192)
  --grad-accum N           micro-batches per optimizer step (default 1)
  --loss-reduction R       mean (per-task token means, default) or sum (the paper's token sums)
  --metric M               best/ selection: rougeLsum (default), rouge1, rouge2, rougeL, avg_r1_r2_rl, loss
  --keep-last K            step checkpoints kept (default 2)
  --seed N                 (default 42)
  --device D               auto (default), cpu, cuda, cuda:N
  --activation-checkpointing   recompute blocks in backward (less memory)
  --resume                 continue from the newest checkpoint in --out
  --quiet                  warnings and errors only

SIGINT/SIGTERM finish the current step, write a checkpoint and exit 0 (a second one exits at once).
A NaN or infinite loss stops the run with exit status 3 and keeps the last good checkpoint.

example: clinsum train --model models/qwen2.5-0.5b-instruct --train run/splits/train.jsonl \\
           --valid run/splits/valid.jsonl --keyinfo run/teacher/keyinfo.jsonl --out run/train/distil`;

/** Direct flags and the setting each one sets. */
const FLAG_SETTINGS = {
  model: 'model',
  train: 'train',
  valid: 'valid',
  keyinfo: 'keyinfo',
  out: 'out',
  gamma: 'gamma',
  lr: 'optimizer.lr',
  epochs: 'epochs',
  'max-steps': 'max_steps',
  'eval-every': 'eval.every',
  'max-new-tokens': 'eval.max_new_tokens',
  'max-batch-tokens': 'batch.max_tokens',
  'grad-accum': 'batch.grad_accum',
  'loss-reduction': 'loss_reduction',
  metric: 'eval.metric',
  'keep-last': 'checkpoint.keep_last',
  seed: 'seed',
  device: 'device',
} as const;

const NUMBER_FLAGS = new Set(['gamma', 'lr']);
const INT_FLAGS = new Set(['epochs', 'max-steps', 'eval-every', 'max-new-tokens', 'max-batch-tokens', 'grad-accum', 'keep-last', 'seed']);

export const command: Command = {
  name: 'train',
  summary: 'distillation fine-tuning of the student (gamma * L_sum + (1 - gamma) * L_ext), ROUGE-selected best/',
  usage,
  async run(argv, io) {
    const spec: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
      config: { type: 'string' },
      set: { type: 'string', multiple: true },
      'activation-checkpointing': { type: 'boolean' },
      resume: { type: 'boolean' },
      quiet: { type: 'boolean' },
    };
    for (const f of Object.keys(FLAG_SETTINGS)) spec[f] = { type: 'string' };
    const f = parseFlags('train', argv, spec, false);

    const builder = new ConfigBuilder();
    const file = str(f, 'config');
    if (file !== undefined) builder.addFile(file);
    for (const s of strList(f, 'set')) builder.set(parseSetOverride(s));
    for (const [flag, path] of Object.entries(FLAG_SETTINGS)) {
      const value = INT_FLAGS.has(flag) ? int(f, flag) : NUMBER_FLAGS.has(flag) ? num(f, flag) : str(f, flag);
      if (value !== undefined) builder.set({ path, value, source: `--${flag}` });
    }
    if (bool(f, 'activation-checkpointing')) builder.set({ path: 'activation_checkpointing', value: true, source: '--activation-checkpointing' });
    const config = requireInputs(builder.build());

    const { train, loadStudent } = await import('../../../stages/train/index.js');
    const logger = createLogger({ level: bool(f, 'quiet') ? 'warn' : undefined, write: (l) => void io.stderr.write(`clinsum: ${l}`) });
    const controller = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        io.stderr.write(`clinsum: ${sig} again: stopping now, without a checkpoint\n`);
        process.exit(130);
      }
      io.stderr.write(`\nclinsum: ${sig}: finishing the current step, then writing a checkpoint (send it again to stop at once)\n`);
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const r = await train(config, {
        loadModel: loadStudent,
        resume: bool(f, 'resume'),
        signal: controller.signal,
        logger,
        progress: { stream: io.stderr, silent: bool(f, 'quiet') },
      });
      const bestLine = r.best === null ? 'no evaluation' : `best ${r.best.metric} ${r.best.score.toFixed(4)} at step ${r.best.step} in ${r.out}/best`;
      io.stdout.write(`${r.status === 'interrupted' ? 'interrupted' : 'trained'} at step ${r.step}/${r.totalSteps}; ${bestLine}; checkpoint ${r.checkpoint ?? 'none'}\n`);
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
