/** AWS clients for the local runner's handlers, built as production builds its own but pointed at one endpoint. */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { RbinClient } from '@aws-sdk/client-rbin';
import { SSMClient } from '@aws-sdk/client-ssm';
import { clientSettings } from '../src/aws/client-settings.ts';
import { countThrottles } from '../src/aws/throttles.ts';

/** EC2, Auto Scaling, SSM and Recycle Bin clients for an emulator at `endpoint`, with the shared settings read from `env`. */
export const emulatorClients = (endpoint: string, env: Readonly<Record<string, string | undefined>> = {}) => {
  const settings = {
    ...clientSettings(env),
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const { endpoint: _, ...rest } = settings;
  return {
    ec2: countThrottles(new EC2Client(settings)),
    autoScaling: new AutoScalingClient(settings),
    ssm: new SSMClient(settings),
    recycleBin: new RbinClient({ endpoint, region: rest.region, credentials: rest.credentials, maxAttempts: rest.maxAttempts }),
  };
};
