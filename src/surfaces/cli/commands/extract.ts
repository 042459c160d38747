/** `clinsum extract`: stage 1, the teacher's key information for every report. Parses flags only. */
import { parseLang } from '../../../data/lang.js';
import { formatPreflight, formatStatsTable, previewExtraction, runExtraction, type ExtractionConfig, type JsonValue } from '../../../stages/teacher/index.js';
import { ConfigError, UsageError } from '../../../util/errors.js';
import { readUtf8Strict } from '../../../util/fs.js';
import { createLogger } from '../../../util/log.js';
import { formatDuration } from '../../../util/progress.js';
import { bool, int, num, outDir, outFile, parseFlags, requiredStr, str, strList } from '../args.js';
import type { CliIO, Command } from '../command.js';
import { withInterrupts } from '../interrupts.js';

const DEFAULT_KEY_ENV = 'OPENAI_API_KEY';

export const command: Command = {
  name: 'extract',
  summary: 'stage 1: ask a teacher endpoint (OpenAI-compatible) for every report\'s key information; resumable',
  usage: `usage: clinsum extract --data PATH --out DIR --base-url URL --model NAME [flags]

Sends (system: extraction prompt, user: report) to POST URL/chat/completions for every report the
store has no answer for, and writes DIR/keyinfo.jsonl (input order), failures.jsonl, stats.json
and summary.json. Rerun the same command to continue after a crash, a budget stop or Ctrl-C.

input and output
  --data PATH          MultiClinSum folder, .json or .jsonl(.gz); repeatable
  --lang LANG          language of inputs that do not state one (en, es, fr, pt)
  --skip-invalid       skip unreadable items (logged) instead of failing
  --out DIR            output folder
  --store FILE         answer store (default DIR/cache.sqlite); runs may share one
  --retry-failed       send again the reports whose recorded outcome is a failure

teacher
  --base-url URL       e.g. http://localhost:8000/v1 (vLLM, SGLang, TGI, Ollama, llama.cpp, OpenAI, ...)
  --model NAME         model name the endpoint serves
  --api-key-env VAR    environment variable holding the API key (default ${DEFAULT_KEY_ENV} when set);
                       the key is never taken on the command line, logged or stored
  --prompt TEXT        system prompt of your own for every report
  --prompt-file FILE   the same, read from a UTF-8 file
  --lang-prompts       the extraction prompt in each report's language (default: the English one)
  --max-tokens N       --temperature T   --top-p P   --seed N
  --extra-body JSON    extra request fields, e.g. '{"top_k": 20, "repetition_penalty": 1.05}'

throughput and failures
  --concurrency N      requests in flight at most (default 8)
  --rpm N              requests per minute at most (retries count)
  --tpm N              prompt + completion tokens per minute at most
  --timeout SEC        per-request timeout (default 300)
  --retries N          retries of a request on 408/409/425/429/5xx, timeouts, dropped connections
                       and malformed answers (default 8; exponential backoff, Retry-After honoured)

budget and preview
  --dry-run            count requests and prompt tokens, estimate cost, send nothing
  --tokenizer DIR      count prompt tokens with the teacher's tokenizer folder (else an estimate)
  --price-in USD       price per million prompt tokens      --price-out USD   per million completion tokens
  --max-requests N     stop starting requests after N were sent (exit 0, outputs written)
  --max-cost USD       stop before the estimated spend passes USD (needs the prices)
  --quiet              no progress line, warnings only

example:
  OPENAI_API_KEY=... clinsum extract --data ../shared/data/multiclinsum/multiclinsum_gs_train_en \\
    --out runs/r1/teacher --base-url http://gpu7:8000/v1 --model Qwen/Qwen2.5-72B-Instruct \\
    --concurrency 32 --max-tokens 1024 --temperature 0`,

  async run(argv, io) {
    const f = parseFlags(
      'extract',
      argv,
      {
        data: { type: 'string', multiple: true },
        lang: { type: 'string' },
        'skip-invalid': { type: 'boolean' },
        out: { type: 'string' },
        store: { type: 'string' },
        'retry-failed': { type: 'boolean' },
        'base-url': { type: 'string' },
        model: { type: 'string' },
        'api-key-env': { type: 'string' },
        prompt: { type: 'string' },
        'prompt-file': { type: 'string' },
        'lang-prompts': { type: 'boolean' },
        'max-tokens': { type: 'string' },
        temperature: { type: 'string' },
        'top-p': { type: 'string' },
        seed: { type: 'string' },
        'extra-body': { type: 'string' },
        concurrency: { type: 'string' },
        rpm: { type: 'string' },
        tpm: { type: 'string' },
        timeout: { type: 'string' },
        retries: { type: 'string' },
        'dry-run': { type: 'boolean' },
        tokenizer: { type: 'string' },
        'price-in': { type: 'string' },
        'price-out': { type: 'string' },
        'max-requests': { type: 'string' },
        'max-cost': { type: 'string' },
        quiet: { type: 'boolean' },
      },
      false,
    );
    const data = strList(f, 'data');
    if (data.length === 0) throw new UsageError('extract: --data is required (see `clinsum extract --help`)');
    const quiet = bool(f, 'quiet');
    const log = createLogger({ write: (l) => void io.stderr.write(l), ...(quiet ? { level: 'warn' as const } : {}) });
    const lang = str(f, 'lang');
    const priceIn = num(f, 'price-in', { min: 0 });
    const priceOut = num(f, 'price-out', { min: 0 });
    if ((priceIn === undefined) !== (priceOut === undefined)) throw new UsageError('extract: give both --price-in and --price-out');
    const rpm = num(f, 'rpm', { min: 0.001 });
    const tpm = num(f, 'tpm', { min: 1 });
    const timeout = num(f, 'timeout', { min: 0.001 });
    const retries = int(f, 'retries', { min: 0, max: 100 });
    const dryRun = bool(f, 'dry-run');

    const config: ExtractionConfig = {
      data,
      lang: lang === undefined ? undefined : parseLang(lang, '--lang'),
      skipInvalid: bool(f, 'skip-invalid'),
      outDir: outDir(f, 'out', 'extract'),
      storePath: outFile(f, 'store'),
      retryFailed: bool(f, 'retry-failed'),
      baseUrl: requiredStr('extract', f, 'base-url'),
      model: requiredStr('extract', f, 'model'),
      apiKey: dryRun ? undefined : apiKey(str(f, 'api-key-env'), io, log.info),
      promptText: promptText(str(f, 'prompt'), str(f, 'prompt-file')),
      langPrompts: bool(f, 'lang-prompts'),
      params: {
        max_tokens: int(f, 'max-tokens', { min: 1 }),
        temperature: num(f, 'temperature', { min: 0, max: 2 }),
        top_p: num(f, 'top-p', { min: 0, max: 1 }),
        seed: int(f, 'seed'),
        extra: extraBody(str(f, 'extra-body')),
      },
      concurrency: int(f, 'concurrency', { min: 1, max: 4096 }),
      limits: { requestsPerMinute: rpm, tokensPerMinute: tpm },
      timeoutMs: timeout === undefined ? undefined : timeout * 1000,
      retry: retries === undefined ? undefined : { limit: retries },
      tokenizerDir: str(f, 'tokenizer'),
      prices: priceIn !== undefined && priceOut !== undefined ? { inputPerMillion: priceIn, outputPerMillion: priceOut } : undefined,
      maxRequests: int(f, 'max-requests', { min: 1 }),
      maxCost: num(f, 'max-cost', { min: 0 }),
      logger: log,
      progress: { stream: io.stderr, silent: quiet },
    };

    if (dryRun) {
      io.stdout.write(`${formatPreflight(await previewExtraction(config))}\n`);
      return 0;
    }
    return withInterrupts(io, { command: 'extract', stopping: 'stopping; outputs are being written' }, async (signal) => {
      const s = await runExtraction({ ...config, signal });
      io.stdout.write(`${formatStatsTable(s.stats)}\n`);
      const r = s.thisRun;
      log.info(
        `extract: ${s.answered} of ${s.requests} requests answered, ${s.failed} failed, ${s.pending} pending; this run sent ${r.sent} (${r.retries} retries), ` +
          `${r.promptTokens} prompt + ${r.completionTokens} completion tokens${r.costUsd !== null ? `, $${r.costUsd.toFixed(2)}` : ''}, ${formatDuration(r.elapsedMs / 1000)}; outputs in ${config.outDir}`,
      );
      if (s.stop !== 'complete') {
        log.info(`extract: stopped by ${s.stop === 'max-requests' ? '--max-requests' : '--max-cost'}; run the same command again to continue`);
        return 0;
      }
      if (s.failed > 0) {
        log.error(`extract: ${s.failed} report(s) failed (see ${s.files.failures}); rerun with --retry-failed to send them again`);
        return 1;
      }
      return 0;
    });
  },
};

