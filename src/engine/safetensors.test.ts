// safetensors: round trips of every dtype, the byte layout, sharded checkpoints, and a fuzz of
// malformed files (each must raise an InputError naming the file, never crash or misread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { Prng } from '../util/prng.js';
import {
  INDEX_FILE,
  SafetensorsCheckpoint,
  SafetensorsFile,
  arange,
  fromBytes,
  liveTensorCount,
  loadSafetensors,
  randn,
  saveCheckpoint,
  saveSafetensors,
  tensor,
  testDevice,
  tidy,
  type DType,
  type Tensor,
} from './index.js';

const device = testDevice();

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'clinsum-st-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A safetensors file built by hand, byte by byte, from a header object and data. */
function handMade(header: unknown, data: Uint8Array, declaredLength?: bigint): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(declaredLength ?? BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

test('every dtype round-trips bit-exactly, with metadata, from any device', () => {
  withDir((dir) => {
    tidy(() => {
      const dtypes: DType[] = ['float32', 'float16', 'bfloat16', 'float64', 'int64', 'int32', 'bool', 'uint8'];
      const tensors = new Map<string, Tensor>();
      for (const d of dtypes) {
        const t = d === 'bool' ? randn([3, 5], { device }).gt(0) : d === 'uint8' || d.startsWith('int') ? arange(15, { device }).reshape([3, 5]).mul(7).to(d) : randn([3, 5], { dtype: d, device });
        tensors.set(`layer.${d}`, t);
      }
      tensors.set('empty', randn([0, 4], { device }));
      tensors.set('scalar', tensor(2.5, { device }));
      const file = join(dir, 'all.safetensors');
      saveSafetensors(file, tensors, { metadata: { format: 'pt', note: 'x' } });
      using f = SafetensorsFile.open(file);
      assert.deepEqual(f.metadata, { format: 'pt', note: 'x' });
      assert.deepEqual(f.names().sort(), [...tensors.keys()].sort());
      for (const [name, t] of tensors) {
        const back = f.load(name, { device });
        assert.equal(back.dtype, t.dtype, name);
        assert.deepEqual(back.shape, t.shape, name);
        assert.equal(back.device, t.device, name);
        assert.deepEqual(back.toBytes(), t.toBytes(), name);
      }
      const info = f.info('layer.bfloat16');
      assert.equal(info.byteLength, 30);
      const asF32 = f.load('layer.bfloat16', { dtype: 'float32' });
      assert.equal(asF32.dtype, 'float32');
      assert.deepEqual(asF32.toFloat32Array(), tensors.get('layer.bfloat16')!.toFloat32Array());
      const all = loadSafetensors(file, { names: ['scalar'] });
      assert.equal(all.get('scalar')!.item(), 2.5);
    });
  });
});

test('the written layout is the format: LE u64 length, space-padded JSON, data in name order', () => {
  withDir((dir) => {
    tidy(() => {
      const file = join(dir, 'layout.safetensors');
      saveSafetensors(file, { b: tensor([1, 2], { dtype: 'int32' }), a: tensor([1.5], { dtype: 'float32' }) });
      const bytes = readFileSync(file);
      const n = Number(bytes.readBigUInt64LE(0));
      assert.equal(n % 8, 0);
      const header = bytes.subarray(8, 8 + n).toString('utf8');
      assert.deepEqual(JSON.parse(header), {
        a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        b: { dtype: 'I32', shape: [2], data_offsets: [4, 12] },
      });
      assert.match(header, /} *$/);
      const data = bytes.subarray(8 + n);
      assert.equal(data.readFloatLE(0), 1.5);
      assert.equal(data.readInt32LE(4), 1);
      assert.equal(data.readInt32LE(8), 2);
    });
  });
});

test('reads a file written by another tool (hand-made bytes, unpadded header, BF16 and I64)', () => {
  withDir((dir) => {
    tidy(() => {
      const data = Buffer.alloc(4 + 16);
      data.writeUInt16LE(0x3f80, 0); // bf16 1.0
      data.writeUInt16LE(0xc040, 2); // bf16 -3.0
      data.writeBigInt64LE(-7n, 4);
      data.writeBigInt64LE(2n ** 40n, 12);
      const file = join(dir, 'other.safetensors');
      writeFileSync(file, handMade({ w: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] }, ids: { dtype: 'I64', shape: [2, 1], data_offsets: [4, 20] } }, data));
      const m = loadSafetensors(file);
      assert.deepEqual(Array.from(m.get('w')!.toFloat32Array()), [1, -3]);
      assert.deepEqual(m.get('ids')!.toNumbers(), [-7, 2 ** 40]);
    });
  });
});

