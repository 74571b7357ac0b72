import type { Faults } from '../faults.ts';
import type { Query } from '../query.ts';
import type { Store } from '../store.ts';

export interface EmulatorOptions {
  region: string;
  /** How many describes see a new image `pending` before it settles. */
  pendingPolls: number;
  /** How many reads of an `aws:ec2:image` parameter still see the old value after a write (SSM validates asynchronously). */
  parameterValidationReads: number;
  /** How many DescribeInstanceStatus looks see a new instance's status checks `initializing` before they settle. */
  bootPolls: number;
  /** The emulator's clock: creation dates and snapshot times come from it. */
  now: () => Date;
}

export interface ActionContext {
  store: Store;
  faults: Faults;
  options: EmulatorOptions;
  /** Whether the caller may ec2:DescribeImages, for SSM's validation of an aws:ec2:image value; unchecked when absent. */
  callerMayDescribeImages?: boolean;
}

/** One EC2 action: reads the query, changes the store, returns the response body. */
export type Action = (q: Query, ctx: ActionContext) => object;
