import type { BusEvent } from '../ami-events.ts';
import type { Faults } from '../faults.ts';
import type { SsmDocument } from '../model.ts';
import type { Organization, Session } from '../organization.ts';
import type { Query } from '../query.ts';
import type { Store } from '../store.ts';

export interface EmulatorOptions {
  region: string;
  /** How many describes see a new image `pending` before it settles. */
  pendingPolls: number;
  /** `pendingPolls` for the images of one region (a copy that takes longer there); `pendingPolls` elsewhere. */
  pendingPollsIn?: Readonly<Record<string, number>>;
  /** How many reads of an `aws:ec2:image` parameter still see the old value after a write (SSM validates asynchronously). */
  parameterValidationReads: number;
  /** How many DescribeInstanceStatus looks see a new instance's status checks `initializing` before they settle. */
  bootPolls: number;
  /**
   * Time mode: a new image takes this many seconds of the emulator's clock (by region when `imageSecondsIn` names it)
   * and settles then, with its event, whoever looks (`passTime` moves the clock); absent: looks settle it (`pendingPolls`).
   */
  imageSeconds?: number;
  imageSecondsIn?: Readonly<Record<string, number>>;
  /** Time mode for Run Command: a command ends this many seconds after SendCommand, with its event, whoever reads it. */
  commandSeconds?: number;
  /** The emulator's clock: creation dates and snapshot times come from it. */
  now: () => Date;
  /** Systems Manager documents the deployed stack made (the clean-up document): kept when the account is emptied. */
  documents?: readonly SsmDocument[];
  /** The account's opt-in Regions and whether each is enabled (DescribeRegions); every other Region needs no opt-in. */
  optInRegions?: Readonly<Record<string, 'opted-in' | 'not-opted-in'>>;
}

export interface ActionContext {
  store: Store;
  faults: Faults;
  options: EmulatorOptions;
  /** Whether the caller may ec2:DescribeImages, for SSM's validation of an aws:ec2:image value; unchecked when absent. */
  callerMayDescribeImages?: boolean;
  /** The same account in another region (CopyImage reads its source there); this region's own when absent. */
  storeIn?: (region: string) => Store;
  /** Puts an event on the default bus, as EC2 does when an image changes state (emulator/ami-events.ts). */
  emit?: (event: BusEvent) => void;
  /** The account the request acts in: another account of the organization when signed with a session of its role. */
  account?: string;
  /** The other accounts of the model, and the sessions AssumeRole issued into them. */
  organization?: Organization;
  sessions?: Map<string, Session>;
  /** The image account's resources in this region (an image shared with this account lives there). */
  imageAccount?: Store;
}

/** A request's parameters as a JSON protocol decodes them. */
export type Params = Record<string, unknown>;

/**
 * One action of any service, the one shape: reads its parameters (the Query protocol's `Query`, or a JSON body
 * with the path's parameters), reads or changes the store, returns the response body or throws a ServiceError.
 */
export type Action<P = Query> = (params: P, ctx: ActionContext) => object;

/** An action with what it does to the account: `mutating` when it changes it (a test of bad input asserts none ran). */
export interface ActionDef<P = Query> {
  run: Action<P>;
  mutating: boolean;
}
export type Actions<P = Params> = Record<string, ActionDef<P>>;

/** An action that only reads. */
export const reads = <P>(run: Action<P>): ActionDef<P> => ({ run, mutating: false });
/** An action that changes the account. */
export const changes = <P>(run: Action<P>): ActionDef<P> => ({ run, mutating: true });
