export interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export const stats = (samples: readonly number[]): Stats => {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0, runs: sorted.length };
};

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
