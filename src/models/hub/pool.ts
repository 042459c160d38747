/** Bounded concurrency for the HEADs and downloads of a pull. */

/** Run `fn` over `items`, `n` at a time; the first failure stops new work and aborts the rest. */
export async function runPool<T>(items: readonly T[], n: number, abort: AbortController, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        if (!failed) {
          failed = true;
          firstError = e;
          abort.abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (failed) throw firstError;
}
