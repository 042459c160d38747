/**
 * Stage `pull.<role>`: a model given as a Hub repository (`hub: Qwen/Qwen2.5-0.5B-Instruct`) is
 * pulled into the shared Hugging Face cache and linked into `RUN/models/<repository name>/`
 * (symbolic links to the cache's blobs), so later stages read one local folder and its files are
 * hashed like any input. The folder keeps the repository's name because some tools read the
 * model from it (BERTScore's default layer). Resumable: an interrupted download continues
 * (docs/hub.md).
 */
import { rmSync } from 'node:fs';
import { relative } from 'node:path';
import { pullModel } from '../../models/hub/index.js';
import type { Stage } from '../stage.js';
import { runPaths, type PipelineSetup } from './context.js';

export interface HubModelRef {
  hub: string;
  revision: string;
}

/** A model reference of the configuration: a local folder, or a Hub repository. */
export interface ModelRef {
  model: string | null;
  hub: string | null;
  revision: string;
}

/** The folder a stage reads the model from: the local one, or where `pull` links the Hub's. */
export function modelFolder(runDir: string, ref: ModelRef): string {
  if (ref.model !== null) return ref.model;
  return runPaths.models(runDir, ref.hub!.split('/').pop()!);
}

export function pullStage(setup: PipelineSetup, role: string, ref: HubModelRef): Stage {
  const outDir = modelFolder(setup.runDir, { model: null, ...ref });
  const rel = relative(setup.runDir, outDir);
  return {
    name: `pull.${role}`,
    summary: `fetch ${ref.hub} (${ref.revision}) from the Hugging Face Hub into its cache, linked as ${rel}`,
    resumable: true,
    inputs: () => ({ config: { hub: ref.hub, revision: ref.revision }, files: [] }),
    clean: () => rmSync(outDir, { recursive: true, force: true }),
    async run(ctx) {
      const r = await pullModel(ref.hub, {
        revision: ref.revision,
        outDir,
        outMode: 'symlink',
        env: setup.env,
        logger: ctx.log,
        progress: { stream: ctx.progress },
        signal: ctx.signal,
      });
      if (ctx.signal.aborted) return { status: 'interrupted' };
      const mb = r.downloadedBytes / 1e6;
      const how = r.offlineReason !== undefined ? `from the cache (${r.offlineReason})` : mb > 0 ? `${mb.toFixed(1)} MB downloaded` : 'already in the cache';
      return { status: 'done', outputs: [`${rel}/config.json`], message: `${ref.hub} at ${r.commit.slice(0, 12)}, ${r.files.length} files, ${how}` };
    },
  };
}
