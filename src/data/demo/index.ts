/** The built-in demo dataset (docs/demo.md): fictional multilingual case reports with summaries. */
export { generateDemoDataset, resolveDemoOptions, demoId, DEMO_DEFAULTS, DEMO_MAX_PER_LANGUAGE } from './generate.js';
export type { DemoOptions, DemoRecord, ResolvedDemoOptions } from './generate.js';
export { writeDemoDataset, demoRow, multiclinsumFolder, multiclinsumFileNames, DEMO_LAYOUTS, DEMO_JSONL_NAME } from './write.js';
export type { DemoLayout, DemoRow, DemoWriteResult, WriteDemoOptions } from './write.js';
export { DEMO_SCENARIOS } from './scenario.js';
export type { DemoScenario } from './scenario.js';
