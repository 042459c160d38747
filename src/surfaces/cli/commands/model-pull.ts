/** `clinsum model pull`: download a model repository of the Hugging Face Hub into its cache. */
import { UsageError } from '../../../util/errors.js';
import { createLogger } from '../../../util/log.js';
import { pullModel } from '../../../models/hub/index.js';
import { bool, int, outDir, parseFlags, str, strList } from '../args.js';
import type { Command } from '../command.js';

const usage = `usage: clinsum model pull REPO_ID [flags]

Download a model repository of the Hugging Face Hub (e.g. Qwen/Qwen2.5-0.5B-Instruct) into the
huggingface_hub cache, shared with transformers and vLLM. Resumable: run it again after an
interruption and it continues where it stopped. Sizes and hashes are verified. The last line on
stdout is the model folder (the --out folder when given, else the snapshot in the cache).

flags:
  --revision R        branch, tag or commit sha (default main)
  --cache-dir D       cache folder (default $HF_HUB_CACHE, else $HF_HOME/hub,
                      else ~/.cache/huggingface/hub)
  --out DIR           also place the files in this plain folder
  --out-mode M        copy (default) or symlink (links into the cache)
  --include GLOB      fetch only files matching GLOB (repeatable; '*' takes everything);
                      default: what a model folder needs (config, tokenizer, safetensors weights)
  --exclude GLOB      do not fetch files matching GLOB (repeatable)
  --concurrency N     files downloaded at once (default 4)
  --dry-run           say what would be downloaded, download nothing
  --quiet             print only warnings and errors on stderr

environment: HF_ENDPOINT (default https://huggingface.co), HF_TOKEN (a read token, for gated or
private models; also HUGGING_FACE_HUB_TOKEN or the file written by \`hf auth login\`),
HF_HUB_OFFLINE=1 (use the cache only), HF_HUB_DOWNLOAD_TIMEOUT / HF_HUB_ETAG_TIMEOUT (seconds).

example:
  clinsum model pull Qwen/Qwen2.5-0.5B-Instruct --out models/qwen2.5-0.5b-instruct
`;

export const command: Command = {
  name: 'model pull',
  summary: 'download a model from the Hugging Face Hub (resumable, verified, shared cache)',
  usage,
  async run(argv, io) {
    const f = parseFlags('model pull', argv, {
      revision: { type: 'string' },
      'cache-dir': { type: 'string' },
      out: { type: 'string' },
      'out-mode': { type: 'string' },
      include: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      concurrency: { type: 'string' },
      'dry-run': { type: 'boolean' },
      quiet: { type: 'boolean' },
    });
    if (f.positionals.length !== 1) {
      throw new UsageError(`model pull: expected one REPO_ID (e.g. Qwen/Qwen2.5-0.5B-Instruct), got ${f.positionals.length} (see \`clinsum model pull --help\`)`);
    }
    const outMode = str(f, 'out-mode') ?? 'copy';
    if (outMode !== 'copy' && outMode !== 'symlink') throw new UsageError(`--out-mode must be copy or symlink, got "${outMode}"`);
    const quiet = bool(f, 'quiet');
    const result = await pullModel(f.positionals[0]!, {
      revision: str(f, 'revision'),
      cacheDir: str(f, 'cache-dir'),
      outDir: outDir(f, 'out'),
      outMode,
      include: strList(f, 'include'),
      exclude: strList(f, 'exclude'),
      concurrency: int(f, 'concurrency', { min: 1, max: 64 }),
      dryRun: bool(f, 'dry-run'),
      env: io.env,
      logger: createLogger({ level: quiet ? 'warn' : undefined, write: (line) => void io.stderr.write(`model pull: ${line}`) }),
      progress: quiet ? undefined : { stream: io.stderr },
    });
    if (bool(f, 'dry-run')) {
      for (const file of result.files) io.stderr.write(`  ${file.status.padEnd(10)} ${file.path} (${file.size} bytes)\n`);
    }
    io.stdout.write(`${result.modelDir}\n`);
    return 0;
  },
};
