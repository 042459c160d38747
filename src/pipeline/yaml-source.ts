/**
 * A YAML configuration file that remembers where each value came from, so that every problem
 * found later (by a schema, or by a stage) is reported as `FILE:LINE: field \`a.b\`: problem` — or
 * as `--set a.b=…: field \`a.b\`: problem` when a command-line override set it.
 *
 * Also: `${VAR}` and `${VAR:-default}` in string values are replaced from the environment (`$${`
 * writes a literal `${`), and `--set key=value` overrides (the value is YAML: `1e-5`, `null`,
 * `[a, b]`, `{gamma: 1}`).
 */
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode, type Pair } from 'yaml';
import YAML from 'yaml';
import { ConfigError, InputError, type InputLocation } from '../util/errors.js';
import { expandEnvVars } from '../util/env-vars.js';
import { readUtf8Strict } from '../util/fs.js';

export type ConfigPath = readonly (string | number)[];

export interface SetOverride {
  /** Dotted path, e.g. `train.optimizer.lr`. */
  key: string;
  path: string[];
  value: unknown;
  /** How to name it in messages: `--set train.optimizer.lr=2e-5`. */
  source: string;
}

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function pathToString(path: ConfigPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

/** Parses `key=value` (the value as YAML, so types are checked by the schema afterwards). */
export function parseSet(arg: string): SetOverride {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--set ${arg}: expected key=value, e.g. --set train.optimizer.lr=2e-5`);
  const key = arg.slice(0, eq).trim();
  const raw = arg.slice(eq + 1);
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(key)) throw new ConfigError(`--set ${arg}: the key must be a dotted path like train.optimizer.lr`);
  let value: unknown;
  try {
    value = YAML.parse(raw) as unknown;
  } catch {
    value = raw;
  }
  return { key, path: key.split('.'), value: value === undefined ? null : value, source: `--set ${key}=${raw}` };
}

export class YamlSource {
  readonly file: string;
  readonly #doc: Document;
  readonly #lines: LineCounter;
  readonly #overrides: SetOverride[] = [];
  /** The value after environment interpolation and overrides. */
  readonly value: Plain;

  constructor(file: string, text: string = readUtf8Strict(file)) {
    this.file = file;
    this.#lines = new LineCounter();
    this.#doc = parseDocument(text, { lineCounter: this.#lines, prettyErrors: false, uniqueKeys: true });
    const err = this.#doc.errors[0];
    if (err !== undefined) {
      const line = this.#lines.linePos(err.pos[0]).line;
      const what = err.message.split('\n')[0]!.replace(/\s*at line \d+.*$/, '');
      throw new InputError({ file, line }, `is not valid YAML: ${what}`, /flow/i.test(what) ? 'inside [ ] and { }, quote values that contain {, }, [, ] or commas' : undefined);
    }
    const js = this.#doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (js === null || js === undefined) this.value = {};
    else if (!isPlain(js)) throw new InputError({ file, line: 1 }, 'must be a YAML mapping of sections (data, split, teacher, student, train, generate, eval, report)');
    else this.value = js;
  }

  /** Replaces `${VAR}` / `${VAR:-default}` in every string of the file's values. */
  interpolate(env: NodeJS.ProcessEnv): this {
    const walk = (v: unknown, path: (string | number)[]): unknown => {
      if (typeof v === 'string') return this.#expand(v, path, env);
      if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
      if (isPlain(v)) {
        for (const k of Object.keys(v)) v[k] = walk(v[k], [...path, k]);
        return v;
      }
      return v;
    };
    walk(this.value, []);
    return this;
  }

  #expand(s: string, path: ConfigPath, env: NodeJS.ProcessEnv): string {
    return expandEnvVars(s, env, (problem, fix) => {
      throw new InputError(this.locate(path), problem, fix);
    });
  }

  /** Applies `--set` overrides (after interpolation: their values are taken literally). */
  override(sets: readonly SetOverride[]): this {
    for (const s of sets) {
      let node: Plain = this.value;
      for (let i = 0; i < s.path.length - 1; i++) {
        const k = s.path[i]!;
        const next = node[k];
        if (next === undefined || next === null) node[k] = {};
        else if (!isPlain(next)) throw new ConfigError(`${s.source}: ${s.path.slice(0, i + 1).join('.')} is not a section, so it has no setting ${s.path[i + 1]}`);
        node = node[k] as Plain;
      }
      node[s.path[s.path.length - 1]!] = s.value;
      this.#overrides.push(s);
    }
    return this;
  }

  /**
   * Whether the value at `path` came from a `--set`: the last override covering it, or, for a
   * section the file does not have (an unknown key), the last override that made it.
   */
  overrideOf(path: ConfigPath): SetOverride | undefined {
    const dotted = path.map(String);
    for (let i = this.#overrides.length - 1; i >= 0; i--) {
      const o = this.#overrides[i]!;
      if (o.path.length <= dotted.length && o.path.every((p, k) => p === dotted[k])) return o;
    }
    if (this.#fileHas(path)) return undefined;
    for (let i = this.#overrides.length - 1; i >= 0; i--) {
      const o = this.#overrides[i]!;
      if (o.path.length > dotted.length && dotted.every((p, k) => p === o.path[k])) return o;
    }
    return undefined;
  }

  /** Whether the file itself has a node at `path`. */
  #fileHas(path: ConfigPath): boolean {
    let node: unknown = this.#doc.contents;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = (node.items as Pair[]).find((p) => keyText(p.key) === String(seg));
        if (pair === undefined) return false;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        if (node.items[seg] === undefined) return false;
        node = node.items[seg];
      } else {
        return false;
      }
    }
    return true;
  }

  /** 1-based line of the deepest node on `path` that the file has (the key's line for a mapping entry). */
  lineOf(path: ConfigPath): number | undefined {
    let node: unknown = this.#doc.contents;
    let line = node !== null && typeof node === 'object' && 'range' in node ? this.#line(node as YamlNode) : undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = (node.items as Pair[]).find((p) => keyText(p.key) === String(seg));
        if (pair === undefined) break;
        const keyLine = this.#line(pair.key as YamlNode);
        if (keyLine !== undefined) line = keyLine;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) break;
        const l = this.#line(item as YamlNode);
        if (l !== undefined) line = l;
        node = item;
      } else {
        break;
      }
    }
    return line;
  }

  #line(node: YamlNode | null | undefined): number | undefined {
    const range = node && typeof node === 'object' && 'range' in node ? node.range : undefined;
    return range ? this.#lines.linePos(range[0]).line : undefined;
  }

  /** Where the value at `path` was set: the file and line, or the `--set` that set it. */
  locate(path: ConfigPath): InputLocation {
    const field = path.length > 0 ? pathToString(path) : undefined;
    const o = this.overrideOf(path);
    if (o !== undefined) return { file: o.source, field };
    return { file: this.file, line: this.lineOf(path), field };
  }
}

function keyText(key: unknown): string | undefined {
  if (key !== null && typeof key === 'object' && 'value' in key) return String((key as { value: unknown }).value);
  return key === null || key === undefined ? undefined : String(key);
}
