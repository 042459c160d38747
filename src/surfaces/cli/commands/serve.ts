import { UsageError } from '../../../util/errors.js';
import { createLogger } from '../../../util/log.js';
import { isLoopback } from '../../server/middleware.js';
import { closeOnSignal, loadBackend, startServer } from '../../server/index.js';
import { int, parseFlags, requiredStr, str } from '../args.js';
import type { Command } from '../command.js';

export const command: Command = {
  name: 'serve',
  summary: 'OpenAI-compatible server (continuous batching) with a summarization web page at /',
  usage: `usage: clinsum serve --model DIR [--host 127.0.0.1] [--port 8000] [--api-key-env VAR]
                     [--max-batch 32] [--served-model-name NAME]

Serves a Hugging Face model folder over HTTP:
  POST /v1/chat/completions, POST /v1/completions (OpenAI-compatible, SSE streaming),
  GET /v1/models, GET /health, and a summarization page at / (open it in a browser).
Requests that arrive together share generation steps (continuous batching).

  --model DIR               model folder (config.json, *.safetensors, tokenizer.json, tokenizer_config.json)
  --host HOST               address to bind (default 127.0.0.1: this machine only)
  --port N                  port (default 8000; 0 picks a free one)
  --api-key-env VAR         require \`Authorization: Bearer <key>\` with the key read from the environment
                            variable VAR (every route but / and /health)
  --max-batch N             sequences generated together at most (default 32; 1 turns batching off)
  --served-model-name NAME  model name in responses and /v1/models (default: the folder's name)

When ready it prints the base URL on stdout. Ctrl-C (SIGINT) or SIGTERM: stop accepting requests,
let running ones finish (30 s at most), then exit; a second signal aborts them at once.
Logs (stderr) hold one line per request (method, path, status, time, token counts), never texts.

example: CLINSUM_KEY=secret clinsum serve --model runs/demo/train/best --api-key-env CLINSUM_KEY`,
  async run(argv, io) {
    const f = parseFlags('serve', argv, {
      model: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'api-key-env': { type: 'string' },
      'max-batch': { type: 'string' },
      'served-model-name': { type: 'string' },
    }, false);
    const modelDir = requiredStr('serve', f, 'model');
    const host = str(f, 'host') ?? '127.0.0.1';
    if (host === '') throw new UsageError('--host must not be empty');
    const port = int(f, 'port', { min: 0, max: 65535 }) ?? 8000;
    const maxBatch = int(f, 'max-batch', { min: 1, max: 4096 }) ?? 32;
    const servedName = str(f, 'served-model-name');
    if (servedName !== undefined && servedName.trim() === '') throw new UsageError('--served-model-name must not be empty');
    const keyVar = str(f, 'api-key-env');
    let apiKey: string | undefined;
    if (keyVar !== undefined) {
      apiKey = io.env[keyVar];
      if (apiKey === undefined || apiKey.trim() === '') {
        throw new UsageError(`--api-key-env ${keyVar}: the environment variable ${keyVar} is not set or empty`);
      }
      apiKey = apiKey.trim();
    }
    const logger = createLogger({ write: (line) => void io.stderr.write(`clinsum serve: ${line}`) });
    if (apiKey === undefined && !isLoopback(host)) {
      logger.warn(`binding ${host} without --api-key-env: anyone who can reach this address can use the model`);
    }

    const backend = await loadBackend(modelDir, { maxBatch, logger });
    const running = await startServer(backend, { host, port, apiKey, modelName: servedName?.trim(), logger });
    io.stdout.write(`${running.url}\n`);
    logger.info(`serving ${servedName?.trim() ?? backend.modelId} at ${running.url}/ (max batch ${maxBatch}${apiKey ? ', API key required' : ''})`);

    await closeOnSignal(running, { logger });
    return 0;
  },
};
