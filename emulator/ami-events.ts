/**
 * EC2's `EC2 AMI State Change` events (EC2 User Guide, "Monitor AMI events using Amazon EventBridge"), as EC2 puts them
 * on the default event bus when an image becomes `available` or `failed` (CreateImage, CopyImage), `deregistered`
 * (DeregisterImage), `disabled` (DisableImage) or `available` again (EnableImage); and Systems Manager's
 * `EC2 Command Status-change Notification` when a Run Command command ends (Systems Manager User Guide, "Amazon
 * EventBridge event examples for Systems Manager", Run Command). Both are sent on a best-effort basis; the emulator
 * records every one, and a test drops, repeats or delays them as it needs (issue 29).
 */
import { randomUUID } from 'node:crypto';
import { ACCOUNT_ID } from './store.ts';

export interface AmiStateChange {
  version: '0';
  id: string;
  'detail-type': 'EC2 AMI State Change';
  source: 'aws.ec2';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: { RequestId: string; ImageId: string; State: 'available' | 'failed' | 'deregistered' | 'disabled'; ErrorMessage: string };
}

export const amiStateChange = (
  region: string,
  imageId: string,
  state: AmiStateChange['detail']['State'],
  at: Date,
  errorMessage = '',
): AmiStateChange => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'EC2 AMI State Change',
  source: 'aws.ec2',
  account: ACCOUNT_ID,
  time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region,
  resources: [`arn:aws:ec2:${region}::image/${imageId}`],
  detail: { RequestId: randomUUID(), ImageId: imageId, State: state, ErrorMessage: errorMessage },
});

export interface CommandStatusChange {
  version: '0';
  id: string;
  'detail-type': 'EC2 Command Status-change Notification';
  source: 'aws.ssm';
  account: string;
  time: string;
  region: string;
  /** The instances the command targets. */
  resources: string[];
  detail: {
    'command-id': string;
    'document-name': string;
    'requested-date-time': string;
    'expire-after': string;
    parameters: Record<string, string[]>;
    status: string;
  };
}

/** What the emulator puts on the default bus. */
export type BusEvent = AmiStateChange | CommandStatusChange;

export const commandStatusChange = (
  region: string,
  command: { commandId: string; documentName: string; instanceIds: readonly string[]; requestedAt: Date; timeoutSeconds: number },
  status: string,
  at: Date,
): CommandStatusChange => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'EC2 Command Status-change Notification',
  source: 'aws.ssm',
  account: ACCOUNT_ID,
  time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region,
  resources: command.instanceIds.map((id) => `arn:aws:ec2:${region}:${ACCOUNT_ID}:instance/${id}`),
  detail: {
    'command-id': command.commandId,
    'document-name': command.documentName,
    'requested-date-time': command.requestedAt.toISOString(),
    'expire-after': new Date(command.requestedAt.getTime() + command.timeoutSeconds * 1000).toISOString(),
    parameters: {},
    status,
  },
});
