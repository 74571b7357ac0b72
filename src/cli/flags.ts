/** What every subcommand of `ami-rotator` shares: its usage error (exit 2) and how its flags are read. */
import { type ParseArgsConfig, parseArgs } from 'node:util';

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
