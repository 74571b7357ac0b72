/** "Did you mean": the known name closest to a mistyped one, for the messages of the input contract and the deploy settings. */

/** Edit distance, with letters compared without regard to case (`keeplast` is one step from nothing: `keepLast`). */
const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const next = [i];
    for (let j = 1; j <= b.length; j += 1)
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1),
      );
    row = next;
  }
  return row[b.length] ?? 0;
};

/** The known name within three edits of `name`, the closest first; undefined when none is that close. */
export const closestName = (name: string, known: readonly string[]): string | undefined => {
  const closest = [...known].sort((a, b) => distance(name, a) - distance(name, b))[0];
  return closest !== undefined && distance(name, closest) <= 3 ? closest : undefined;
};
