/**
 * safetensors read and write, in TypeScript: an 8-byte little-endian header length, a JSON
 * header (`{name: {dtype, shape, data_offsets}, __metadata__?: {string: string}}`) padded with
 * spaces, then the raw little-endian tensor bytes. Reading goes tensor by tensor, through a
 * bounded buffer straight into libtorch memory, so a file never sits in memory twice. Sharded
 * Hugging Face checkpoints (`model.safetensors.index.json`) are read and written too.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, readdirSync, rmSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { makeDir, readUtf8Strict, writeFileAtomicWith, writeJsonAtomic } from '../util/fs.js';
import { type DType, type Device, elementSize } from './dtype.js';
import { N } from './native.js';
import { empty } from './creation.js';
import { handleOf, type Tensor } from './tensor.js';
import { TorchError } from './errors.js';

if (endianness() !== 'LE') throw new TorchError('safetensors I/O needs a little-endian machine', 'safetensors', 'unavailable');

/** Largest header accepted (the format's reference reader uses the same cap). */
export const MAX_HEADER_BYTES = 100_000_000;
/** Bytes moved per read or write call. */
const CHUNK = 16 << 20;

const FROM_ST: Readonly<Record<string, DType>> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  BOOL: 'bool',
  U8: 'uint8',
};
const TO_ST: Readonly<Record<DType, string>> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  bool: 'BOOL',
  uint8: 'U8',
};

export interface TensorInfo {
  name: string;
  dtype: DType;
  shape: readonly number[];
  /** Absolute offset of the first byte in the file. */
  fileOffset: number;
  byteLength: number;
}

export interface LoadOptions {
  /** Convert to this dtype (default: the stored one). */
  dtype?: DType;
  /** Default `cpu`. */
  device?: Device;
}

/** One .safetensors file, opened for reading tensors one at a time. Close it (or `using`). */
export class SafetensorsFile implements Disposable {
  readonly path: string;
  readonly metadata: Readonly<Record<string, string>> | undefined;
  readonly #infos: Map<string, TensorInfo>;
  #fd: number | undefined;

  private constructor(path: string, fd: number, infos: Map<string, TensorInfo>, metadata: Record<string, string> | undefined) {
    this.path = path;
    this.#fd = fd;
    this.#infos = infos;
    this.metadata = metadata;
  }

