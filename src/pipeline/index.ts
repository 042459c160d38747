/** The pipeline (`clinsum run`, `clinsum demo`): the public API. */
export { runPipeline, planPipeline, preparePipeline } from './pipeline.js';
export type { PipelineOptions, RunPipelineOptions, PreparedPipeline } from './pipeline.js';
export { runDemo, demoConfigYaml, demoNotice, DEMO_MAX_STEPS, DEMO_PER_LANGUAGE } from './demo.js';
export type { DemoOptions, DemoResult } from './demo.js';
export { loadRunConfig, runConfigSchema, runConfigToYaml, validateAt, SYSTEM_NAME_RE } from './config.js';
export type { RunConfig, LoadConfigOptions, LoadedConfig } from './config.js';
export { runStages, planStages, hashInputs, changedInputs, formatSeconds } from './runner.js';
export type { RunnerOptions, PipelineResult, StageReport, StageAction, PlannedStage, HashedInputs } from './runner.js';
export type { Stage, StageContext, StageInputs, StageOutcome } from './stage.js';
export { readRunState, writeRunState, runStateSchema, stageRecordSchema, RUN_STATE_FILE, STAGE_STATUSES } from './state.js';
export type { RunState, StageRecord, StageStatus } from './state.js';
export { FileHasher, listFiles } from './hashing.js';
export { interruptSignal } from './signals.js';
export type { InterruptSignal } from './signals.js';
export { YamlSource, parseSet } from './yaml-source.js';
export type { SetOverride, ConfigPath } from './yaml-source.js';
