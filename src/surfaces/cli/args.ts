/**
 * Flag parsing for CLI commands, over node:util's parseArgs (strict: unknown flags fail),
 * with typed getters that turn bad values into one-line usage errors naming the flag.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../../util/errors.js';
import { checkOutputDir, checkOutputFile } from '../../util/fs.js';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedFlags {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export function parseFlags(command: string, argv: string[], options: FlagSpec, allowPositionals = true): ParsedFlags {
  try {
    const r = parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals });
    return { values: r.values as ParsedFlags['values'], positionals: r.positionals };
  } catch (e) {
    // Node's messages run over several lines (an ambiguous value says what to write instead): one line.
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\s*\n\s*/g, ' ');
    throw new UsageError(`${command}: ${msg} (see \`clinsum ${command} --help\`)`);
  }
}

/**
 * `--opt -1` as `--opt=-1` (and `-o -1` as `-o-1`) for options that take a value, when the next
 * token is a number: node:util's parseArgs (Node 20, no `allowNegative`) refuses a value that
 * starts with `-` as ambiguous, so `--temperature -1` would never reach the command's own range
 * check. Other tokens are left alone, and nothing after `--` is touched.
 */
export function joinNegativeValues(argv: readonly string[], options: FlagSpec): string[] {
  const takesValue = (token: string): boolean => {
    if (token.startsWith('--')) return options[token.slice(2)]?.type === 'string';
    if (/^-[^-]$/.test(token)) return Object.values(options).some((o) => o.short === token[1] && o.type === 'string');
    return false;
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (next !== undefined && takesValue(token)) {
      // The value is consumed either way, so a value that looks like a flag is never rewritten.
      if (isNegativeNumber(next)) out.push(`${token}${token.startsWith('--') ? '=' : ''}${next}`);
      else out.push(token, next);
      i++;
      continue;
    }
    out.push(token);
  }
  return out;
}

const isNegativeNumber = (s: string): boolean => /^-(\d|\.\d|Infinity$)/.test(s) && !Number.isNaN(Number(s));

export function str(f: ParsedFlags, name: string): string | undefined {
  const v = f.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError(`--${name} needs a value`);
  return v;
}

export function requiredStr(command: string, f: ParsedFlags, name: string): string {
  const v = str(f, name);
  if (v === undefined || v === '') throw new UsageError(`${command}: --${name} is required (see \`clinsum ${command} --help\`)`);
  return v;
}

export function strList(f: ParsedFlags, name: string): string[] {
  const v = f.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

export function bool(f: ParsedFlags, name: string): boolean {
  return f.values[name] === true;
}

export interface NumberBounds {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function num(f: ParsedFlags, name: string, bounds: NumberBounds = {}): number | undefined {
  const s = str(f, name);
  if (s === undefined) return undefined;
  const v = Number(s);
  const kind = bounds.integer ? 'an integer' : 'a number';
  if (s.trim() === '' || !Number.isFinite(v) || (bounds.integer && !Number.isInteger(v))) {
    throw new UsageError(`--${name} must be ${kind}, got "${s}"`);
  }
  if (bounds.min !== undefined && v < bounds.min) throw new UsageError(`--${name} must be at least ${bounds.min}, got ${s}`);
  if (bounds.max !== undefined && v > bounds.max) throw new UsageError(`--${name} must be at most ${bounds.max}, got ${s}`);
  return v;
}

export function int(f: ParsedFlags, name: string, bounds: Omit<NumberBounds, 'integer'> = {}): number | undefined {
  return num(f, name, { ...bounds, integer: true });
}

/**
 * The output folder given by `--name`, checked before any work (a file there or in the way of a
 * parent folder is an error naming it and the flag). Required when `command` is given.
 */
export function outDir(f: ParsedFlags, name: string, command: string): string;
export function outDir(f: ParsedFlags, name: string): string | undefined;
export function outDir(f: ParsedFlags, name: string, command?: string): string | undefined {
  const v = command === undefined ? str(f, name) : requiredStr(command, f, name);
  if (v !== undefined) checkOutputDir(v, `choose another --${name}`);
  return v;
}

/** The output file given by `--name`, checked like `outDir` (a folder there is an error). */
export function outFile(f: ParsedFlags, name: string, command: string): string;
export function outFile(f: ParsedFlags, name: string): string | undefined;
export function outFile(f: ParsedFlags, name: string, command?: string): string | undefined {
  const v = command === undefined ? str(f, name) : requiredStr(command, f, name);
  if (v !== undefined) checkOutputFile(v, `choose another --${name}`);
  return v;
}
