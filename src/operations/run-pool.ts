/**
 * At most `parallelism` calls of `fn` at a time, over `items` in order (every request still passes
 * the client's shared rate limiter). The first rejection rejects the pool; calls already started
 * finish on their own.
 */
export async function runPool<T>(
  items: readonly T[],
  parallelism: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      const item = items[index];
      if (index >= items.length) return;
      await fn(item as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallelism, items.length)) }, worker));
}