test('sharded checkpoints: shards by size, index maps every tensor, single file when it fits', () => {
  withDir((dir) => {
    tidy(() => {
      const tensors: Record<string, Tensor> = {};
      for (let i = 0; i < 5; i++) tensors[`model.layers.${i}.weight`] = randn([16, 16], { device }); // 1 KiB each
      const files = saveCheckpoint(join(dir, 'sharded'), tensors, { maxShardBytes: 2100 });
      assert.deepEqual(files, ['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors', INDEX_FILE]);
      const index = JSON.parse(readFileSync(join(dir, 'sharded', INDEX_FILE), 'utf8')) as { metadata: { total_size: number }; weight_map: Record<string, string> };
      assert.equal(index.metadata.total_size, 5 * 1024);
      assert.equal(index.weight_map['model.layers.4.weight'], 'model-00003-of-00003.safetensors');
      using ck = SafetensorsCheckpoint.open(join(dir, 'sharded'));
      assert.equal(ck.names().length, 5);
      for (const [name, t] of Object.entries(tensors)) assert.equal(ck.load(name, { device }).equal(t), true, name);
      assert.throws(() => ck.load('nope'), /no such tensor/);

      assert.deepEqual(saveCheckpoint(join(dir, 'sharded'), tensors), ['model.safetensors']);
      assert.deepEqual(readdirSync(join(dir, 'sharded')).sort(), ['model.safetensors']);
      using single = SafetensorsCheckpoint.open(join(dir, 'sharded'));
      assert.equal(single.load('model.layers.2.weight').equal(tensors['model.layers.2.weight']!.to('cpu')), true);
      assert.throws(() => SafetensorsCheckpoint.open(join(dir, 'missing')), /has neither model.safetensors nor/);
    });
  });
});

