// Bad arguments raise TorchErrors (with libtorch's message) instead of crashing the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InputError } from '../util/errors.js';
import { N } from './native.js';
import { handleOf } from './tensor.js';
import {
  SafetensorsFile,
  TorchError,
  cudaAvailable,
  einsum,
  empty,
  fromBytes,
  liveTensorCount,
  ones,
  randn,
  tensor,
  testDevice,
  tidy,
  zeros,
  type DType,
} from './index.js';

const device = testDevice();

function throwsTorch(fn: () => unknown, re: RegExp, kind?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TorchError, `not a TorchError: ${String(e)}`);
    assert.match(e.message, re);
    if (kind !== undefined) assert.equal(e.kind, kind);
    assert.equal(e.code, 'torch');
    return true;
  });
}

test('shape and dtype mismatches carry libtorch\'s message and the op name', () => {
  tidy(() => {
    throwsTorch(() => ones([2, 3], { device }).matmul(ones([4, 5], { device })), /^matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/, 'torch');
    throwsTorch(() => ones([2, 3], { device }).add(ones([4], { device })), /^add: The size of tensor a \(3\) must match/);
    throwsTorch(() => ones([2], { device }).reshape([3]), /^reshape: shape '\[3\]' is invalid/);
    throwsTorch(() => ones([2], { device }).view([-1, -1]), /only one dimension can be inferred/);
    throwsTorch(() => ones([2, 2], { device }).mm(ones([2, 2], { device, dtype: 'float64' })), /^mm: expected .*(dtype|same|scalar type)/i);
    throwsTorch(() => ones([2], { device }).indexSelect(0, ones([1], { device })), /^indexSelect: .*(Long|Int|index)/i);
    throwsTorch(() => ones([2], { device, dtype: 'int64' }).requiresGrad_(), /floating point/);
  });
});

test('invalid dimensions and out-of-range indices raise', () => {
  tidy(() => {
    const t = ones([2, 3], { device });
    throwsTorch(() => t.sum(5), /Dimension out of range/);
    throwsTorch(() => t.transpose(0, 9), /Dimension out of range/);
    throwsTorch(() => t.narrow(1, 2, 5), /narrow|exceeds|start/);
    throwsTorch(() => t.select(0, 7), /out of range/);
    throwsTorch(() => t.permute([0]), /permute|number of dims/);
    if (device === 'cpu') {
      throwsTorch(() => ones([3, 2]).indexSelect(0, tensor([5], { dtype: 'int64' })), /out of range|index/);
      throwsTorch(() => ones([3, 2]).gather(0, tensor([[9, 0]], { dtype: 'int64' })), /out of bounds|index/);
    }
    assert.throws(() => t.size(4), /out of range/);
  });
});

test('bad values from JS: non-integers, NaN sizes, wrong types, unknown dtypes and devices', () => {
  tidy(() => {
    throwsTorch(() => zeros([2.5]), /must be an array of integers/, 'argument');
    throwsTorch(() => zeros([Number.NaN]), /must be an array of integers/, 'argument');
    throwsTorch(() => zeros([-3]), /negative|Trying to create tensor with negative dimension/);
    throwsTorch(() => zeros([2], { dtype: 'complex64' as DType }), /unknown dtype "complex64"/, 'argument');
    throwsTorch(() => zeros([2], { device: 'gpu' as 'cpu' }), /unknown device "gpu"/, 'argument');
    throwsTorch(() => ones([2]).sum(0.5), /integer/, 'argument');
    throwsTorch(() => ones([2]).topk(1.5), /integer/, 'argument');
    throwsTorch(() => ones([2]).narrow(0, 0, Number.POSITIVE_INFINITY), /integer/, 'argument');
  });
});

