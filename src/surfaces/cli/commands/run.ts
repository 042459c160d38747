/** `clinsum run --config FILE`: the whole method in one run directory (docs/pipeline.md). */
import { planPipeline, runPipeline } from '../../../pipeline/pipeline.js';
import { interruptSignal } from '../../../pipeline/signals.js';
import { createLogger } from '../../../util/log.js';
import { bool, outDir, parseFlags, requiredStr, str, strList } from '../args.js';
import type { Command } from '../command.js';

const usage = `usage: clinsum run --config FILE [--out RUN_DIR] [--set key=value]... [--until STAGE]
                   [--rerun STAGE] [--plan] [--quiet]

Runs the method in one run directory: split → teacher extraction → training of each system
(standard: γ = 1, distil: γ = 0.8) → generation on the test split → evaluation → report.
A stage whose inputs (its configuration section and the files it reads, by content hash) are
unchanged since it last finished is skipped; after a crash or Ctrl-C the same command resumes
(extraction, training and generation continue inside; finished stages are skipped).
The last line on stdout is the path of the report.html.

  --config FILE     the run configuration (YAML; see configs/paper.yaml and docs/pipeline.md)
  --out RUN_DIR     where the run goes (default: run_dir in the config)
  --set key=value   override a setting, e.g. --set train.max_steps=100 (repeatable; the value
                    is YAML: numbers, null, [lists], {maps})
  --until STAGE     stop after this stage (e.g. extract)
  --rerun STAGE     run this stage and every later one even if unchanged
  --plan            say what would run and why (skip, run, resume, after, stop: after --until),
                    and run nothing
  --quiet           no stage lines or progress on stderr (warnings and errors still)

Ctrl-C stops the stage in progress cleanly (training writes a checkpoint); run the same command
to continue. A second Ctrl-C quits at once.

examples:
  clinsum run --config configs/paper.yaml
  clinsum run --config configs/paper.yaml --set train.max_steps=50 --out runs/smoke
  clinsum run --config configs/paper.yaml --plan`;

export const command: Command = {
  name: 'run',
  summary: 'the whole method in one run directory: split → teacher → train → generate → eval → report (skips what is unchanged, resumes after a crash)',
  usage,
  async run(argv, io) {
    const f = parseFlags(
      'run',
      argv,
      {
        config: { type: 'string' },
        out: { type: 'string' },
        set: { type: 'string', multiple: true },
        until: { type: 'string' },
        rerun: { type: 'string' },
        plan: { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
      false,
    );
    const options = { configFile: requiredStr('run', f, 'config'), out: outDir(f, 'out'), sets: strList(f, 'set'), env: io.env, rerun: str(f, 'rerun') };
    if (bool(f, 'plan')) {
      const plan = planPipeline({ ...options, until: str(f, 'until') });
      io.stdout.write(`run directory: ${plan.runDir}\n`);
      if (plan.inUseBy !== undefined) io.stdout.write(`in use by another clinsum run (${plan.inUseBy}): a run now would be refused until it ends; the plan is of the state it has left so far\n`);
      const width = Math.max(...plan.stages.map((s) => s.name.length));
      for (const s of plan.stages) io.stdout.write(`  ${s.name.padEnd(width)}  ${s.plan.padEnd(6)}  ${s.why}\n`);
      return 0;
    }
    const quiet = bool(f, 'quiet');
    const log = createLogger({ level: quiet ? 'warn' : 'info', write: (l) => void io.stderr.write(l) });
    const interrupt = interruptSignal(log);
    try {
      const r = await runPipeline({ ...options, until: str(f, 'until'), signal: interrupt.signal, log, progress: io.stderr });
      if (r.result.status === 'stopped') {
        io.stderr.write(`clinsum: the run stopped before its end (see above); run the same command to continue\n`);
        return 0;
      }
      if (r.report !== undefined) io.stdout.write(`${r.report}\n`);
      else io.stdout.write(`${r.runDir}\n`);
      return 0;
    } finally {
      interrupt.dispose();
    }
  },
};
