/**
 * A seeded random generator (CPU, libtorch's Philox/MT engine). Ops that take one draw their
 * numbers on the CPU and move them to the target device, so a seed gives the same values on
 * every device. Without one, ops use libtorch's global generator (see `manualSeed`).
 */
import { N, type GeneratorHandle } from './native.js';
import { TorchError } from './errors.js';
import { wrap, handleOf, type Tensor } from './tensor.js';

export class RandomGenerator {
  /** The native handle (engine-internal). */
  readonly handle: GeneratorHandle;
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new TorchError(`seed must be a non-negative safe integer, got ${seed}`, 'RandomGenerator', 'argument');
    this.seed = seed;
    this.handle = N.generatorNew(seed);
  }

  /** The generator's full state as a uint8 CPU tensor (to save and restore a sampling run). */
  getState(): Tensor {
    return wrap(N.generatorState(this.handle));
  }

  setState(state: Tensor): void {
    N.generatorSetState(this.handle, handleOf(state));
  }
}