  /** Opens and validates the header; raises an InputError naming the file (and tensor). */
  static open(path: string): SafetensorsFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError({ file: path }, code === 'ENOENT' ? 'does not exist' : `cannot be opened (${code ?? String(e)})`);
    }
    try {
      const { infos, metadata } = parseHeader(fd, path);
      return new SafetensorsFile(path, fd, infos, metadata);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  names(): string[] {
    return [...this.#infos.keys()];
  }

  has(name: string): boolean {
    return this.#infos.has(name);
  }

  info(name: string): TensorInfo {
    const i = this.#infos.get(name);
    if (i === undefined) throw new InputError({ file: this.path, field: name }, 'no such tensor in the file');
    return i;
  }

  /** Reads one tensor, converted to `dtype` and moved to `device` if asked. */
  load(name: string, options: LoadOptions = {}): Tensor {
    const info = this.info(name);
    const fd = this.#fd;
    if (fd === undefined) throw new TorchError(`${this.path} is closed`, 'SafetensorsFile.load', 'argument');
    const t = empty(info.shape, { dtype: info.dtype });
    try {
      const h = handleOf(t);
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(info.byteLength, 1)));
      let done = 0;
      while (done < info.byteLength) {
        const want = Math.min(buf.length, info.byteLength - done);
        let got = 0;
        while (got < want) {
          const n = readSync(fd, buf, got, want - got, info.fileOffset + done + got);
          if (n === 0) throw new InputError({ file: this.path, field: name }, 'is truncated (the file ended inside the tensor data)');
          got += n;
        }
        N.writeBytes(h, done, want === buf.length ? buf : buf.subarray(0, want));
        done += want;
      }
    } catch (e) {
      t.dispose();
      throw e;
    }
    const dtype = options.dtype ?? info.dtype;
    const device = options.device ?? 'cpu';
    if (dtype === info.dtype && device === 'cpu') return t;
    try {
      return t.to({ dtype, device });
    } finally {
      t.dispose();
    }
  }

  close(): void {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function fail(path: string, problem: string, name?: string): never {
  throw new InputError({ file: path, field: name }, problem, 'the file is not valid safetensors; re-export it');
}

function parseHeader(fd: number, path: string): { infos: Map<string, TensorInfo>; metadata: Record<string, string> | undefined } {
  const stat = fstatSync(fd);
  if (!stat.isFile()) throw new InputError({ file: path }, 'is not a regular file (a folder?)', 'pass the path of a .safetensors file');
  const size = stat.size;
  if (size < 8) fail(path, `is ${size} bytes long, too short for a safetensors header`);
  const lenBuf = Buffer.alloc(8);
  readSync(fd, lenBuf, 0, 8, 0);
  const headerLen = lenBuf.readBigUInt64LE(0);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) fail(path, `declares a ${headerLen}-byte header, over the ${MAX_HEADER_BYTES}-byte limit`);
  const n = Number(headerLen);
  if (n < 2) fail(path, `declares a ${n}-byte header, too short for JSON`);
  if (8 + n > size) fail(path, `declares a ${n}-byte header but the file has only ${size - 8} bytes after the length`);
  const hb = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const r = readSync(fd, hb, got, n - got, 8 + got);
    if (r === 0) fail(path, 'is truncated inside its header');
    got += r;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(hb);
  } catch {
    fail(path, 'has a header that is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(path, 'has a header that is not a JSON object');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(path, `has a header that is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail(path, 'has a header that is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = size - dataStart;
  const infos = new Map<string, TensorInfo>();
  let metadata: Record<string, string> | undefined;
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) fail(path, '__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(path, `__metadata__.${k} must be a string`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) fail(path, 'entry must be an object {dtype, shape, data_offsets}', name);
    const e = entry as Record<string, unknown>;
    const dtype = typeof e.dtype === 'string' ? FROM_ST[e.dtype] : undefined;
    if (dtype === undefined) fail(path, `has an unsupported dtype ${JSON.stringify(e.dtype)} (supported: ${Object.keys(FROM_ST).join(', ')})`, name);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) fail(path, 'shape must be an array of non-negative integers', name);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && (x as number) >= 0)) {
      fail(path, 'data_offsets must be [begin, end] non-negative integers', name);
    }
    const [begin, end] = off as [number, number];
    if (begin > end) fail(path, `data_offsets [${begin}, ${end}] end before they begin`, name);
    if (end > dataLen) fail(path, `data_offsets [${begin}, ${end}] reach past the end of the data (${dataLen} bytes; the file may be truncated)`, name);
    let numel = 1;
    for (const d of shape as number[]) numel *= d;
    const expect = numel * elementSize(dtype);
    if (!Number.isSafeInteger(expect) || expect !== end - begin) {
      fail(path, `shape [${(shape as number[]).join(', ')}] of ${e.dtype as string} needs ${expect} bytes but data_offsets span ${end - begin}`, name);
    }
    spans.push({ name, begin, end });
    infos.set(name, { name, dtype, shape: Object.freeze([...(shape as number[])]), fileOffset: dataStart + begin, byteLength: end - begin });
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1]!;
    const cur = spans[i]!;
    if (cur.begin < prev.end && cur.end > cur.begin) fail(path, `data overlaps tensor ${JSON.stringify(prev.name)}`, cur.name);
  }
  return { infos, metadata };
}

/** Reads every tensor (or `names`) of a file into a Map. */
export function loadSafetensors(path: string, options: LoadOptions & { names?: readonly string[] } = {}): Map<string, Tensor> {
  using f = SafetensorsFile.open(path);
  const out = new Map<string, Tensor>();
  try {
    for (const name of options.names ?? f.names()) out.set(name, f.load(name, options));
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}

type TensorMap = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

function entries(tensors: TensorMap): [string, Tensor][] {
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors as Record<string, Tensor>);
  for (const [name] of list) {
    if (name === '__metadata__' || name.length === 0) throw new TorchError(`invalid tensor name ${JSON.stringify(name)}`, 'saveSafetensors', 'argument');
  }
  return list;
}

