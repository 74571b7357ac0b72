/**
 * EC2's `EC2 AMI State Change` events (EC2 User Guide, "Monitor AMI events using Amazon EventBridge"), as EC2 puts them
 * on the default event bus when an image becomes `available` or `failed` (CreateImage, CopyImage), `deregistered`
 * (DeregisterImage), `disabled` (DisableImage) or `available` again (EnableImage). EC2 sends them on a best-effort
 * basis; the emulator records every one, and a test drops, repeats or delays them as it needs (issue 29).
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
