/** Test helpers for the CLI: run the dispatcher in process and capture what it writes. Tests only. */
import { Writable } from 'node:stream';
import { runCli } from './main.js';

/** What one in-process CLI run returned and wrote (UTF-8). */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream that keeps every byte written to it, read back as UTF-8 text. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** `runCli(argv)` with its stdout and stderr captured; `env` is the whole environment it sees. */
export async function runCliCaptured(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const out = capture();
  const err = capture();
  const code = await runCli(argv, { stdout: out.stream, stderr: err.stream, env });
  return { code, stdout: out.text(), stderr: err.text() };
}
