/**
 * Memory scopes. Every tensor an op creates while a scope is open is recorded in it; when the
 * scope ends, each recorded tensor is disposed unless it is part of the scope's result (then it
 * moves to the enclosing scope) or was `keep()`-ed. Scopes nest and are synchronous.
 */
import { TorchError } from './errors.js';

/** What a scope can record: a tensor (or anything with the same lifetime contract). */
export interface Tracked {
  dispose(): void;
  readonly isDisposed: boolean;
}

/** Marks the objects a scope result walk treats as tracked resources. */
export const TRACKED: unique symbol = Symbol('clinsum.tracked');

const stack: Tracked[][] = [];
let current: Tracked[] | undefined;
const kept = new WeakSet<Tracked>();

/** Records a new tensor in the innermost open scope (called by every tensor constructor). */
export function track(t: Tracked): void {
  if (current !== undefined) current.push(t);
}

/** Keeps `t` alive past every scope it was created in; the caller now owns it. Returns `t`. */
export function keep<T extends Tracked>(t: T): T {
  kept.add(t);
  return t;
}

/** Number of scopes open right now. */
export function scopeDepth(): number {
  return stack.length;
}

/** A scope opened by `startScope()`: end it (or let `using` end it) to free what it recorded. */
export interface Scope extends Disposable {
  /** Ends the scope: frees every recorded tensor except those reachable from `result`. */
  end(result?: unknown): void;
}

/**
 * Opens a scope by hand (for `using s = startScope()`); `tidy(fn)` is the usual way.
 * Scopes must end in the reverse order they started.
 */
export function startScope(): Scope {
  const list: Tracked[] = [];
  stack.push(list);
  current = list;
  let ended = false;
  const end = (result?: unknown): void => {
    if (ended) return;
    if (stack[stack.length - 1] !== list) {
      throw new TorchError('scopes must end in the reverse order they started', 'scope', 'argument');
    }
    ended = true;
    stack.pop();
    current = stack[stack.length - 1];
    release(list, result);
  };
  return { end, [Symbol.dispose]: () => end() };
}

/**
 * Runs `fn` in a scope: every tensor created inside and not returned is disposed when `fn`
 * returns or throws. Tensors reachable from the result — directly, or inside arrays, Maps,
 * Sets and object fields (any depth) — move to the enclosing scope instead. Tensors held only
 * in private (#) fields are not seen: `keep()` those. `fn` must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = startScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scope.end();
    throw e;
  }
  if (isThenable(result)) {
    scope.end();
    throw new TorchError('tidy() takes a synchronous function; await outside it and tidy each synchronous step', 'tidy', 'argument');
  }
  scope.end(result);
  return result;
}

function release(list: Tracked[], result: unknown): void {
  const out = new Set<Tracked>();
  if (result !== undefined) collect(result, out, new Set(), 0);
  for (const t of list) {
    if (t.isDisposed || kept.has(t)) continue;
    if (out.has(t)) track(t);
    else t.dispose();
  }
}

/**
 * Finds the tracked resources reachable from a scope's result: inside arrays, Maps, Sets and
 * the own enumerable fields of any object (a KV cache class, say), 32 levels deep at most.
 */
function collect(v: unknown, out: Set<Tracked>, seen: Set<object>, depth: number): void {
  if (v === null || typeof v !== 'object' || depth > 32 || seen.has(v)) return;
  if (TRACKED in v) {
    out.add(v as unknown as Tracked);
    return;
  }
  seen.add(v);
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return;
  if (Array.isArray(v) || v instanceof Set) {
    for (const x of v) collect(x, out, seen, depth + 1);
  } else if (v instanceof Map) {
    for (const x of v.values()) collect(x, out, seen, depth + 1);
  } else {
    for (const x of Object.values(v)) collect(x, out, seen, depth + 1);
  }
}

export function isThenable(v: unknown): boolean {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}
