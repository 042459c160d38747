/** Stage 1, teacher extraction (layer 4): the public API. */
export { runExtraction, previewExtraction, promptChooser, tokenCounter } from './extract.js';
export type { ExtractionConfig } from './extract.js';
export { extractItems, preflightItems, requestParams } from './runner.js';
export type { ExtractOptions, ExtractionSummary, StopReason, TeacherItem, PromptText } from './runner.js';
export { TeacherClient, parseBaseUrl, isLoopbackHost, endpointIsLocal, parseCompletion } from './client.js';
export type { ChatMessage, Completion, CompleteOptions, JsonValue, SamplingParams, TeacherClientOptions, Usage } from './client.js';
export {
  TeacherError,
  TeacherHTTPError,
  TeacherTimeoutError,
  TeacherNetworkError,
  TeacherResponseError,
  TeacherFatalError,
  redactServerMessage,
} from './errors.js';
export type { TeacherFailureKind, TeacherRequestInfo, TeacherResponseInfo } from './errors.js';
export { DEFAULT_RETRY, resolveRetryOptions, isRetryable, retryDelayMs, parseRetryAfter } from './retry.js';
export type { RetryOptions, Jitter } from './retry.js';
export { RateLimiter, TokenBucket } from './limiter.js';
export type { RateLimits, Reservation, LimiterClock } from './limiter.js';
export { TeacherStore, requestKey, requestKeyer } from './store.js';
export type { AnswerRow, AnswerStatus, ClaimResult, TeacherIdentity, StoreOptions } from './store.js';
export { ANSWER_FLAGS, DEFAULT_FLAG_OPTIONS, answerFlags, copyRatio, words } from './flags.js';
export type { AnswerFlag, FlagOptions, FlagResult, LanguageDetector, LanguageGuess } from './flags.js';
export { KeyinfoRowSchema, buildOutputs, writeOutputs, outputFiles } from './output.js';
export type { KeyinfoRow, FailureRow, OutputFiles } from './output.js';
export { computeStats, formatStatsTable, costUsd, codePoints } from './stats.js';
export type { ExtractionStats, GroupStats, CharStats, Prices } from './stats.js';
export { ESTIMATE, estimatePromptTokens, formatPreflight } from './preflight.js';
export type { PreflightReport } from './preflight.js';
