/**
 * A `clinsum serve` process over the fake StepModel, for tests of signal handling and for
 * bench/serve: `node dist/test/support/server-child.js '{"maxBatch": 8, "cost": {...}}'`.
 * Prints the base URL on stdout when ready (as `clinsum serve` does); logs go to stderr.
 */
import { qwen25Tokenizer } from '../../src/models/tokenizer/index.js';
import { BatchScheduler } from '../../src/stages/generate/scheduler.js';
import { closeOnSignal, startServer } from '../../src/surfaces/server/index.js';
import { createLogger } from '../../src/util/log.js';
import { FakeStepModel, type FakeCost } from './server-fake-model.js';

interface ChildConfig {
  maxBatch?: number;
  maxContextTokens?: number;
  cost?: Partial<FakeCost>;
  apiKey?: string;
  graceMs?: number;
  /** Log level (default info); 'warn' keeps the access log quiet for benchmarks. */
  log?: 'debug' | 'info' | 'warn';
}

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const logger = createLogger({ level: config.log ?? 'info', write: (line) => void process.stderr.write(`serve: ${line}`) });
const maxBatch = config.maxBatch ?? 8;
const model = new FakeStepModel({ maxSlots: maxBatch, maxContextTokens: config.maxContextTokens ?? 100_000, cost: config.cost });
const backend = new BatchScheduler(model, { modelId: 'fake-qwen', tokenizer: qwen25Tokenizer(), maxBatch, logger });
const running = await startServer(backend, { port: 0, apiKey: config.apiKey, logger });
process.stdout.write(`${running.url}\n`);
await closeOnSignal(running, { logger, graceMs: config.graceMs });
const s = backend.stats();
process.stderr.write(`serve: stats ${JSON.stringify({ ...s, calls: model.steps.length })}\n`);
