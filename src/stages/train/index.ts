/** Stage 2, distillation fine-tuning: the public API. */
export { train, planTraining, TrainingDivergedError } from './trainer.js';
export { optimizerStep, buildOptimizer, parameterGroups, precisionCompute } from './step.js';
export type { StepRunner, StepOutcome, Compute } from './step.js';
export type { TrainOptions, TrainResult, StepInfo, TrainingPlan } from './trainer.js';
export { CLI_TRAIN_HINTS } from './hints.js';
export type { TrainHints } from './hints.js';
export {
  ConfigBuilder,
  trainConfigSchema,
  defaultConfigPath,
  parseSetOverride,
  requireInputs,
  planHash,
  configToYaml,
  EVAL_METRICS,
} from './config.js';
export type { TrainConfig, ReadyTrainConfig, ConfigOverride, EvalMetric } from './config.js';
export { learningRate, warmupSteps } from './schedule.js';
export type { LrSchedule } from './schedule.js';
export { planEpoch, planSorted, packBatches, unitsByRecord, collate, countTokens } from './batching.js';
export type { Collated, PackOptions, TaskCounts } from './batching.js';
export { taskWeights, microBatchLoss, combineLosses, sumsByTask } from './objective.js';
export type { LossReduction, LossSums, StepLosses } from './objective.js';
export { loadTrainingSet, loadValidSet, readKeyinfo, joinKeyinfo } from './examples.js';
export type { TrainingSet, ValidSet, ExampleOptions } from './examples.js';
export { validate, isBetter, scoreByLanguage } from './validate.js';
export type { EvalResult, ValidateOptions } from './validate.js';
export { listCheckpoints, readTrainerState, stepDirName, STATE_FILE, OPTIMIZER_FILE, BEST_INFO_FILE } from './checkpoint.js';
export type { TrainerState, CheckpointRef, BestInfo } from './checkpoint.js';
export type { TrainRow, EvalRow, MetricsRow } from './metrics.js';
export { loadStudent, modelType, STUDENT_LOADERS } from './models.js';
export { Qwen2Student, loadQwen2Student } from './qwen2.js';
export type { TrainableLM, ModelLoader, LmBatch, GenerateOptions } from './lm.js';
