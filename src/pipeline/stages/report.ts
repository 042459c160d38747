/** Stage `report`: the self-contained HTML report of the run (docs/report.md). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/fs.js';
import { writeReport } from '../../surfaces/report/index.js';
import type { Stage } from '../stage.js';
import { runPaths, type PipelineSetup } from './context.js';

/**
 * `teacher` / `train`: whether the pipeline has those stages (their files are then inputs).
 * `configYaml`: the resolved configuration, written to `RUN/config.yaml` with the report (and only
 * then, so that it never claims settings of stages a partial run did not run); `settings`: what
 * the earlier stages hash of it, so that the report (and config.yaml) follow any such change.
 */
export function reportStage(setup: PipelineSetup, options: { teacher: boolean; train: boolean; configYaml?: string; settings?: () => unknown }): Stage {
  const { config, runDir, systems } = setup;
  return {
    name: 'report',
    summary: 'one self-contained HTML page: provenance, curves, tables, significance, examples',
    resumable: false,
    inputs: () => ({
      config: { report: config.report, ...(options.settings !== undefined ? { stages: options.settings() } : {}) },
      files: [
        ...(options.configYaml === undefined ? [runPaths.config(runDir)] : []),
        runPaths.splits(runDir),
        ...(options.teacher ? [runPaths.keyinfo(runDir), runPaths.teacherStats(runDir)] : []),
        ...(options.train ? systems : []).flatMap((s) => [join(runPaths.train(runDir, s), 'metrics.jsonl'), join(runPaths.train(runDir, s), 'config.yaml')]),
        ...systems.map((s) => runPaths.predictions(runDir, s)),
        runPaths.eval(runDir),
      ],
    }),
    clean: () => undefined, // written atomically
    async run(ctx) {
      if (options.configYaml !== undefined) {
        const file = runPaths.config(runDir);
        if (!existsSync(file) || readFileSync(file, 'utf8') !== options.configYaml) writeFileAtomic(file, options.configYaml);
      }
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
      return { status: 'done', outputs: ['report.html', ...(options.configYaml !== undefined ? ['config.yaml'] : [])], message: `${r.out} (${Math.round(r.bytes / 1024)} KB)` };
    },
  };
}
