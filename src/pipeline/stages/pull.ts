/**
 * Stage `pull.<name>`: a model given as a Hub repository (`hub: Qwen/Qwen2.5-0.5B-Instruct`) is
 * pulled into the shared Hugging Face cache and linked into `RUN/models/<name>/` (symbolic links
 * to the cache's blobs), so later stages read one local folder and its files are hashed like any
 * input. Resumable: an interrupted download continues (docs/hub.md).
 */
import { rmSync } from 'node:fs';
import { pullModel } from '../../models/hub/index.js';
import type { Stage } from '../stage.js';
import { runPaths, type PipelineSetup } from './context.js';

export interface HubModelRef {
  hub: string;
  revision: string;
}

export function pullStage(setup: PipelineSetup, name: string, ref: HubModelRef): Stage {
  const outDir = runPaths.models(setup.runDir, name);
  return {
    name: `pull.${name}`,
    summary: `fetch ${ref.hub} (${ref.revision}) from the Hugging Face Hub into its cache, linked as models/${name}`,
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
      return { status: 'done', outputs: [`models/${name}/config.json`], message: `${ref.hub} at ${r.commit.slice(0, 12)}, ${r.files.length} files, ${how}` };
    },
  };
}
