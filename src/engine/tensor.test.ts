// Tensor creation, readback, element-wise ops, reductions, shape and indexing ops.
// Runs on CLINSUM_TEST_DEVICE (default cpu) with float values in CLINSUM_TEST_DTYPE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  arange,
  assertClose,
  cat,
  empty,
  eye,
  fromBytes,
  full,
  fullLike,
  linspace,
  ones,
  onesLike,
  randn,
  searchsorted,
  stack,
  tensor,
  testDevice,
  testDtype,
  tidy,
  tolerance,
  where,
  zeros,
  zerosLike,
  einsum,
  type DType,
} from './index.js';

const device = testDevice();
const dtype = testDtype();
const tol = tolerance(dtype);

test('tensor() infers shape and dtype from nested arrays and typed arrays', () => {
  tidy(() => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(a.shape, [2, 3]);
    assert.equal(a.dtype, 'float32');
    assert.equal(a.device, 'cpu');
    assert.deepEqual(a.toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.equal(tensor([true, false]).dtype, 'bool');
    assert.deepEqual(tensor([true, false]).toArray(), [1, 0]);
    assert.equal(tensor(3.5).item(), 3.5);
    assert.deepEqual(tensor(3.5).shape, []);
    assert.equal(tensor(new Float64Array([1, 2])).dtype, 'float64');
    assert.equal(tensor(new Int32Array([1, 2])).dtype, 'int32');
    assert.equal(tensor(new BigInt64Array([1n, 2n])).dtype, 'int64');
    assert.equal(tensor(new Uint8Array([1, 0])).dtype, 'bool');
    assert.equal(tensor(new Uint8Array([1, 0]), { dtype: 'uint8' }).dtype, 'uint8');
    assert.deepEqual(tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] }).toArray(), [[1, 2], [3, 4], [5, 6]]);
    const ids = tensor([5, 7], { dtype: 'int64', device });
    assert.equal(ids.dtype, 'int64');
    assert.deepEqual(ids.toNumbers(), [5, 7]);
    assert.equal(tensor([[]]).numel, 0);
    assert.deepEqual(tensor([[]]).shape, [1, 0]);
  });
});

test('tensor() rejects ragged data and non-integers for integer dtypes', () => {
  assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
  assert.throws(() => tensor([1.5], { dtype: 'int64' }), /not an integer/);
  assert.throws(() => tensor([1, 2], { shape: [2] }), /typed arrays only/);
});

test('fromBytes/toBytes round-trip every dtype bit-exactly', () => {
  tidy(() => {
    const cases: [DType, number][] = [
      ['float32', 4],
      ['float64', 8],
      ['bfloat16', 2],
      ['float16', 2],
      ['int64', 8],
      ['int32', 4],
      ['bool', 1],
      ['uint8', 1],
    ];
    for (const [dt, size] of cases) {
      const bytes = new Uint8Array(6 * size);
      for (let i = 0; i < bytes.length; i++) bytes[i] = dt === 'bool' ? i % 2 : (i * 37 + 11) & 0x7f;
      const t = fromBytes(bytes, dt, [2, 3], { device });
      assert.equal(t.dtype, dt);
      assert.deepEqual(t.shape, [2, 3]);
      assert.deepEqual(t.toBytes(), bytes, dt);
    }
    assert.throws(() => fromBytes(new Uint8Array(5), 'float32', [2]), /byte length 5 does not match/);
  });
});

test('half-precision values read back as float32, bfloat16 rounds like PyTorch', () => {
  tidy(() => {
    const t = tensor([1, 1.00390625, 3.14159], { dtype: 'bfloat16', device });
    // bf16 keeps 8 significant bits: 1.00390625 (1 + 2^-8) rounds to even (1), pi to 3.140625.
    assert.deepEqual(Array.from(t.toFloat32Array()), [1, 1, 3.140625]);
    assert.ok(t.toTypedArray() instanceof Float32Array);
    const h = tensor([0.1], { dtype: 'float16', device });
    assert.equal(h.toFloat32Array()[0], 0.0999755859375);
  });
});

