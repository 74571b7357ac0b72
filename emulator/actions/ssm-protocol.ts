/** What every Systems Manager action of the emulator shares (Parameter Store and Run Command): its error and its shape. */
import type { Faults } from '../faults.ts';
import type { Store } from '../store.ts';
import type { EmulatorOptions } from './context.ts';

/** An SSM error: its `__type` is what the SDK names the exception after. */
export class SsmErrorResponse extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface SsmContext {
  store: Store;
  faults: Faults;
  options: EmulatorOptions;
  /** Whether the caller may ec2:DescribeImages, for the validation of an aws:ec2:image value; unchecked when absent. */
  callerMayDescribeImages?: boolean;
}
type Body = Record<string, unknown>;
export type SsmAction = (body: Body, ctx: SsmContext) => object;