test('the native layer validates every handle (garbage, stale, foreign numbers)', () => {
  const native = N as unknown as Record<string, (...args: unknown[]) => unknown>;
  const garbage: unknown[] = [undefined, null, 'x', {}, [], 1.5, -1, 0, 2 ** 52, Number.NaN, Symbol('s'), () => 1, 10n];
  for (const g of garbage) {
    throwsTorch(() => native.add!(g, g), /must be a tensor handle/, 'argument');
    throwsTorch(() => native.cat!([g], 0), /tensor handles|must be an array of tensors/, 'argument');
  }
  const h = N.zeros([1], 6, 'cpu');
  N.free(h);
  assert.equal(N.free(h), false);
  throwsTorch(() => N.neg(h), /is a disposed tensor/, 'argument');
  const reused = N.zeros([1], 6, 'cpu');
  throwsTorch(() => N.neg(h), /is a disposed tensor/, 'argument');
  N.free(reused);
  throwsTorch(() => native.fromBytes!('abc', 6, [1]), /typed array/, 'argument');
  throwsTorch(() => native.fromBytes!(new Uint8Array(4), 99, [1]), /not a supported dtype code/, 'argument');
  throwsTorch(() => native.zeros!([1], 6, 42), /must be a string/, 'argument');
  throwsTorch(() => native.rand!([1], 6, 'cpu', {}), /Generator handle/, 'argument');
  throwsTorch(() => native.inferenceModeExit!(), /without a matching enter/, 'argument');
  throwsTorch(() => native.readBytes!(N.zeros([2], 6, 'cpu'), 4, 8), /outside the tensor/, 'argument');
});

test('huge allocations raise an out-of-memory error instead of aborting', () => {
  throwsTorch(() => empty([1e6, 1e6, 1e6]), /allocate|overflow|memory/i);
  throwsTorch(() => zeros([2 ** 20, 2 ** 20, 2 ** 10]), /allocate|memory/i);
});

test('autograd misuse raises: backward of a non-scalar, twice through a freed graph, in-place on a leaf', () => {
  tidy(() => {
    const x = randn([3], { device, requiresGrad: true });
    throwsTorch(() => x.mul(2).backward(), /one-element tensor/, 'argument');
    const y = x.exp().sum();
    y.backward();
    throwsTorch(() => y.backward(), /second time|already been freed/);
    throwsTorch(() => x.add_(1), /leaf Variable that requires grad/);
    throwsTorch(() => ones([2], { device }).backward(), /one-element|does not require grad/);
  });
});

test('CUDA tensors work where CUDA is available and raise a clear error where not', () => {
  if (cudaAvailable()) {
    tidy(() => assert.match(zeros([2], { device: 'cuda' }).device, /^cuda:\d+$/));
    return;
  }
  throwsTorch(() => zeros([2], { device: 'cuda' }), /CUDA/);
  throwsTorch(() => ones([2]).cuda(), /CUDA/);
});

test('integer MIN / -1 (which traps on x86) raises instead of killing the process', () => {
  tidy(() => {
    const min64 = fromBytes(new Uint8Array(new BigInt64Array([-(2n ** 63n), 7n]).buffer), 'int64', [2]);
    const minus1 = tensor([-1, -1], { dtype: 'int64', device: 'cpu' });
    throwsTorch(() => min64.div(minus1, 'floor'), /^div: integer overflow: the minimum Long divided by -1/, 'argument');
    throwsTorch(() => min64.div(minus1, 'trunc'), /integer overflow/, 'argument');
    throwsTorch(() => min64.div(-1, 'floor'), /^divScalar: integer overflow/, 'argument');
    throwsTorch(() => min64.remainder(minus1), /^remainder: integer overflow/, 'argument');
    throwsTorch(() => min64.remainder(-1), /^remainderScalar: integer overflow/, 'argument');
    const min32 = tensor([-(2 ** 31), 5], { dtype: 'int32', device: 'cpu' });
    throwsTorch(() => min32.div(tensor([-1, 2], { dtype: 'int32' }), 'floor'), /minimum Int divided by -1/, 'argument');
    throwsTorch(() => min32.remainder(-1), /minimum Int/, 'argument');
    // The same values in a wider type, other divisors, and true division are fine.
    assert.deepEqual(min32.div(tensor([-1, 2], { dtype: 'int64' }), 'floor').toNumbers(), [2 ** 31, 2]);
    assert.deepEqual(min64.div(2, 'floor').toBigInt64Array(), new BigInt64Array([-(2n ** 62n), 3n]));
    assert.deepEqual(tensor([-7, 7], { dtype: 'int64' }).div(-1, 'floor').toNumbers(), [7, -7]);
    assert.deepEqual(tensor([-7, 7], { dtype: 'int64' }).remainder(-2).toNumbers(), [-1, -1]);
    assert.equal(min32.div(-1).dtype, 'float32');
    throwsTorch(() => tensor([1], { dtype: 'int64' }).div(0, 'floor'), /ZeroDivisionError/);
  });
});

