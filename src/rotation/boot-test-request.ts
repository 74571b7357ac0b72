/**
 * The boot test's part of the execution input (`bootTest`) and of the deployment (`ROTATOR_BOOT_TEST`):
 * where to launch the new image and how to judge it. Limits: RunInstances (InstanceType, SubnetId,
 * SecurityGroupId, IamInstanceProfile) and SSM SendCommand (DocumentName) in their API references.
 */
import * as z from 'zod/mini';

export interface BootTest {
  /** Tried in order: a type EC2 has no capacity for (or that the subnet's zone does not offer) gives way to the next. */
  instanceTypes: string[];
  subnetIds: string[];
  securityGroupIds: string[];
  /** The instance profile's name; needed for an SSM check (the agent's permissions). */
  instanceProfile?: string;
  /** An SSM document run on the instance once its status checks pass; a non-success fails the test. */
  ssmDocument?: string;
  timeoutMinutes: number;
  /** Keep an image whose boot test failed (tagged boot-test-failed) for inspection, instead of removing it. */
  keepFailedImage: boolean;
}

const MAX_CHOICES = 5;
// EC2 instance types: a family with a generation digit, a dot, a size (t3.micro, m7g.large, c6in.8xlarge, u-6tb1.metal).
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\d[a-z0-9-]*\.[a-z0-9-]+$/;
const SUBNET_ID = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
const SECURITY_GROUP_ID = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;
// IAM instance profile names: 1 to 128 of letters, digits and +=,.@_-.
const PROFILE_NAME = /^[\w+=,.@-]{1,128}$/;
// SSM document names: 3 to 128 of letters, digits, _ - . (an ARN or a shared document is not taken).
const DOCUMENT_NAME = /^[a-zA-Z0-9_.-]{3,128}$/;

const text = (error: string) => z.string({ error });
const choices = (pattern: RegExp, what: string, min: number) =>
  z.array(text(`expected ${what}`).check(z.regex(pattern, `expected ${what}`)), { error: `expected a list of ${what}` }).check(
    z.minLength(min, `expected at least ${min}`),
    z.maxLength(MAX_CHOICES, `expected at most ${MAX_CHOICES}`),
    z.refine((list) => new Set(list).size === list.length, 'expected no repeats'),
  );

export const bootTestSchema = z
  .strictObject(
    {
      instanceTypes: choices(INSTANCE_TYPE, 'an instance type such as t3.micro', 1),
      subnetIds: choices(SUBNET_ID, 'a subnet id such as subnet-0123456789abcdef0', 1),
      securityGroupIds: z.optional(choices(SECURITY_GROUP_ID, 'a security group id such as sg-0123456789abcdef0', 0)),
      instanceProfile: z.optional(
        text('expected a string').check(z.regex(PROFILE_NAME, 'expected an instance profile name (1 to 128 of letters, digits, +=,.@_-)')),
      ),
      ssmDocument: z.optional(
        text('expected a string').check(
          z.regex(DOCUMENT_NAME, 'expected an SSM document name such as AWS-RunShellScript or golden-image-smoke-test'),
        ),
      ),
      timeoutMinutes: z.optional(
        z
          .int({ error: 'expected a whole number of minutes from 5 to 60' })
          .check(
            z.minimum(5, 'expected a whole number of minutes from 5 to 60'),
            z.maximum(60, 'expected a whole number of minutes from 5 to 60'),
          ),
      ),
      keepFailedImage: z.optional(z.boolean({ error: 'expected true (keep an image that failed for inspection) or false' })),
    },
    {
      error:
        'expected an object with instanceTypes and subnetIds, and optionally securityGroupIds, instanceProfile, ssmDocument, timeoutMinutes, keepFailedImage',
    },
  )
  .check(
    z.refine(
      (t) => t.ssmDocument === undefined || t.instanceProfile !== undefined,
      "ssmDocument needs instanceProfile: the SSM agent on the test instance reaches Systems Manager with that profile's role",
    ),
  );

export const DEFAULT_BOOT_TIMEOUT_MINUTES = 15;

export const toBootTest = (value: z.infer<typeof bootTestSchema>): BootTest => ({
  instanceTypes: value.instanceTypes,
  subnetIds: value.subnetIds,
  securityGroupIds: value.securityGroupIds ?? [],
  ...(value.instanceProfile === undefined ? {} : { instanceProfile: value.instanceProfile }),
  ...(value.ssmDocument === undefined ? {} : { ssmDocument: value.ssmDocument }),
  timeoutMinutes: value.timeoutMinutes ?? DEFAULT_BOOT_TIMEOUT_MINUTES,
  keepFailedImage: value.keepFailedImage ?? false,
});
