/** Calls `fn` on every item, at most `size` in flight: the CLI's reads stay inside an API's burst, in order. */
export const inBatches = async <T, R>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<R>,
  afterEach?: (done: number) => void,
): Promise<R[]> => {
  const results: R[] = [];
  for (let at = 0; at < items.length; at += size) {
    results.push(...(await Promise.all(items.slice(at, at + size).map(fn))));
    afterEach?.(results.length);
  }
  return results;
};
