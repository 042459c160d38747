/**
 * A GGUF (version 3) writer: llama.cpp's model file format. Layout: magic `GGUF`, version,
 * tensor count, metadata count (little-endian u32/u64); the metadata as (string key, u32 type,
 * value); one info per tensor (name, dimension count, dimensions innermost first — ggml's `ne`,
 * i.e. a PyTorch (out, in) weight is written as [in, out] —, ggml type, data offset); padding to
 * the alignment; then the tensor data, each tensor at an aligned offset. Strings are a u64 byte
 * length and UTF-8 bytes. Written to a temporary file, fsynced and renamed.
 */
import { writeFileAtomicWith } from '../util/fs.js';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types. */
const T = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 } as const;
type Scalar = Exclude<keyof typeof T, 'array'>;

export type GgufValue =
  | { type: Exclude<Scalar, 'string' | 'bool'>; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; of: 'string'; values: readonly string[] }
  | { type: 'array'; of: Exclude<Scalar, 'string' | 'bool'>; values: readonly number[] };

/** ggml tensor types clinsum writes. */
export const GGML_TYPE = { F32: 0, F16: 1 } as const;
export type GgmlType = keyof typeof GGML_TYPE;
const TYPE_SIZE: Readonly<Record<GgmlType, number>> = { F32: 4, F16: 2 };

export interface GgufTensor {
  name: string;
  /** PyTorch order (outermost first); written reversed. */
  shape: readonly number[];
  type: GgmlType;
  /** The raw little-endian row-major bytes, produced when the tensor is written. */
  bytes: () => Uint8Array;
}

class Out {
  readonly parts: Buffer[] = [];
  size = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.size += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  scalar(type: Scalar, v: number | boolean | string): void {
    if (type === 'string') return this.str(v as string);
    const size = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8 }[type];
    const b = Buffer.alloc(size);
    switch (type) {
      case 'u8': b.writeUInt8(v as number); break;
      case 'i8': b.writeInt8(v as number); break;
      case 'u16': b.writeUInt16LE(v as number); break;
      case 'i16': b.writeInt16LE(v as number); break;
      case 'u32': b.writeUInt32LE(v as number); break;
      case 'i32': b.writeInt32LE(v as number); break;
      case 'f32': b.writeFloatLE(v as number); break;
      case 'bool': b.writeUInt8(v ? 1 : 0); break;
      case 'u64': b.writeBigUInt64LE(BigInt(v as number)); break;
      case 'i64': b.writeBigInt64LE(BigInt(v as number)); break;
      case 'f64': b.writeDoubleLE(v as number); break;
    }
    this.push(b);
  }
}

/** Writes a GGUF file: `metadata` in the order given, then `tensors` in the order given. */
export function writeGguf(path: string, metadata: readonly (readonly [string, GgufValue])[], tensors: readonly GgufTensor[], alignment = GGUF_DEFAULT_ALIGNMENT): void {
  const keys = new Set<string>();
  for (const [k] of metadata) {
    if (keys.has(k)) throw new Error(`GGUF metadata key ${k} given twice`);
    keys.add(k);
  }
  const head = new Out();
  head.u32(GGUF_MAGIC);
  head.u32(GGUF_VERSION);
  head.u64(tensors.length);
  head.u64(metadata.length);
  for (const [key, v] of metadata) {
    head.str(key);
    head.u32(T[v.type]);
    if (v.type === 'array') {
      head.u32(T[v.of]);
      head.u64(v.values.length);
      for (const x of v.values) head.scalar(v.of, x);
    } else {
      head.scalar(v.type, v.value);
    }
  }
  const align = (n: number): number => Math.ceil(n / alignment) * alignment;
  let offset = 0;
  const sizes: number[] = [];
  for (const t of tensors) {
    if (t.shape.length < 1 || t.shape.length > 4) throw new Error(`GGUF tensor ${t.name}: 1 to 4 dimensions, got ${t.shape.length}`);
    head.str(t.name);
    head.u32(t.shape.length);
    for (const d of [...t.shape].reverse()) head.u64(d);
    head.u32(GGML_TYPE[t.type]);
    head.u64(offset);
    const size = t.shape.reduce((a, d) => a * d, 1) * TYPE_SIZE[t.type];
    sizes.push(size);
    offset = align(offset + size);
  }
  const dataStart = align(head.size);
  head.push(Buffer.alloc(dataStart - head.size));

  writeFileAtomicWith(path, (write) => {
    for (const p of head.parts) write(p);
    tensors.forEach((t, i) => {
      const bytes = t.bytes();
      if (bytes.length !== sizes[i]) throw new Error(`GGUF tensor ${t.name}: ${bytes.length} bytes, expected ${sizes[i]}`);
      write(bytes);
      const pad = align(sizes[i]!) - sizes[i]!;
      if (pad > 0 && i < tensors.length - 1) write(Buffer.alloc(pad));
    });
  });
}
