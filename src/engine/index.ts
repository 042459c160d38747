/**
 * The tensor engine's public API: libtorch tensors, autograd, AdamW, memory scopes,
 * safetensors I/O and runtime settings. Layers above import from here only.
 */
export { Tensor, type NestedNumbers, type ToOptions, type TypedArrayOut, type ValuesIndices } from './tensor.js';
export { type DType, type FloatDType, type Device, DTYPES, elementSize, isDType, isDevice, isFloatingDType } from './dtype.js';
export { TorchError, type TorchErrorKind } from './errors.js';
export {
  tensor,
  fromBytes,
  empty,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  fullLike,
  arange,
  linspace,
  eye,
  rand,
  randn,
  randint,
  cat,
  stack,
  where,
  einsum,
  searchsorted,
  type CreateOptions,
  type RandomOptions,
  type TensorData,
} from './creation.js';
export { RandomGenerator } from './generator.js';
export { tidy, keep, startScope, scopeDepth, type Scope } from './scope.js';
export { noGrad, enableGrad, isGradEnabled, inferenceMode, checkpointedBackward, type CheckpointOptions } from './autograd.js';
export {
  linear,
  embedding,
  layerNorm,
  rmsNorm,
  dropout,
  crossEntropy,
  scaledDotProductAttention,
  multinomial,
  type AttentionOptions,
  type CrossEntropyOptions,
  type Reduction,
} from './nn.js';
export { AdamW, clipGradNorm, ADAMW_DEFAULTS, type AdamWHyper, type AdamWState, type ParamGroup } from './optim.js';
export {
  SafetensorsFile,
  SafetensorsCheckpoint,
  loadSafetensors,
  saveSafetensors,
  saveCheckpoint,
  SINGLE_FILE,
  INDEX_FILE,
  MAX_HEADER_BYTES,
  type TensorInfo,
  type LoadOptions,
  type SaveCheckpointOptions,
} from './safetensors.js';
export {
  liveTensorCount,
  setNumThreads,
  getNumThreads,
  manualSeed,
  getRngState,
  setRngState,
  setDeterministic,
  setMatmulPrecision,
  cudaAvailable,
  cudaDeviceCount,
  cudaDevices,
  synchronize,
  cudaMemoryStats,
  cudaResetPeakMemory,
  cudaEmptyCache,
  autocast,
  autocastState,
  engineInfo,
  type EngineInfo,
  type CudaDeviceInfo,
  type CudaMemoryStats,
} from './runtime.js';
export { profile, profilerRunning, summarizeTrace, kernelCategory, type ProfileOptions, type TraceSummary, type KernelTotal, type KernelCategory } from './profiler.js';
export { assertClose, gradcheck, testDevice, testDtype, tolerance, type CloseOptions, type GradcheckOptions } from './testing.js';
