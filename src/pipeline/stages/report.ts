/** Stage `report`: the self-contained HTML report of the run (docs/report.md). */
import { join } from 'node:path';
import { writeReport } from '../../surfaces/report/index.js';
import type { Stage } from '../stage.js';
import { runPaths, type PipelineSetup } from './context.js';

/** `teacher` / `train`: whether the pipeline has those stages (their files are then inputs). */
export function reportStage(setup: PipelineSetup, options: { teacher: boolean; train: boolean }): Stage {
  const { config, runDir, systems } = setup;
  return {
    name: 'report',
    summary: 'one self-contained HTML page: provenance, curves, tables, significance, examples',
    resumable: false,
    inputs: () => ({
      config: { report: config.report },
      files: [
        runPaths.config(runDir),
        runPaths.splits(runDir),
        ...(options.teacher ? [runPaths.keyinfo(runDir), runPaths.teacherStats(runDir)] : []),
        ...(options.train ? systems : []).flatMap((s) => [join(runPaths.train(runDir, s), 'metrics.jsonl'), join(runPaths.train(runDir, s), 'config.yaml')]),
        ...systems.map((s) => runPaths.predictions(runDir, s)),
        runPaths.eval(runDir),
      ],
    }),
    clean: () => undefined, // written atomically
    async run(ctx) {
      const r = writeReport({
        runs: [runDir],
        out: runPaths.report(runDir),
        title: config.report.title ?? undefined,
        examplesPerLanguage: config.report.examples,
        excerptChars: config.report.excerpt,
      });
      for (const run of r.runs) {
        for (const m of run.missing) ctx.log.info(`report: note: missing ${m.what} (${m.hint})`);
        for (const n of run.notes) ctx.log.info(`report: note: ${n}`);
      }
      return { status: 'done', outputs: ['report.html'], message: `${r.out} (${Math.round(r.bytes / 1024)} KB)` };
    },
  };
}
