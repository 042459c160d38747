/** Public API of the report surface: one self-contained HTML page for one or more run directories. */
export { writeReport, runLabels, DEFAULT_EXAMPLES_PER_LANGUAGE, DEFAULT_EXCERPT_CHARS } from './write.js';
export type { ReportOptions, ReportResult, RunSummary } from './write.js';
export { readRun, compareSystems, SYSTEM_ORDER } from './read/run.js';
export type { ReadRunOptions } from './read/run.js';
export { renderPage } from './page.js';
export type { PageOptions } from './page.js';
export { buildCharts, downsample, MAX_POINTS } from './charts.js';
export type { ChartSpec, CurveCharts, SeriesSpec } from './charts.js';
export { buildResults } from './results.js';
export type { ResultModel, ResultEntry, ResultGroup, ResultRow, ResultCell, ResultColumn } from './results.js';
export { pickExamples, selectionRank } from './select.js';
export { escapeHtml, html, jsonForScript } from './html.js';
export { DATA_ELEMENT_ID } from './assets.js';
export { pairKey } from './model.js';
export type { RunData, SystemData, TrainLog, TrainPoint, EvalPoint, TeacherInfo, ManifestInfo, ConfigInfo, Missing } from './model.js';
