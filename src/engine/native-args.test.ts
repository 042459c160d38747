// Every function the addon exports, called with hostile arguments (wrong types, stale and
// foreign handles, NaN, huge and negative numbers, too few arguments), must return or raise a
// TorchError: never crash the process, never throw anything else, never leak a tensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, writeSync } from 'node:fs';
import { N } from './native.js';
import { TorchError } from './errors.js';

const native = N as unknown as Record<string, (...args: unknown[]) => unknown>;

/**
 * CLINSUM_NATIVE_ARGS_TRACE=FILE writes each call to FILE before making it (synchronously), so
 * that a process that dies in a call leaves its name behind (scripts/gpu-check.sh uses it when
 * this file fails without a report).
 */
const traceFd = process.env.CLINSUM_NATIVE_ARGS_TRACE ? openSync(process.env.CLINSUM_NATIVE_ARGS_TRACE, 'w') : undefined;
const show = (a: unknown): string => (typeof a === 'symbol' ? 'Symbol' : typeof a === 'bigint' ? `${a}n` : (JSON.stringify(a) ?? String(a)));

/** Functions that change process-wide settings: they get only non-numeric garbage. */
const SETTINGS = new Set([
  'init',
  'free',
  'manualSeed',
  'setNumThreads',
  'setGradEnabled',
  'inferenceModeEnter',
  'inferenceModeExit',
  'autocastSet',
  'autocastNesting',
  'setDeterministic',
  'setMatmulPrecision',
  'setRngState',
  'generatorSetState',
  'profilerStart',
  'profilerStop',
]);

const NON_NUMERIC: unknown[] = [undefined, null, 'x', '', {}, [], [[]], Symbol('s'), 10n, true];
const NUMERIC: unknown[] = [Number.NaN, -1, 0, 1.5, 2 ** 60, -(2 ** 53), Number.POSITIVE_INFINITY, [Number.NaN], [-1, 2], [2 ** 40, 2 ** 40]];

function freeResult(r: unknown): void {
  if (typeof r === 'number') N.free(r);
  else if (Array.isArray(r)) r.forEach(freeResult);
}

function call(name: string, args: unknown[]): void {
  if (traceFd !== undefined) writeSync(traceFd, `${name}(${args.map(show).join(', ')})\n`);
  let r: unknown;
  try {
    r = native[name]!(...args);
  } catch (e) {
    assert.ok(e instanceof TorchError, `${name}(${args.map(show).join(', ')}) threw ${String(e)}`);
    return;
  } finally {
    while (N.isInferenceMode()) N.inferenceModeExit();
    if (N.profilerRunning()) N.profilerStop(); // `true` starts it
    if (!N.isGradEnabled()) N.setGradEnabled(true);
  }
  freeResult(r);
}

test('every native function survives hostile arguments and raises only TorchErrors', () => {
  const names = Object.keys(native).filter((k) => typeof native[k] === 'function').sort();
  assert.ok(names.length > 150, `${names.length} functions`);
  const before = N.liveCount();
  const stale = N.zeros([2], 6, 'cpu');
  N.free(stale);
  let calls = 0;
  for (const name of names) {
    const garbage = SETTINGS.has(name) ? NON_NUMERIC : [...NON_NUMERIC, ...NUMERIC, stale];
    for (const g of garbage) {
      for (const arity of [0, 1, 3, 8]) {
        call(name, new Array<unknown>(arity).fill(g));
        calls++;
      }
      if (SETTINGS.has(name)) continue;
      // A real tensor first (a fresh one each time: the call may free or change it), garbage after.
      const h = N.randn([2, 3], 6, 'cpu', undefined);
      call(name, [h, g, g, g, g, g, g, g]);
      const h2 = N.randn([2, 3], 6, 'cpu', undefined);
      call(name, [h, h2, g, g, g, g, g, g]);
      N.free(h);
      N.free(h2);
      calls += 2;
    }
  }
  assert.ok(calls > 5000);
  assert.equal(N.liveCount(), before, 'tensors leaked by failed calls');
});
