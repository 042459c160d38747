/**
 * AdamW (torch.optim.AdamW semantics, decoupled weight decay) with parameter groups, and
 * global-norm gradient clipping. The update runs in C++ under no-grad: on CUDA (libtorch 2.1+) in
 * PyTorch's fused AdamW kernel, elsewhere one parameter at a time;
 * learning-rate schedules live above (set `setLr` each step).
 */
import { TorchError } from './errors.js';
import { N } from './native.js';
import { keep } from './scope.js';
import { handleOf, type Tensor } from './tensor.js';
import { zerosLike } from './creation.js';
import { noGrad } from './autograd.js';
import { SafetensorsFile, loadSafetensors, saveSafetensors } from './safetensors.js';
import { InputError } from '../util/errors.js';
import { parseWith, z } from '../util/schema.js';

const META_KEY = 'clinsum.adamw';

const META_SCHEMA = z.object({
  format: z.literal('clinsum.adamw.v1'),
  groups: z.array(
    z.object({
      lr: z.number(),
      weightDecay: z.number(),
      betas: z.tuple([z.number(), z.number()]),
      eps: z.number(),
      steps: z.array(z.number().int().nonnegative()),
      size: z.number().int().nonnegative(),
    }),
  ),
});

export interface AdamWHyper {
  lr: number;
  /** Decoupled weight decay (PyTorch default 0.01). */
  weightDecay: number;
  betas: readonly [number, number];
  eps: number;
}

export interface ParamGroup extends Partial<AdamWHyper> {
  params: readonly Tensor[];
}

interface GroupState extends AdamWHyper {
  params: readonly Tensor[];
  expAvg: (Tensor | undefined)[];
  expAvgSq: (Tensor | undefined)[];
  steps: number[];
}

/** What `stateDict()` gives: moment tensors by name, and the JSON-able rest. */
export interface AdamWState {
  /** `g{group}.p{index}.exp_avg` / `.exp_avg_sq` for every parameter that has stepped. */
  tensors: Map<string, Tensor>;
  meta: {
    format: 'clinsum.adamw.v1';
    groups: { lr: number; weightDecay: number; betas: [number, number]; eps: number; steps: number[]; size: number }[];
  };
}

export const ADAMW_DEFAULTS: AdamWHyper = { lr: 1e-3, weightDecay: 0.01, betas: [0.9, 0.999], eps: 1e-8 };

function checkHyper(h: AdamWHyper, where: string): void {
  const bad = (msg: string): never => {
    throw new TorchError(`${where}: ${msg}`, 'AdamW', 'argument');
  };
  if (!(h.lr >= 0) || !Number.isFinite(h.lr)) bad(`lr must be a finite number ≥ 0, got ${h.lr}`);
  if (!(h.weightDecay >= 0)) bad(`weightDecay must be ≥ 0, got ${h.weightDecay}`);
  if (!(h.eps >= 0)) bad(`eps must be ≥ 0, got ${h.eps}`);
  const [b1, b2] = h.betas;
  if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) bad(`betas must be in [0, 1), got [${b1}, ${b2}]`);
}

export class AdamW {
  readonly #groups: GroupState[];

