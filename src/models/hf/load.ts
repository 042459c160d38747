/**
 * Strict loading of a Hugging Face checkpoint folder into declared parameters (params.ts), as
 * transformers' `from_pretrained` does it but without its silences: every parameter must be in
 * the checkpoint with its exact shape, and every tensor of the checkpoint that belongs to the
 * model must be one of its parameters. Problems are reported together, by name, in one
 * `InputError`.
 *
 * Prefixes: a checkpoint of a model with a task head stores the base model under
 * transformers' `base_model_prefix` (`bert.encoder...`, `distilbert.transformer...`,
 * `roberta.encoder...`, `model.layers...`), a bare base model without it. As in transformers,
 * when any key starts with `<prefix>.` the base model's keys are those, read without the prefix,
 * and the other keys (the heads: `cls.*`, `lm_head.*`, `vocab_projector.*`) are left out and
 * listed in the report; otherwise every key belongs to the model.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { SafetensorsCheckpoint, type DType, type Device } from '../../engine/index.js';
import type { Param } from './params.js';

export interface LoadParamsOptions {
  /** Convert every tensor to this dtype (default: float32, as `from_pretrained` without `torch_dtype`). */
  dtype?: DType;
  device?: Device;
  /** transformers' `base_model_prefix` of the architecture (`bert`, `distilbert`, `roberta`, `model`). */
  basePrefix?: string;
  /**
   * Names the complete model owns that were not built (layers above the one kept, a pooler):
   * found in the checkpoint they are skipped, not unexpected.
   */
  known?: Iterable<string>;
  /** Names of buffers some checkpoints carry (e.g. `embeddings.position_ids`): skipped. */
  isBuffer?: (name: string) => boolean;
}

export interface LoadReport {
  dir: string;
  /** The base-model prefix the checkpoint used, or undefined for a bare base model. */
  prefix: string | undefined;
  /** Parameters read from the checkpoint. */
  loaded: number;
  /** Parameters the checkpoint lacked that took their documented default (e.g. sinusoidal positions). */
  defaulted: string[];
  /** Checkpoint tensors of the model that were not needed (layers not kept, pooler, buffers). */
  skipped: string[];
  /** Checkpoint tensors outside the base model (task heads), left out. */
  ignored: string[];
}

const LIST = 8;

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, LIST).join(', ');
  return names.length > LIST ? `${shown} and ${names.length - LIST} more` : shown;
}

/** Old checkpoints name LayerNorm parameters gamma/beta; transformers reads them as weight/bias. */
function modernName(key: string): string {
  return key.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
}

/** Open the safetensors of `dir`, with a clear error for folders that hold only PyTorch pickles. */
export function openCheckpoint(dir: string): SafetensorsCheckpoint {
  if (!existsSync(join(dir, 'model.safetensors')) && !existsSync(join(dir, 'model.safetensors.index.json'))) {
    const pickle = ['pytorch_model.bin', 'pytorch_model.bin.index.json'].find((f) => existsSync(join(dir, f)));
    if (pickle !== undefined) {
      throw new InputError(
        { file: dir },
        `holds ${pickle} but no model.safetensors; clinsum reads safetensors only (pickles can run code)`,
        'download the safetensors weights (most Hub models have them), or convert once in Python: model.save_pretrained(dir, safe_serialization=True)',
      );
    }
  }
  return SafetensorsCheckpoint.open(dir);
}

/** Fill `params` from the checkpoint folder `dir`; throws one InputError listing every problem. */
export function loadParams(params: readonly Param[], dir: string, options: LoadParamsOptions = {}): LoadReport {
  const dtype = options.dtype ?? 'float32';
  const device = options.device ?? 'cpu';
  const ckpt = openCheckpoint(dir);
  try {
    const raw = ckpt.names();
    const prefix = options.basePrefix !== undefined && raw.some((k) => k.startsWith(`${options.basePrefix}.`)) ? options.basePrefix : undefined;
    const byName = new Map<string, string>();
    const ignored: string[] = [];
    const problems: string[] = [];
    for (const key of raw) {
      let name = modernName(key);
      if (prefix !== undefined) {
        if (!name.startsWith(`${prefix}.`)) {
          ignored.push(key);
          continue;
        }
        name = name.slice(prefix.length + 1);
      }
      const other = byName.get(name);
      if (other !== undefined) problems.push(`holds both ${other} and ${key}, which name the same parameter`);
      byName.set(name, key);
    }

    const wanted = new Set(params.map((p) => p.name));
    const known = new Set(options.known ?? []);
    const missing = params.filter((p) => !byName.has(p.name) && p.fallback === undefined).map((p) => p.name);
    const shapes: string[] = [];
    for (const p of params) {
      const key = byName.get(p.name);
      if (key === undefined) continue;
      const s = ckpt.info(key).shape;
      if (s.length !== p.shape.length || s.some((d, i) => d !== p.shape[i])) shapes.push(`${key} is [${s.join(', ')}], config.json needs [${p.shape.join(', ')}]`);
    }
    const unexpected: string[] = [];
    const skipped: string[] = [];
    for (const [name, key] of byName) {
      if (wanted.has(name)) continue;
      if (known.has(name) || options.isBuffer?.(name)) skipped.push(key);
      else unexpected.push(key);
    }
    const where = prefix === undefined ? '' : ` (read under the prefix "${prefix}.")`;
    if (missing.length > 0) problems.push(`lacks ${missing.length} tensor${missing.length > 1 ? 's' : ''} of the model${where}: ${listNames(missing)}`);
    if (shapes.length > 0) problems.push(`has ${shapes.length} tensor${shapes.length > 1 ? 's' : ''} of the wrong shape: ${listNames(shapes)}`);
    if (unexpected.length > 0) problems.push(`has ${unexpected.length} tensor${unexpected.length > 1 ? 's' : ''} this architecture does not have${where}: ${listNames(unexpected)}`);
    if (problems.length > 0) {
      throw new InputError({ file: dir }, `the checkpoint does not fit config.json: ${problems.join('; ')}`, 'check that config.json and the safetensors come from the same model');
    }

    const defaulted: string[] = [];
    try {
      for (const p of params) {
        const key = byName.get(p.name);
        if (key !== undefined) p.set(ckpt.load(key, { dtype, device }));
        else {
          const made = p.fallback!();
          p.set(made.to({ dtype, device }));
          made.dispose();
          defaulted.push(p.name);
        }
      }
    } catch (e) {
      for (const p of params) p.dispose();
      throw e;
    }
    return { dir, prefix, loaded: params.length - defaulted.length, defaulted, skipped, ignored };
  } finally {
    ckpt.close();
  }
}
