/**
 * Which files of a repository a pull fetches.
 *
 * Patterns (`--include` / `--exclude`) follow huggingface_hub's `filter_repo_objects`: Python
 * `fnmatchcase` globs over the whole `/`-separated path (`*` also crosses `/`), a pattern ending
 * in `/` matches everything below that folder; a file is kept when it matches some include
 * (when any is given) and no exclude.
 *
 * Without `--include`, the default is the files a Hugging Face model folder needs, at the top
 * level of the repository: `*.json` (config, generation config, tokenizer files, weight index),
 * the weights, `*.txt` (merges, vocab), `*.model` / `*.tiktoken` (other tokenizers),
 * `*.jinja` (chat templates), `*.md` and `LICENSE*` / `NOTICE*` / `COPYING*`. Weights are the
 * safetensors files: with a `model.safetensors.index.json`, exactly the shards its `weight_map`
 * names (so a duplicate such as Mistral's `consolidated.safetensors` is skipped, as vLLM does);
 * else every top-level `*.safetensors`. Only when a repository has no safetensors at all do the
 * PyTorch files (`pytorch_model*.bin` and their index) stand in. Other formats (`*.pt`, `*.pth`,
 * `*.ckpt`, `*.onnx`, `*.gguf`, `*.msgpack`, `*.h5`, ...), code, images and sub-folders are
 * skipped; `--include '*'` takes everything.
 */
import { z } from '../../util/schema.js';

/** Python's `fnmatch.translate` as a RegExp: `*`, `?`, `[seq]`, `[!seq]`; case-sensitive. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      re += '[\\s\\S]*';
    } else if (c === '?') {
      re += '[\\s\\S]';
    } else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) {
        re += '\\[';
      } else {
        let stuff = pattern.slice(i + 1, j).replace(/\\/g, '\\\\');
        if (stuff.startsWith('!')) stuff = `^${stuff.slice(1)}`;
        else if (stuff.startsWith('^')) stuff = `\\${stuff}`;
        re += `[${stuff}]`;
        i = j;
      }
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** `fnmatchcase(path, pattern)`. */
export function fnmatch(path: string, pattern: string): boolean {
  return globToRegExp(pattern).test(path);
}

function normalizePattern(p: string): string {
  const s = p.replace(/\\/g, '/');
  return s.endsWith('/') ? `${s}*` : s;
}

/** huggingface_hub's `filter_repo_objects`. */
export function filterPaths(paths: readonly string[], include: readonly string[] | undefined, exclude: readonly string[] | undefined): string[] {
  const inc = include && include.length > 0 ? include.map((p) => globToRegExp(normalizePattern(p))) : undefined;
  const exc = (exclude ?? []).map((p) => globToRegExp(normalizePattern(p)));
  return paths.filter((p) => (!inc || inc.some((r) => r.test(p))) && !exc.some((r) => r.test(p)));
}

export const SAFETENSORS_INDEX = 'model.safetensors.index.json';
export const PYTORCH_INDEX = 'pytorch_model.bin.index.json';

const DEFAULT_TOP_LEVEL = ['*.json', '*.txt', '*.model', '*.tiktoken', '*.jinja', '*.md', 'LICENSE*', 'NOTICE*', 'COPYING*'].map(globToRegExp);

/** The `weight_map` of a sharded checkpoint index, as transformers writes it. */
export const weightIndexSchema = z.object({
  metadata: z.record(z.string(), z.unknown()).optional(),
  weight_map: z.record(z.string(), z.string()),
});

/** The shard files an index names, in order of first appearance. */
export function shardsOf(index: z.infer<typeof weightIndexSchema>): string[] {
  return [...new Set(Object.values(index.weight_map))];
}

export interface DefaultSelectionInput {
  /** Every file of the repository at the commit. */
  paths: readonly string[];
  /** Shards named by `model.safetensors.index.json`, when the repository has one. */
  safetensorsShards?: readonly string[];
}

/** What a model folder needs (see the module comment). */
export function defaultModelFiles(input: DefaultSelectionInput): string[] {
  const top = input.paths.filter((p) => !p.includes('/'));
  const safetensors = top.filter((p) => p.endsWith('.safetensors'));
  let weights: Set<string>;
  let dropJson: (p: string) => boolean;
  if (safetensors.length > 0) {
    weights = new Set(input.safetensorsShards ? safetensors.filter((p) => input.safetensorsShards!.includes(p)) : safetensors);
    // Indexes of formats that are not fetched would point at missing files.
    dropJson = (p) => /\.(bin|msgpack|h5|pt|pth|ckpt)\.index\.json$/.test(p);
  } else {
    weights = new Set(top.filter((p) => /^pytorch_model(-\d+-of-\d+)?\.bin$/.test(p)));
    dropJson = (p) => p.endsWith('.index.json') && p !== PYTORCH_INDEX;
  }
  return top.filter((p) => weights.has(p) || (DEFAULT_TOP_LEVEL.some((r) => r.test(p)) && !dropJson(p)));
}

/** True when the default selection would use the PyTorch `.bin` weights (no safetensors in the repository). */
export function usesPytorchWeights(paths: readonly string[]): boolean {
  const top = paths.filter((p) => !p.includes('/'));
  return !top.some((p) => p.endsWith('.safetensors')) && top.some((p) => /^pytorch_model(-\d+-of-\d+)?\.bin$/.test(p));
}
