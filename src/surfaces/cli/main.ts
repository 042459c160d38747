/**
 * CLI dispatcher: picks the command from the registry by its words, runs it, and turns errors
 * into one clear line on stderr (a stack trace only with CLINSUM_DEBUG=1).
 */
import { readFileSync } from 'node:fs';
import { ClinsumError } from '../../util/errors.js';
import type { CliIO } from './command.js';
import { COMMANDS, type CommandEntry } from './registry.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'clinsum: teacher-student distillation for multilingual clinical case-report summarization',
    '',
    'usage: clinsum <command> [flags]   (clinsum <command> --help for its flags)',
    '',
    'commands:',
    ...lines,
    '',
  ].join('\n');
}

/** The entry whose words are the longest prefix of argv. */
export function findCommand(argv: string[]): { entry: CommandEntry; rest: string[] } | undefined {
  let best: { entry: CommandEntry; rest: string[] } | undefined;
  for (const entry of COMMANDS) {
    const words = entry.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.entry.name.split(' ').length)) {
      best = { entry, rest: argv.slice(words.length) };
    }
  }
  return best;
}

export async function runCli(argv: string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(overview());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length > 0) {
      io.stderr.write(`clinsum: error: \`${argv.slice(0, 2).join(' ')}\` is not a command; try one of: ${group.map((c) => c.name).join(', ')}\n`);
    } else {
      io.stderr.write(`clinsum: error: unknown command \`${argv[0]}\`; run \`clinsum --help\` for the list\n`);
    }
    return 2;
  }
  try {
    const cmd = await found.entry.load();
    if (found.rest.includes('--help') || found.rest.includes('-h')) {
      io.stdout.write(`${cmd.usage.trimEnd()}\n`);
      return 0;
    }
    return await cmd.run(found.rest, io);
  } catch (e) {
    return reportError(e, io);
  }
}

export function reportError(e: unknown, io: CliIO): number {
  const debug = io.env.CLINSUM_DEBUG === '1';
  if (e instanceof ClinsumError) {
    io.stderr.write(`clinsum: ${e.code === 'stopped' ? '' : 'error: '}${oneLine(e.message)}\n`);
    if (debug && e.stack) io.stderr.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  io.stderr.write(`clinsum: internal error: ${oneLine(msg)} (rerun with CLINSUM_DEBUG=1 for the stack trace, and report it)\n`);
  if (debug && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  return 70;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