/**
 * Writes `tensors` (any device and dtype) to `path` atomically: a temporary file in the same
 * folder, fsynced, renamed over `path`. Tensors are written in name order.
 */
export function saveSafetensors(path: string, tensors: TensorMap, options: { metadata?: Readonly<Record<string, string>> } = {}): void {
  const list = entries(tensors).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (options.metadata !== undefined) {
    for (const [k, v] of Object.entries(options.metadata)) {
      if (typeof v !== 'string') throw new TorchError(`metadata ${k} must be a string`, 'saveSafetensors', 'argument');
    }
    header.__metadata__ = options.metadata;
  }
  let offset = 0;
  for (const [name, t] of list) {
    const bytes = t.numel * elementSize(t.dtype);
    header[name] = { dtype: TO_ST[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  writeFileAtomicWith(path, (write) => {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    write(len);
    write(json);
    for (const [, t] of list) writeTensor(write, t);
  });
}

function writeTensor(write: (bytes: Uint8Array) => void, t: Tensor): void {
  const total = t.numel * elementSize(t.dtype);
  if (total === 0) return;
  const h = handleOf(t);
  const onCpu = t.device === 'cpu' && t.isContiguous;
  let c = h;
  if (!onCpu) {
    const moved = N.to(h, undefined, 'cpu', false, false);
    c = N.contiguous(moved);
    N.free(moved);
  }
  try {
    for (let off = 0; off < total; off += CHUNK) {
      write(new Uint8Array(N.readBytes(c, off, Math.min(CHUNK, total - off))));
    }
  } finally {
    if (!onCpu) N.free(c);
  }
}

// ---------------------------------------------------------------------------------------------
// Hugging Face checkpoint folders: model.safetensors, or shards + model.safetensors.index.json

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

/** The tensors of a checkpoint folder, single-file or sharded, read lazily by name. */
export class SafetensorsCheckpoint implements Disposable {
  readonly dir: string;
  readonly #where: Map<string, string>;
  readonly #open = new Map<string, SafetensorsFile>();

  private constructor(dir: string, where: Map<string, string>) {
    this.dir = dir;
    this.#where = where;
  }

  /** Opens `dir/model.safetensors.index.json` if present, else `dir/model.safetensors`. */
  static open(dir: string): SafetensorsCheckpoint {
    const indexPath = join(dir, INDEX_FILE);
    if (existsSync(indexPath)) {
      const index = parseIndex(indexPath);
      for (const file of new Set(index.values())) {
        if (!existsSync(join(dir, file))) throw new InputError({ file: indexPath }, `names shard ${file}, which does not exist in ${dir}`);
      }
      return new SafetensorsCheckpoint(dir, index);
    }
    const single = join(dir, SINGLE_FILE);
    if (!existsSync(single)) throw new InputError({ file: dir }, `has neither ${SINGLE_FILE} nor ${INDEX_FILE}`, 'point at a Hugging Face model folder');
    const ckpt = new SafetensorsCheckpoint(dir, new Map());
    const f = ckpt.#file(SINGLE_FILE);
    for (const name of f.names()) ckpt.#where.set(name, SINGLE_FILE);
    return ckpt;
  }

  names(): string[] {
    return [...this.#where.keys()];
  }

  has(name: string): boolean {
    return this.#where.has(name);
  }

  info(name: string): TensorInfo {
    return this.#fileOf(name).info(name);
  }

  load(name: string, options: LoadOptions = {}): Tensor {
    return this.#fileOf(name).load(name, options);
  }

  close(): void {
    for (const f of this.#open.values()) f.close();
    this.#open.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #fileOf(name: string): SafetensorsFile {
    const file = this.#where.get(name);
    if (file === undefined) throw new InputError({ file: this.dir, field: name }, 'no such tensor in the checkpoint');
    const f = this.#file(file);
    if (!f.has(name)) throw new InputError({ file: join(this.dir, file), field: name }, `is listed in ${INDEX_FILE} but missing from the shard`);
    return f;
  }

  #file(file: string): SafetensorsFile {
    let f = this.#open.get(file);
    if (f === undefined) {
      f = SafetensorsFile.open(join(this.dir, file));
      this.#open.set(file, f);
    }
    return f;
  }
}

function parseIndex(path: string): Map<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(readUtf8Strict(path));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError({ file: path }, `is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const wm = (json as { weight_map?: unknown } | null)?.weight_map;
  if (wm === null || typeof wm !== 'object' || Array.isArray(wm)) throw new InputError({ file: path, field: 'weight_map' }, 'must be an object of tensor name → shard file');
  const out = new Map<string, string>();
  for (const [name, file] of Object.entries(wm as Record<string, unknown>)) {
    if (typeof file !== 'string' || file.length === 0 || file.includes('/') || file.includes('\\') || file === '..') {
      throw new InputError({ file: path, field: `weight_map.${name}` }, 'must be a shard file name in the same folder');
    }
    out.set(name, file);
  }
  return out;
}

export interface SaveCheckpointOptions {
  /** Largest shard in bytes (Hugging Face's default is 5 GB); one tensor larger than this gets a shard alone. */
  maxShardBytes?: number;
  /** `__metadata__` of every file (transformers writes {format: 'pt'}). */
  metadata?: Readonly<Record<string, string>>;
}

/**
 * Writes a checkpoint folder as transformers does: one `model.safetensors` when everything fits
 * in a shard, else `model-0000K-of-0000N.safetensors` files plus `model.safetensors.index.json`.
 * Returns the files written. What an earlier save left that this one did not write is removed
 * afterwards, as transformers' `save_pretrained` does: every other `model-*-of-*.safetensors`
 * shard, and the other layout's file (the index beside a single file, or the single file beside
 * shards). A loader that reads every `*.safetensors` of a folder without an index (vLLM) would
 * otherwise read a stale shard too.
 */
export function saveCheckpoint(dir: string, tensors: TensorMap, options: SaveCheckpointOptions = {}): string[] {
  const max = options.maxShardBytes ?? 5_000_000_000;
  if (!(max > 0)) throw new TorchError(`maxShardBytes must be > 0, got ${max}`, 'saveCheckpoint', 'argument');
  const metadata = options.metadata ?? { format: 'pt' };
  const list = entries(tensors);
  const shards: [string, Tensor][][] = [];
  let cur: [string, Tensor][] = [];
  let curBytes = 0;
  let total = 0;
  for (const e of list) {
    const bytes = e[1].numel * elementSize(e[1].dtype);
    total += bytes;
    if (cur.length > 0 && curBytes + bytes > max) {
      shards.push(cur);
      cur = [];
      curBytes = 0;
    }
    cur.push(e);
    curBytes += bytes;
  }
  if (cur.length > 0 || shards.length === 0) shards.push(cur);
  makeDir(dir);
  if (shards.length === 1) {
    saveSafetensors(join(dir, SINGLE_FILE), new Map(shards[0]), { metadata });
    removeStaleWeights(dir, [SINGLE_FILE]);
    return [SINGLE_FILE];
  }
  const n = shards.length;
  const files: string[] = [];
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, k) => {
    const file = `model-${String(k + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
    saveSafetensors(join(dir, file), new Map(shard), { metadata });
    for (const [name] of shard) weightMap[name] = file;
    files.push(file);
  });
  const sortedMap = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeJsonAtomic(join(dir, INDEX_FILE), { metadata: { total_size: total }, weight_map: sortedMap });
  files.push(INDEX_FILE);
  removeStaleWeights(dir, files);
  return files;
}

/** Shards of any save: `model-00001-of-00003.safetensors` (transformers writes 5 digits). */
const SHARD_FILE_RE = /^model-\d+-of-\d+\.safetensors$/;

/**
 * Deletes the weights files of an earlier save that `written` does not list: other shards, the
 * index and the single file. Runs once the new files (and index) are complete.
 */
function removeStaleWeights(dir: string, written: readonly string[]): void {
  const keep = new Set(written);
  for (const f of readdirSync(dir)) {
    if ((SHARD_FILE_RE.test(f) || f === SINGLE_FILE || f === INDEX_FILE) && !keep.has(f)) rmSync(join(dir, f), { force: true });
  }
}