test('non-Tensor arguments from untyped JS raise TorchErrors, not TypeErrors', () => {
  tidy(() => {
    const loose = ones([2]) as unknown as { add(x: unknown): unknown; matmul(x: unknown): unknown };
    for (const bad of [undefined, null, 'x', {}, [ones([2])], 3n]) {
      throwsTorch(() => loose.matmul(bad), /^Tensor: expected a Tensor, got /, 'argument');
    }
    throwsTorch(() => (einsum as unknown as (eq: string, ops: unknown) => unknown)('ij->j', [ones([2, 2])]), /expected a Tensor, got Array/, 'argument');
  });
});

test('fromBytes reads typed arrays over a SharedArrayBuffer and DataViews', () => {
  tidy(() => {
    const shared = new Float32Array(new SharedArrayBuffer(12));
    shared.set([1.5, -2, 3]);
    assert.deepEqual(fromBytes(new Uint8Array(shared.buffer, 4, 8), 'float32', [2]).toNumbers(), [-2, 3]);
    assert.deepEqual(tensor(shared.subarray(1)).toNumbers(), [-2, 3]);
    const dv = new DataView(shared.buffer, 4, 8);
    const h = N.fromBytes(dv, 6, [2]);
    assert.deepEqual(Array.from(new Float32Array(N.toBytes(h))), [-2, 3]);
    N.free(h);
    const t = zeros([2], { dtype: 'float32', device: 'cpu' });
    N.writeBytes(handleOf(t), 0, new Uint8Array(shared.buffer, 0, 8));
    assert.deepEqual(t.toNumbers(), [1.5, -2]);
  });
});

test('tensors from several worker threads at once: each thread has its own handles and live count', async () => {
  const engineUrl = new URL('./index.js', import.meta.url).href;
  // Each worker makes and frees many tensors while the others do the same: one shared handle
  // table corrupted the heap here.
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.engineUrl).then((E) => {
      const base = E.liveTensorCount();
      let acc = 0;
      for (let i = 0; i < 3000; i++) {
        acc += E.tidy(() => {
          for (let k = 0; k < 10; k++) E.ones([2]);
          return E.ones([3, 3]).mul(2).add(1).sum().item();
        });
      }
      parentPort.postMessage({ acc, leaked: E.liveTensorCount() - base });
    });`;
  const before = liveTensorCount();
  const runs = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise<{ acc: number; leaked: number }>((resolve, reject) => {
          const w = new Worker(code, { eval: true, workerData: { engineUrl } });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  for (const r of runs) assert.deepEqual(r, { acc: 3000 * 27, leaked: 0 });
  assert.equal(liveTensorCount(), before);
});

test('opening a folder as a safetensors file is an InputError naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clinsum-st-dir-'));
  try {
    assert.throws(
      () => SafetensorsFile.open(dir),
      (e: unknown) => e instanceof InputError && e.message.startsWith(`${dir}: is not a regular file`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