test('constants, ranges and *Like', () => {
  tidy(() => {
    assert.deepEqual(zeros([2, 2], { device }).toArray(), [[0, 0], [0, 0]]);
    assert.deepEqual(ones([3], { dtype: 'int32', device }).toArray(), [1, 1, 1]);
    assert.deepEqual(full([2], 7, { device }).toArray(), [7, 7]);
    assert.equal(full([1], true).dtype, 'bool');
    assert.deepEqual(arange(4, { device }).toArray(), [0, 1, 2, 3]);
    assert.equal(arange(4).dtype, 'int64');
    assert.deepEqual(arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
    assert.equal(arange(1, 2, 0.25).dtype, 'float32');
    assert.deepEqual(linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
    const x = randn([2, 3], { dtype, device });
    assert.deepEqual(zerosLike(x).shape, [2, 3]);
    assert.equal(onesLike(x).dtype, dtype);
    assert.equal(fullLike(x, 2).device, x.device);
    assert.deepEqual(empty([4, 0]).shape, [4, 0]);
  });
});

test('element-wise arithmetic broadcasts and keeps integer tensors integral with integer scalars', () => {
  tidy(() => {
    const a = tensor([[1, 2], [3, 4]], { dtype, device });
    const b = tensor([10, 20], { dtype, device });
    assertClose(a.add(b), [11, 22, 13, 24], tol);
    assertClose(a.add(b, 2), [21, 42, 23, 44], tol);
    assertClose(a.sub(1), [0, 1, 2, 3], tol);
    assertClose(a.mul(b), [10, 40, 30, 80], tol);
    assertClose(a.div(2), [0.5, 1, 1.5, 2], tol);
    assertClose(a.pow(2), [1, 4, 9, 16], tol);
    assertClose(a.rsub(10), [9, 8, 7, 6], tol);
    assertClose(a.neg().abs(), [1, 2, 3, 4], tol);
    assertClose(a.sqrt(), [1, Math.SQRT2, Math.sqrt(3), 2], tol);
    assertClose(a.rsqrt(), [1, 1 / Math.SQRT2, 1 / Math.sqrt(3), 0.5], tol);
    assertClose(a.exp().log(), [1, 2, 3, 4], { rtol: tol.rtol * 4, atol: tol.atol * 4 });
    assertClose(a.tanh(), [1, 2, 3, 4].map(Math.tanh), tol);
    assertClose(a.sigmoid(), [1, 2, 3, 4].map((v) => 1 / (1 + Math.exp(-v))), tol);
    assertClose(a.silu(), [1, 2, 3, 4].map((v) => v / (1 + Math.exp(-v))), tol);
    assertClose(a.sin(), [1, 2, 3, 4].map(Math.sin), tol);
    assertClose(a.cos(), [1, 2, 3, 4].map(Math.cos), tol);
    assertClose(a.clamp(2, 3), [2, 2, 3, 3], tol);
    assertClose(a.maximum(b.div(8)), [1.25, 2.5, 3, 4], tol);
    assertClose(a.minimum(b.div(8)), [1, 2, 1.25, 2.5], tol);
    assertClose(a.square(), [1, 4, 9, 16], tol);
    assertClose(a.reciprocal(), [1, 0.5, 1 / 3, 0.25], tol);
    const ints = tensor([7, -7], { dtype: 'int64', device });
    assert.equal(ints.add(1).dtype, 'int64');
    assert.equal(ints.mul(0.5).dtype, 'float32');
    assert.deepEqual(ints.div(2, 'floor').toNumbers(), [3, -4]);
    assert.deepEqual(ints.div(2, 'trunc').toNumbers(), [3, -3]);
    assert.deepEqual(ints.remainder(3).toNumbers(), [1, 2]);
  });
});

test('gelu matches the erf and tanh formulas', () => {
  tidy(() => {
    const xs = [-2, -0.5, 0, 0.7, 3];
    const x = tensor(xs, { dtype, device });
    // Exact GELU is x·Φ(x) = x/2·(1 + erf(x/√2)); erf from a float64 tensor.
    const erfs = tensor(xs.map((v) => v / Math.SQRT2), { dtype: 'float64' }).erf().toNumbers();
    const exactGelu = xs.map((v, i) => 0.5 * v * (1 + erfs[i]!));
    assertClose(x.gelu(), exactGelu, tol);
    const tanhGelu = xs.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
    assertClose(x.gelu('tanh'), tanhGelu, tol);
  });
});

test('comparisons, logic, where and maskedFill', () => {
  tidy(() => {
    const a = tensor([1, 2, 3, 4], { dtype, device });
    assert.deepEqual(a.gt(2).toArray(), [0, 0, 1, 1]);
    assert.equal(a.gt(2).dtype, 'bool');
    assert.deepEqual(a.eq(tensor([1, 0, 3, 0], { dtype, device })).toArray(), [1, 0, 1, 0]);
    assert.deepEqual(a.le(2).logicalAnd(a.ge(2)).toArray(), [0, 1, 0, 0]);
    assert.deepEqual(a.lt(2).logicalOr(a.ne(4).logicalNot()).toArray(), [1, 0, 0, 1]);
    assertClose(where(a.gt(2), a, 0), [0, 0, 3, 4], tol);
    assertClose(where(a.gt(2), -1, a), [1, 2, -1, -1], tol);
    assert.throws(() => where(a.gt(2), 1, 2), /needs a tensor/);
    assertClose(a.maskedFill(a.lt(3), -5), [-5, -5, 3, 4], tol);
    const nan = tensor([1, Number.NaN, Number.POSITIVE_INFINITY], { device });
    assert.deepEqual(nan.isnan().toArray(), [0, 1, 0]);
    assert.deepEqual(nan.isfinite().toArray(), [1, 0, 0]);
    assert.deepEqual(nan.isinf().toArray(), [0, 0, 1]);
    assert.equal(a.equal(a.clone()), true);
    assert.equal(a.allclose(a.add(1e-9)), true);
  });
});

test('in-place ops change the tensor and return it', () => {
  tidy(() => {
    const a = zeros([3], { dtype, device });
    assert.equal(a.add_(2), a);
    a.mul_(3).sub_(1).div_(5);
    assertClose(a, [1, 1, 1], tol);
    a.add_(tensor([1, 2, 3], { dtype, device }), 2);
    assertClose(a, [3, 5, 7], tol);
    a.clamp_(4, 6);
    assertClose(a, [4, 5, 6], tol);
    a.maskedFill_(a.gt(4.5), 0);
    assertClose(a, [4, 0, 0], tol);
    a.fill_(9);
    assertClose(a, [9, 9, 9], tol);
    a.copy_(tensor([1, 2, 3], { dtype: 'float64' }));
    assertClose(a, [1, 2, 3], tol);
    a.zero_();
    assertClose(a, [0, 0, 0], tol);
  });
});

test('reductions over all, one or several dimensions', () => {
  tidy(() => {
    const a = tensor([[1, 5, 3], [4, 2, 6]], { dtype, device });
    assert.equal(a.sum().item(), 21);
    assertClose(a.sum(0), [5, 7, 9], tol);
    assertClose(a.sum(-1, true), [9, 12], tol);
    assert.deepEqual(a.sum(-1, true).shape, [2, 1]);
    assertClose(a.sum([0, 1]), 21, tol);
    assertClose(a.mean(1), [3, 4], tol);
    assert.equal(a.max().item(), 6);
    assert.equal(a.min().item(), 1);
    const m = a.maxDim(1);
    assertClose(m.values, [5, 6], tol);
    assert.deepEqual(m.indices.toNumbers(), [1, 2]);
    assert.deepEqual(a.minDim(0).indices.toNumbers(), [0, 1, 0]);
    assertClose(a.amax(0), [4, 5, 6], tol);
    assertClose(a.amin([0, 1]), 1, tol);
    assert.deepEqual(a.argmax(1).toNumbers(), [1, 2]);
    assert.equal(a.argmax().item(), 5);
    assert.deepEqual(a.argmin(0).toNumbers(), [0, 1, 0]);
    assertClose(a.logsumexp(1), [Math.log(Math.exp(1) + Math.exp(5) + Math.exp(3)), Math.log(Math.exp(4) + Math.exp(2) + Math.exp(6))], tol);
    assertClose(a.var(1), [4, 4], tol);
    assertClose(a.std(1, false), [Math.sqrt(8 / 3), Math.sqrt(8 / 3)], tol);
    assertClose(a.norm(), Math.sqrt(1 + 25 + 9 + 16 + 4 + 36), tol);
    assertClose(a.norm(1, 1), [9, 12], tol);
    assertClose(a.norm(Number.POSITIVE_INFINITY), 6, tol);
    assertClose(a.float().prod(1), [15, 48], tol); // libtorch 1.13 has no bfloat16 prod on the CPU
    assert.equal(a.gt(0).all().item(), 1);
    assert.equal(a.gt(5).any().item(), 1);
    assert.deepEqual(a.gt(2).all(1).toArray(), [0, 0]);
    assert.equal(a.gt(2).countNonzero().item(), 4);
    assertClose(a.cumsum(1), [1, 6, 9, 4, 6, 12], tol);
    assert.equal(a.cumsum(1, 'float64').dtype, 'float64');
    assertClose(a.cumprod(0), [1, 5, 3, 4, 10, 18], tol);
    assertClose(a.softmax(1).sum(1), [1, 1], tol);
    assertClose(a.logSoftmax(1).exp().sum(1), [1, 1], tol);
    assert.equal(a.softmax(1, 'float32').dtype, 'float32');
  });
});

test('topk, sort and argsort', () => {
  tidy(() => {
    const a = tensor([[3, 1, 4, 1.5], [9, 2, 6, 5]], { dtype, device });
    const t = a.topk(2);
    assertClose(t.values, [4, 3, 9, 6], tol);
    assert.deepEqual(t.indices.toNumbers(), [2, 0, 0, 2]);
    assert.deepEqual(a.topk(1, -1, false).indices.toNumbers(), [1, 1]);
    const s = a.sort(-1, true);
    assertClose(s.values, [4, 3, 1.5, 1, 9, 6, 5, 2], tol);
    assert.deepEqual(a.argsort(1).toNumbers(), [1, 3, 0, 2, 1, 3, 2, 0]);
    assert.deepEqual(searchsorted(tensor([[1, 3, 5]]), tensor([[0, 3, 6]])).toNumbers(), [0, 1, 3]);
    assert.deepEqual(searchsorted(tensor([[1, 3, 5]]), tensor([[3]]), true).toNumbers(), [2]);
  });
});

test('shape ops', () => {
  tidy(() => {
    const a = arange(24, { device }).reshape([2, 3, 4]);
    assert.deepEqual(a.shape, [2, 3, 4]);
    assert.deepEqual(a.view([6, -1]).shape, [6, 4]);
    assert.deepEqual(a.permute([2, 0, 1]).shape, [4, 2, 3]);
    assert.equal(a.permute([2, 0, 1]).isContiguous, false);
    assert.equal(a.permute([2, 0, 1]).contiguous().isContiguous, true);
    assert.deepEqual(a.transpose(0, 2).shape, [4, 3, 2]);
    assert.deepEqual(tensor([[1, 2], [3, 4]]).t().toArray(), [[1, 3], [2, 4]]);
    assert.throws(() => a.t(), /2-d/);
    assert.deepEqual(a.narrow(2, 1, 2).select(0, 0).select(0, 0).toNumbers(), [1, 2]);
    assert.deepEqual(a.slice(2, 1, undefined, 2).select(0, 1).select(0, 2).toNumbers(), [21, 23]);
    assert.deepEqual(a.slice(1, -1).shape, [2, 1, 4]);
    assert.deepEqual(a.split(1, 1).map((t) => t.shape[1]), [1, 1, 1]);
    assert.deepEqual(a.split([1, 3], 2).map((t) => t.shape[2]), [1, 3]);
    assert.equal(a.chunk(2, 2).length, 2);
    assert.equal(a.unbind(0).length, 2);
    assert.deepEqual(tensor([1, 2]).unsqueeze(1).expand([2, 3]).toArray(), [[1, 1, 1], [2, 2, 2]]);
    assert.deepEqual(tensor([1, 2]).unsqueeze(0).expandAs(zeros([2, 2])).shape, [2, 2]);
    assert.deepEqual(zeros([1, 3, 1]).squeeze().shape, [3]);
    assert.deepEqual(zeros([1, 3, 1]).squeeze(0).shape, [3, 1]);
    assert.deepEqual(a.flatten(1).shape, [2, 12]);
    assert.deepEqual(a.flatten().shape, [24]);
    assert.deepEqual(a.flatten(1).unflatten(1, [3, 4]).shape, [2, 3, 4]);
    assert.deepEqual(tensor([1, 2]).repeat([2]).toArray(), [1, 2, 1, 2]);
    assert.deepEqual(tensor([1, 2]).repeatInterleave(2).toArray(), [1, 1, 2, 2]);
    assert.deepEqual(tensor([[1, 2]]).repeatInterleave(tensor([2], { dtype: 'int64' }), 0).toArray(), [[1, 2], [1, 2]]);
    assert.deepEqual(tensor([1, 2, 3]).flip([0]).toArray(), [3, 2, 1]);
    assert.deepEqual(tensor([1, 2, 3]).roll([1], [0]).toArray(), [3, 1, 2]);
    assert.deepEqual(ones([3, 3]).triu(1).toArray(), [[0, 1, 1], [0, 0, 1], [0, 0, 0]]);
    assert.deepEqual(ones([2, 3]).tril(1).toArray(), [[1, 1, 0], [1, 1, 1]]);
    assert.deepEqual(tensor([[1, 2]]).pad([1, 0, 0, 1], 9).toArray(), [[9, 1, 2], [9, 9, 9]]);
    assert.deepEqual(cat([tensor([1]), tensor([2, 3])]).toArray(), [1, 2, 3]);
    assert.deepEqual(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(), [[1, 3], [2, 4]]);
    assert.equal(a.size(-1), 4);
    assert.equal(a.ndim, 3);
    assert.equal(a.numel, 24);
  });
});

test('indexing: indexSelect, gather, scatter, maskedSelect, nonzero, oneHot, einsum', () => {
  tidy(() => {
    const w = tensor([[0, 1], [10, 11], [20, 21]], { dtype, device });
    const idx = tensor([2, 0, 2], { dtype: 'int64', device });
    assertClose(w.indexSelect(0, idx), [20, 21, 0, 1, 20, 21], tol);
    const g = tensor([[1], [0], [1]], { dtype: 'int64', device });
    assertClose(w.gather(1, g), [1, 10, 21], tol);
    const z = zeros([2, 3], { dtype, device });
    assertClose(z.scatter(1, tensor([[2], [0]], { dtype: 'int64', device }), 5), [0, 0, 5, 5, 0, 0], tol);
    assertClose(z.scatter(1, tensor([[2], [0]], { dtype: 'int64', device }), ones([2, 1], { dtype, device })), [0, 0, 1, 1, 0, 0], tol);
    assertClose(z.scatterAdd(1, tensor([[1, 1]], { dtype: 'int64', device }), ones([1, 2], { dtype, device })), [0, 2, 0, 0, 0, 0], tol);
    assertClose(zeros([3], { dtype, device }).indexAdd(0, tensor([0, 0], { dtype: 'int64', device }), ones([2], { dtype, device })), [2, 0, 0], tol);
    assertClose(w.maskedSelect(w.gt(10)), [11, 20, 21], tol);
    assert.deepEqual(tensor([0, 3, 0, 4]).nonzero().toArray(), [[1], [3]]);
    assert.deepEqual(tensor([0, 2], { dtype: 'int64' }).oneHot(3).toArray(), [[1, 0, 0], [0, 0, 1]]);
    assertClose(einsum('ij,j->i', w, tensor([1, 1], { dtype, device })), [1, 21, 41], tol);
  });
});

test('matmul family agrees with a float64 reference', () => {
  tidy(() => {
    const a = randn([3, 4, 5], { dtype: 'float64' });
    const b = randn([3, 5, 2], { dtype: 'float64' });
    const ref = a.matmul(b);
    const got = a.to({ dtype, device }).matmul(b.to({ dtype, device }));
    assertClose(got, ref, { rtol: tol.rtol * 10, atol: tol.atol * 10 + (dtype === 'bfloat16' ? 0.1 : 0) });
    assertClose(a.to({ dtype, device }).bmm(b.to({ dtype, device })), ref, { rtol: tol.rtol * 10, atol: tol.atol * 10 + (dtype === 'bfloat16' ? 0.1 : 0) });
    const m = a.select(0, 0);
    assertClose(m.to({ dtype, device }).mm(b.select(0, 0).to({ dtype, device })), ref.select(0, 0), { rtol: tol.rtol * 10, atol: tol.atol * 10 + (dtype === 'bfloat16' ? 0.1 : 0) });
    assertClose(tensor([1, 2]).outer(tensor([3, 4])), [3, 4, 6, 8]);
  });
});

test('to() converts dtype and device, cpu()/float() shortcuts, toString names the tensor', () => {
  tidy(() => {
    const a = tensor([1.7, -2.2], { device });
    assert.equal(a.to('int64').dtype, 'int64');
    assert.deepEqual(a.long().toNumbers(), [1, -2]);
    assert.equal(a.double().dtype, 'float64');
    assert.equal(a.bfloat16().dtype, 'bfloat16');
    assert.equal(a.half().dtype, 'float16');
    assert.equal(a.int().dtype, 'int32');
    assert.equal(a.bool().dtype, 'bool');
    assert.equal(a.cpu().device, 'cpu');
    assert.equal(a.to({ dtype: 'float64', device: 'cpu' }).dtype, 'float64');
    assert.match(String(a), /^Tensor\(float32 \[2\] (cpu|cuda:\d+)\)$/);
    assert.throws(() => a.to('tpu' as 'cpu'), /unknown device "tpu"/);
  });
});

test('item, toNumbers and toArray refuse what they cannot represent', () => {
  tidy(() => {
    assert.throws(() => tensor([1, 2]).item(), /one element/);
    const big = tensor(new BigInt64Array([2n ** 60n]));
    assert.throws(() => big.item(), /safe integers/);
    assert.throws(() => big.toNumbers(), /safe integers/);
    assert.equal(big.toBigInt64Array()[0], 2n ** 60n);
    assert.equal(tensor(5).toArray(), 5);
  });
});