/** The API key from `--api-key-env VAR` (must be set), else from OPENAI_API_KEY when set. Logs the variable's name only. */
function apiKey(varName: string | undefined, io: CliIO, info: (msg: string) => void): string | undefined {
  if (varName !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(varName)) throw new UsageError(`extract: --api-key-env takes the NAME of an environment variable, e.g. OPENAI_API_KEY`);
    const v = io.env[varName];
    if (v === undefined || v.trim() === '') throw new ConfigError(`the environment variable ${varName} (named by --api-key-env) is not set or empty`);
    info(`extract: using the API key from $${varName}`);
    return v.trim();
  }
  const v = io.env[DEFAULT_KEY_ENV];
  if (v === undefined || v.trim() === '') return undefined;
  info(`extract: using the API key from $${DEFAULT_KEY_ENV}`);
  return v.trim();
}

function promptText(text: string | undefined, file: string | undefined): string | undefined {
  if (text !== undefined && file !== undefined) throw new UsageError('extract: give --prompt or --prompt-file, not both');
  if (file === undefined) return text;
  // Strict UTF-8: a BOM, a NUL byte or invalid bytes are an InputError naming the file.
  return readUtf8Strict(file);
}

function extraBody(json: string | undefined): Record<string, JsonValue> | undefined {
  if (json === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw new UsageError(`--extra-body is not JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UsageError('--extra-body must be a JSON object, e.g. {"top_k": 20}');
  return v as Record<string, JsonValue>;
}
