import type { Faults } from '../faults.ts';
import type { Query } from '../query.ts';
import type { Store } from '../store.ts';

export interface EmulatorOptions {
  region: string;
  /** How many describes see a new image `pending` before it settles. */
  pendingPolls: number;
  /** The emulator's clock: creation dates and snapshot times come from it. */
  now: () => Date;
}

export interface ActionContext {
  store: Store;
  faults: Faults;
  options: EmulatorOptions;
}

/** One EC2 action: reads the query, changes the store, returns the response body. */
export type Action = (q: Query, ctx: ActionContext) => object;
