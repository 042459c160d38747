/** `clinsum demo` (`npm start`): the whole pipeline on fictional data with tiny random models. */
import { DEMO_MAX_STEPS, demoNotice, runDemo } from '../../../pipeline/demo.js';
import { interruptSignal } from '../../../pipeline/signals.js';
import { UsageError } from '../../../util/errors.js';
import { createLogger } from '../../../util/log.js';
import { bool, int, outDir, parseFlags, str } from '../args.js';
import type { Command } from '../command.js';

const usage = `usage: clinsum demo [--out DIR] [--max-steps N] [--quiet]

Runs the whole method on this machine's CPU in a few minutes, downloading nothing: it writes 96
fictional case reports with summaries (en, es, fr, pt), two tiny random Qwen2 models with the real
Qwen2.5 tokenizer, starts clinsum's own server over one of them as the teacher, and runs
\`clinsum run\`: split, teacher extraction, training of the standard (γ = 1) and distilled
(γ = 0.8) students, generation, evaluation and the report. Run it again and every stage is
skipped; interrupt it and run it again and it resumes.

Tiny random models write meaningless text: the demo shows the machinery, not the method's quality.
For the real recipe see configs/paper.yaml and docs/reproduce.md.
The last line on stdout is the path of the report.html.

  --out DIR        where everything goes (default runs/demo)
  --max-steps N    optimizer steps per system (default ${DEMO_MAX_STEPS}; also CLINSUM_DEMO_MAX_STEPS)
  --quiet          no stage lines or progress on stderr

example: npm start   (the same as: node bin/clinsum demo)`;

export const command: Command = {
  name: 'demo',
  summary: 'the whole pipeline in minutes on the CPU: fictional data, tiny random models, a report (npm start)',
  usage,
  async run(argv, io) {
    const f = parseFlags('demo', argv, { out: { type: 'string' }, 'max-steps': { type: 'string' }, quiet: { type: 'boolean' } }, false);
    const envSteps = io.env.CLINSUM_DEMO_MAX_STEPS;
    let maxSteps = int(f, 'max-steps', { min: 1 });
    if (maxSteps === undefined && envSteps !== undefined && envSteps !== '') {
      maxSteps = Number(envSteps);
      if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new UsageError(`CLINSUM_DEMO_MAX_STEPS must be a positive integer, got "${envSteps}"`);
    }
    const log = createLogger({ level: bool(f, 'quiet') ? 'warn' : 'info', write: (l) => void io.stderr.write(l) });
    const interrupt = interruptSignal(log);
    try {
      const r = await runDemo({ out: outDir(f, 'out'), maxSteps, env: io.env, signal: interrupt.signal, log, progress: io.stderr });
      io.stdout.write(`${demoNotice(r)}\n`);
      if (r.report === undefined) {
        io.stderr.write('clinsum: the demo stopped before the report (see above); run it again to continue\n');
        io.stdout.write(`${r.runDir}\n`);
        return 1;
      }
      io.stdout.write(`${r.report}\n`);
      return 0;
    } finally {
      interrupt.dispose();
    }
  },
};
