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
    const r = parseArgs({ args: argv, options, strict: true, allowPositionals });
    return { values: r.values as ParsedFlags['values'], positionals: r.positionals };
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${command}: ${msg} (see \`clinsum ${command} --help\`)`);
  }
}

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
