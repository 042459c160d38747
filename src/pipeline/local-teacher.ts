/**
 * The teacher of `teacher.serve`: clinsum's own OpenAI-compatible server over a local model folder,
 * started in this process on a free loopback port for the extraction and closed after it, also
 * when the extraction fails (so a crash of the pipeline never leaves a server behind).
 */
import { basename } from 'node:path';
import { loadBackend, startServer } from '../surfaces/server/index.js';
import type { Logger } from '../util/log.js';

export interface LocalTeacher {
  /** Base URL including `/v1`. */
  readonly baseUrl: string;
  /** The model name it serves under. */
  readonly model: string;
  close(): Promise<void>;
}

/** The server's warnings and errors (not its access log), marked as the teacher server's. */
function problemsOnly(log: Logger): Logger {
  const none = (): void => undefined;
  return { level: 'warn', debug: none, info: none, warn: (m) => log.warn(`teacher server: ${m}`), error: (m) => log.error(`teacher server: ${m}`) };
}

export async function startLocalTeacher(modelDir: string, options: { name?: string; maxBatch: number; logger: Logger }): Promise<LocalTeacher> {
  const backend = await loadBackend(modelDir, { maxBatch: options.maxBatch, logger: options.logger });
  const model = options.name ?? basename(modelDir);
  let running;
  try {
    running = await startServer(backend, { host: '127.0.0.1', port: 0, modelName: model, logger: problemsOnly(options.logger) });
  } catch (e) {
    await backend.close({ abort: true });
    throw e;
  }
  options.logger.info(`teacher: serving ${model} (${modelDir}) at ${running.url}/v1 for the extraction`);
  const server = running;
  return {
    baseUrl: `${server.url}/v1`,
    model,
    close: () => server.close({ graceMs: 1000 }),
  };
}