test('saveCheckpoint removes what an earlier save left: 3 shards, then 2, then a single file', () => {
  withDir((dir) => {
    tidy(() => {
      const tensors: Record<string, Tensor> = {};
      for (let i = 0; i < 5; i++) tensors[`model.layers.${i}.weight`] = randn([16, 16], { device }); // 1 KiB each
      const ck = join(dir, 'ck');
      const listing = (): string[] => readdirSync(ck).sort();
      const three = saveCheckpoint(ck, tensors, { maxShardBytes: 2100 });
      assert.equal(three.length, 4);
      assert.deepEqual(listing(), [...three].sort());
      // Files of other kinds, and names that are not shards, are not the checkpoint's to remove.
      writeFileSync(join(ck, 'config.json'), '{}');
      writeFileSync(join(ck, 'model-extra.safetensors'), 'not a shard name');
      const two = saveCheckpoint(ck, tensors, { maxShardBytes: 3100 });
      assert.deepEqual(two, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', INDEX_FILE]);
      assert.deepEqual(listing(), ['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model-extra.safetensors', INDEX_FILE].sort());
      {
        using c = SafetensorsCheckpoint.open(ck);
        for (const [name, t] of Object.entries(tensors)) assert.equal(c.load(name, { device }).equal(t), true, name);
      }
      assert.deepEqual(saveCheckpoint(ck, tensors), ['model.safetensors']);
      assert.deepEqual(listing(), ['config.json', 'model-extra.safetensors', 'model.safetensors']);
      // and back to shards: the single file goes
      const again = saveCheckpoint(ck, tensors, { maxShardBytes: 3100 });
      assert.deepEqual(listing(), ['config.json', 'model-extra.safetensors', ...again].sort());
      {
        using c = SafetensorsCheckpoint.open(ck);
        assert.equal(c.names().length, 5);
      }
    });
  });
});

test('malformed files raise InputErrors that name the file and the tensor', () => {
  withDir((dir) => {
    const good = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    const cases: [string, Buffer, RegExp][] = [
      ['empty', Buffer.alloc(0), /too short for a safetensors header/],
      ['short length', Buffer.from([1, 2, 3]), /too short/],
      ['oversized header', handMade(good, Buffer.alloc(8), 200_000_000n), /over the 100000000-byte limit/],
      ['header past end', handMade(good, Buffer.alloc(8), 5000n), /declares a 5000-byte header/],
      ['not json', Buffer.concat([Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{nope')]), /not valid JSON/],
      ['not object', handMade([1, 2], Buffer.alloc(0)), /not a JSON object/],
      ['unknown dtype', handMade({ w: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, Buffer.alloc(2)), /field `w`: has an unsupported dtype "F8_E4M3"/],
      ['negative shape', handMade({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, Buffer.alloc(8)), /field `w`: shape must be/],
      ['offsets out of range', handMade({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, Buffer.alloc(8)), /field `w`: data_offsets \[0, 16\] reach past the end/],
      ['reversed offsets', handMade({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, Buffer.alloc(8)), /end before they begin/],
      ['size mismatch', handMade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8)), /needs 12 bytes but data_offsets span 8/],
      [
        'overlap',
        handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, Buffer.alloc(12)),
        /field `b`: data overlaps tensor "a"/,
      ],
      ['bad metadata', handMade({ __metadata__: { n: 1 }, ...good }, Buffer.alloc(8)), /__metadata__.n must be a string/],
      ['truncated data', handMade(good, Buffer.alloc(4)), /reach past the end of the data/],
      ['bad offsets type', handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [0, '8'] } }, Buffer.alloc(8)), /data_offsets must be/],
    ];
    for (const [name, bytes, re] of cases) {
      const file = join(dir, `${name.replace(/ /g, '_')}.safetensors`);
      writeFileSync(file, bytes);
      assert.throws(
        () => SafetensorsFile.open(file).close(),
        (e: unknown) => e instanceof InputError && e.message.includes(file) && re.test(e.message),
        name,
      );
    }
    assert.throws(() => SafetensorsFile.open(join(dir, 'absent.safetensors')), /does not exist/);
  });
});

test('fuzz: random corruptions of a valid file either load correctly or raise an InputError', () => {
  withDir((dir) => {
    tidy(() => {
      const file = join(dir, 'base.safetensors');
      saveSafetensors(file, { a: tensor([1, 2, 3]), b: tensor([[1, 0]], { dtype: 'int64' }), c: tensor([1], { dtype: 'bfloat16' }) });
      const base = readFileSync(file);
      const headerEnd = 8 + Number(base.readBigUInt64LE(0));
      const rng = new Prng(2025);
      const before = liveTensorCount();
      let errors = 0;
      for (let i = 0; i < 300; i++) {
        const bytes = Buffer.from(base);
        const kind = rng.int(3);
        if (kind === 0) {
          for (let k = 0; k < 1 + rng.int(4); k++) bytes[rng.int(headerEnd)] = rng.int(256);
        } else if (kind === 1) {
          bytes[rng.int(8)] = rng.int(256);
        }
        const cut = kind === 2 ? rng.int(bytes.length) : bytes.length;
        const f = join(dir, 'fuzz.safetensors');
        writeFileSync(f, bytes.subarray(0, cut));
        try {
          tidy(() => {
            const m = loadSafetensors(f);
            for (const t of m.values()) t.toBytes();
          });
        } catch (e) {
          assert.ok(e instanceof InputError, `case ${i}: ${String(e)}`);
          errors++;
        }
      }
      assert.ok(errors > 100, `${errors} of 300 corruptions were caught`);
      assert.equal(liveTensorCount(), before);
    });
  });
});

test('fromBytes of a loaded region equals load(), and load() frees its buffer on failure', () => {
  withDir((dir) => {
    tidy(() => {
      const file = join(dir, 'x.safetensors');
      const t = randn([4, 3]);
      saveSafetensors(file, { t });
      using f = SafetensorsFile.open(file);
      const info = f.info('t');
      const raw = readFileSync(file).subarray(info.fileOffset, info.fileOffset + info.byteLength);
      assert.equal(fromBytes(raw, 'float32', [4, 3]).equal(t), true);
      f.close();
      assert.throws(() => f.load('t'), /closed/);
    });
  });
});