  /** `new AdamW(params, {lr})` or `new AdamW([{params, lr, weightDecay}, ...], defaults)`. */
  constructor(params: readonly Tensor[] | readonly ParamGroup[], defaults: Partial<AdamWHyper> = {}) {
    const base: AdamWHyper = { ...ADAMW_DEFAULTS, ...defaults };
    const groups: readonly ParamGroup[] = params.length > 0 && !isGroup(params[0]) ? [{ params: params as readonly Tensor[] }] : (params as readonly ParamGroup[]);
    const seen = new Set<Tensor>();
    this.#groups = groups.map((g, gi) => {
      const h: AdamWHyper = {
        lr: g.lr ?? base.lr,
        weightDecay: g.weightDecay ?? base.weightDecay,
        betas: g.betas ?? base.betas,
        eps: g.eps ?? base.eps,
      };
      checkHyper(h, `group ${gi}`);
      for (const p of g.params) {
        if (seen.has(p)) throw new TorchError(`a parameter appears twice (group ${gi})`, 'AdamW', 'argument');
        seen.add(p);
      }
      return { ...h, params: [...g.params], expAvg: g.params.map(() => undefined), expAvgSq: g.params.map(() => undefined), steps: g.params.map(() => 0) };
    });
  }

  get groupCount(): number {
    return this.#groups.length;
  }

  /** Sets the learning rate of one group, or of all when `group` is omitted. */
  setLr(lr: number, group?: number): void {
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new TorchError(`lr must be a finite number ≥ 0, got ${lr}`, 'setLr', 'argument');
    for (const g of this.#select(group)) g.lr = lr;
  }

  getLr(group = 0): number {
    return this.#select(group)[0]!.lr;
  }

  /** Hyper-parameters and step counts of a group (a copy). */
  group(index: number): AdamWHyper & { size: number; steps: readonly number[] } {
    const g = this.#select(index)[0]!;
    return { lr: g.lr, weightDecay: g.weightDecay, betas: g.betas, eps: g.eps, size: g.params.length, steps: [...g.steps] };
  }

  /** One update of every parameter that has a gradient (others are skipped, like PyTorch). */
  step(): void {
    noGrad(() => {
      for (const g of this.#groups) {
        const ps: number[] = [];
        const ms: number[] = [];
        const vs: number[] = [];
        const steps: number[] = [];
        const idx: number[] = [];
        g.params.forEach((p, i) => {
          if (!p.hasGrad) return;
          g.expAvg[i] ??= keep(zerosLike(p, { requiresGrad: false }));
          g.expAvgSq[i] ??= keep(zerosLike(p, { requiresGrad: false }));
          ps.push(handleOf(p));
          ms.push(handleOf(g.expAvg[i]!));
          vs.push(handleOf(g.expAvgSq[i]!));
          steps.push(g.steps[i]! + 1);
          idx.push(i);
        });
        if (ps.length === 0) continue;
        N.adamwStep(ps, ms, vs, steps, g.lr, g.betas[0], g.betas[1], g.eps, g.weightDecay);
        for (const i of idx) g.steps[i]! += 1;
      }
    });
  }

  /** Drops every parameter's gradient (set to none). */
  zeroGrad(): void {
    for (const g of this.#groups) for (const p of g.params) p.zeroGrad();
  }

  /** The optimizer state; the tensors are the live moments (do not dispose them). */
  stateDict(): AdamWState {
    const tensors = new Map<string, Tensor>();
    this.#groups.forEach((g, gi) => {
      g.params.forEach((_, i) => {
        const m = g.expAvg[i];
        const v = g.expAvgSq[i];
        if (m !== undefined && v !== undefined) {
          tensors.set(`g${gi}.p${i}.exp_avg`, m);
          tensors.set(`g${gi}.p${i}.exp_avg_sq`, v);
        }
      });
    });
    return {
      tensors,
      meta: {
        format: 'clinsum.adamw.v1',
        groups: this.#groups.map((g) => ({ lr: g.lr, weightDecay: g.weightDecay, betas: [g.betas[0], g.betas[1]], eps: g.eps, steps: [...g.steps], size: g.params.length })),
      },
    };
  }

  /**
   * Restores a state from `stateDict()` (of an optimizer over the same parameter layout). The
   * tensors are copied into fresh moments on each parameter's device and dtype.
   */
  loadStateDict(state: AdamWState): void {
    const meta = state.meta;
    if (meta.format !== 'clinsum.adamw.v1') throw new TorchError(`unknown optimizer state format ${String(meta.format)}`, 'loadStateDict', 'argument');
    if (meta.groups.length !== this.#groups.length) {
      throw new TorchError(`the state has ${meta.groups.length} parameter groups, this optimizer ${this.#groups.length}`, 'loadStateDict', 'argument');
    }
    meta.groups.forEach((mg, gi) => {
      const g = this.#groups[gi]!;
      if (mg.size !== g.params.length || mg.steps.length !== g.params.length) {
        throw new TorchError(`group ${gi} has ${g.params.length} parameters, the state ${mg.size}`, 'loadStateDict', 'argument');
      }
      checkHyper({ lr: mg.lr, weightDecay: mg.weightDecay, betas: mg.betas, eps: mg.eps }, `state group ${gi}`);
    });
    noGrad(() => {
      meta.groups.forEach((mg, gi) => {
        const g = this.#groups[gi]!;
        g.lr = mg.lr;
        g.weightDecay = mg.weightDecay;
        g.betas = [mg.betas[0], mg.betas[1]];
        g.eps = mg.eps;
        g.params.forEach((p, i) => {
          const m = state.tensors.get(`g${gi}.p${i}.exp_avg`);
          const v = state.tensors.get(`g${gi}.p${i}.exp_avg_sq`);
          g.expAvg[i]?.dispose();
          g.expAvgSq[i]?.dispose();
          g.expAvg[i] = undefined;
          g.expAvgSq[i] = undefined;
          const steps = mg.steps[i]!;
          if (!Number.isSafeInteger(steps) || steps < 0) throw new TorchError(`group ${gi} parameter ${i}: bad step count ${steps}`, 'loadStateDict', 'argument');
          g.steps[i] = steps;
          if (m === undefined || v === undefined) {
            if (steps > 0) throw new TorchError(`group ${gi} parameter ${i} has stepped ${steps} times but its moments are missing`, 'loadStateDict', 'argument');
            return;
          }
          const shapeOk = (t: Tensor) => t.shape.length === p.shape.length && t.shape.every((d, k) => d === p.shape[k]);
          if (!shapeOk(m) || !shapeOk(v)) {
            throw new TorchError(`group ${gi} parameter ${i}: moments of shape [${m.shape.join(', ')}] do not match the parameter [${p.shape.join(', ')}]`, 'loadStateDict', 'argument');
          }
          g.expAvg[i] = keep(zerosLike(p).copy_(m));
          g.expAvgSq[i] = keep(zerosLike(p).copy_(v));
        });
      });
    });
  }

  /**
   * Saves the state to one safetensors file (moments as tensors, hyper-parameters and step
   * counts as JSON in its `__metadata__`), atomically.
   */
  save(path: string): void {
    const sd = this.stateDict();
    saveSafetensors(path, sd.tensors, { metadata: { [META_KEY]: JSON.stringify(sd.meta) } });
  }

  /** Restores a state written by `save()`; resuming then reproduces an uninterrupted run exactly. */
  load(path: string): void {
    const tensors = loadSafetensors(path);
    try {
      const { metadata } = readMeta(path);
      let meta: unknown;
      try {
        meta = JSON.parse(metadata);
      } catch {
        throw new InputError({ file: path, field: `__metadata__.${META_KEY}` }, 'is not valid JSON');
      }
      const parsed = parseWith(META_SCHEMA, meta, { file: path, field: `__metadata__.${META_KEY}` }, 'save the optimizer with AdamW.save()');
      this.loadStateDict({ tensors, meta: parsed });
    } finally {
      for (const t of tensors.values()) t.dispose();
    }
  }

  /** Frees the moment tensors. */
  dispose(): void {
    for (const g of this.#groups) {
      for (const t of [...g.expAvg, ...g.expAvgSq]) t?.dispose();
      g.expAvg.fill(undefined);
      g.expAvgSq.fill(undefined);
    }
  }

  #select(group: number | undefined): GroupState[] {
    if (group === undefined) return this.#groups;
    const g = this.#groups[group];
    if (g === undefined) throw new TorchError(`no parameter group ${group} (there are ${this.#groups.length})`, 'AdamW', 'argument');
    return [g];
  }
}

function readMeta(path: string): { metadata: string } {
  using f = SafetensorsFile.open(path);
  const m = f.metadata?.[META_KEY];
  if (m === undefined) throw new InputError({ file: path }, `has no ${META_KEY} metadata; it is not an optimizer state written by AdamW.save()`);
  return { metadata: m };
}

function isGroup(x: unknown): x is ParamGroup {
  return typeof x === 'object' && x !== null && 'params' in x && Array.isArray((x as ParamGroup).params);
}

/**
 * Scales all gradients so that their global `normType`-norm is at most `maxNorm`
 * (torch.nn.utils.clip_grad_norm_); returns the norm before clipping (may be NaN/Infinity
 * when a gradient is not finite — check it to skip a step).
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number, normType = 2): number {
  if (!(maxNorm > 0)) throw new TorchError(`maxNorm must be > 0, got ${maxNorm}`, 'clipGradNorm', 'argument');
  return N.clipGradNorm(params.map(handleOf), maxNorm, normType);
}
