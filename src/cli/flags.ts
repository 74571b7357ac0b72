/** What every subcommand of `ami-rotator` shares: its usage error (exit 2) and how its flags are read. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { FAMILY_PATTERN, FAMILY_RULE } from '../rotation/family.ts';

/** A command line the command cannot take: the message says what is wrong, and the usage when it helps. */
export class UsageError extends Error {
  override readonly name = 'UsageError' as const;
}

/** The flags of a subcommand, strictly: an unknown flag or a missing value is a UsageError followed by the usage. */
export const parseFlags = (
  argv: readonly string[],
  options: NonNullable<ParseArgsConfig['options']>,
  usage: string,
): Record<string, string | boolean | undefined> => {
  try {
    return parseArgs({ args: [...argv], options }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${usage}`);
  }
};

/** A date written out in full (`2027-01-31` or `2027-01-31T00:00:00Z`) that names a real day, or undefined. */
export const exactDate = (text: string): Date | undefined => {
  const match = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.exec(text);
  const date = new Date(text);
  if (!match || Number.isNaN(date.getTime())) return undefined;
  // Date rolls 2027-02-30 over to March 2: the day it names must be the day it parsed to.
  const day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return day.getUTCDate() === Number(match[3]) && day.getUTCMonth() === Number(match[2]) - 1 ? date : undefined;
};

const SPAN_HOURS: Record<string, number> = { h: 1, d: 24, w: 24 * 7 };

/** `--since`: a span back from `now` (`36h`, `30d`, `8w`, at most 10 years) or a date; a UsageError otherwise. */
export const parseSince = (text: string, now: Date): Date => {
  const span = /^(\d{1,6})([hdw])$/.exec(text);
  const hours = span ? Number(span[1]) * (SPAN_HOURS[span[2] ?? ''] ?? 0) : undefined;
  if (hours !== undefined && hours > 0 && hours <= 24 * 3653) return new Date(now.getTime() - hours * 3_600_000);
  const date = hours === undefined ? exactDate(text) : undefined;
  if (date !== undefined && date.getTime() <= now.getTime()) return date;
  throw new UsageError(
    `--since: expected a span such as 36h, 30d or 8w (up to 10 years), or a past date such as 2026-01-31, got "${text}"`,
  );
};

/** `--family`: absent, or a family name as the input contract spells it. */
export const familyFlag = (value: string | boolean | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && FAMILY_PATTERN.test(value)) return value;
  throw new UsageError(`--family: ${FAMILY_RULE}, got "${String(value)}"`);
};
