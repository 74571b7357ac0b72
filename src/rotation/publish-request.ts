/**
 * Where a new image is handed on (`publish` in the input, `ROTATOR_PUBLISH` in the deployment, and each region's
 * `publish` under `distribute`): an SSM parameter under the deployment's publish path and launch templates.
 */
import * as z from 'zod/mini';
import { ConfigurationError, InvalidInputError } from '../errors.ts';

const text = (error: string) => z.string({ error });

// SSM PutParameter, Name: a-zA-Z0-9_.-/, fully qualified (a leading /), at most 2048 characters and 15 levels,
// not prefixed aws or ssm. EC2 CreateLaunchTemplateVersion: an id lt- and 17 hex digits, or a name of 3 to 128
// characters of a-zA-Z0-9().-/_.
const PARAMETER = /^\/[a-zA-Z0-9_.\-/]{1,2047}$/;
const TEMPLATE_ID = /^lt-[0-9a-f]{17}$/;
const TEMPLATE_NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/;
const MAX_TEMPLATES = 5;
const parameterName = text('expected a string').check(
  z.regex(PARAMETER, 'expected an SSM parameter name such as /golden/web-prod/latest: a leading /, then letters, digits, _ . - /'),
  z.refine((n) => !/^\/(aws|ssm)/i.test(n), 'names under /aws and /ssm are reserved by AWS'),
  z.refine((n) => n.split('/').filter(Boolean).length <= 15, 'expected at most 15 levels'),
);
const launchTemplate = z
  .strictObject(
    {
      id: z.optional(text('expected a string').check(z.regex(TEMPLATE_ID, 'expected a launch template id such as lt-0123456789abcdef0'))),
      name: z.optional(
        text('expected a string').check(z.regex(TEMPLATE_NAME, 'expected a launch template name of 3 to 128 letters, digits or ().-/_')),
      ),
      setDefault: z.optional(z.boolean({ error: 'expected true (make the new version the default) or false' })),
    },
    { error: 'expected {id or name, setDefault?}' },
  )
  .check(z.refine((t) => (t.id === undefined) !== (t.name === undefined), 'expected exactly one of id and name'));
// Launch permissions (ModifyImageAttribute, LaunchPermission): account ids, organization and OU ARNs as AWS
// Organizations writes them. At most 200 accounts: what one AMI usage report can ask about (CreateImageUsageReport).
const ACCOUNT_ID = /^\d{12}$/;
const ORGANIZATION_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/;
const OU_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const listOf = (pattern: RegExp, expected: string, max: number) =>
  z.optional(
    z
      .array(z.string({ error: `expected ${expected}` }).check(z.regex(pattern, `expected ${expected}`)), {
        error: `expected a list of ${expected}`,
      })
      .check(z.maxLength(max, `expected at most ${max}`)),
  );
export const shareSchema = z
  .strictObject(
    {
      accounts: listOf(ACCOUNT_ID, 'account ids of 12 digits', 200),
      organizations: listOf(
        ORGANIZATION_ARN,
        'organization ARNs such as arn:aws:organizations::111122223333:organization/o-exampleorgid',
        10,
      ),
      organizationalUnits: listOf(
        OU_ARN,
        'OU ARNs such as arn:aws:organizations::111122223333:ou/o-exampleorgid/ou-examplerootid-exampleouid',
        50,
      ),
    },
    { error: 'expected {accounts?, organizations?, organizationalUnits?}' },
  )
  .check(
    z.refine(
      (s) => (s.accounts?.length ?? 0) + (s.organizations?.length ?? 0) + (s.organizationalUnits?.length ?? 0) > 0,
      'expected at least one account, organization or OU (null shares with no one)',
    ),
  );

/** With whom an image is shared: launch permissions for these accounts, organizations and OUs. */
export interface Share {
  accounts: string[];
  organizations: string[];
  organizationalUnits: string[];
}
export const toShare = (value: z.infer<typeof shareSchema> | null | undefined): Share | undefined =>
  value == null
    ? undefined
    : { accounts: value.accounts ?? [], organizations: value.organizations ?? [], organizationalUnits: value.organizationalUnits ?? [] };

const HOURS_RULE = 'expected a whole number of hours from 1 to 720 (30 days)';
const HOURS = z.int({ error: HOURS_RULE }).check(z.minimum(1, HOURS_RULE), z.maximum(720, HOURS_RULE));
// The candidate channel: where a new image is published first; it reaches the stable channel (the family's own
// parameter, launch templates and consumers) after a soak, or when a person approves.
const candidateSchema = z
  .strictObject(
    {
      parameter: z.optional(parameterName),
      launchTemplates: z.optional(
        z
          .array(launchTemplate, { error: 'expected a list of launch templates' })
          .check(z.maxLength(MAX_TEMPLATES, `expected at most ${MAX_TEMPLATES} launch templates`)),
      ),
      promoteAfterHours: z.optional(HOURS),
      approval: z.optional(
        z.strictObject(
          { deadlineHours: HOURS },
          { error: 'expected {deadlineHours}: how long a person has to approve or reject a candidate' },
        ),
      ),
    },
    { error: 'expected {parameter?, launchTemplates?, promoteAfterHours or approval}' },
  )
  .check(
    z.refine(
      (c) => (c.promoteAfterHours === undefined) !== (c.approval === undefined),
      'expected exactly one of promoteAfterHours (promoted after a soak) and approval (promoted when a person approves)',
    ),
    z.refine(
      (c) => c.parameter !== undefined || (c.launchTemplates ?? []).length > 0,
      'expected a parameter or a launch template: where the candidate is published',
    ),
  );

export const publishSchema = z.strictObject(
  {
    parameter: z.optional(parameterName),
    launchTemplates: z.optional(
      z
        .array(launchTemplate, { error: 'expected a list of launch templates' })
        .check(z.maxLength(MAX_TEMPLATES, `expected at most ${MAX_TEMPLATES} launch templates`)),
    ),
    // The parameter each account the image is shared with gets in its own account and region, through its role.
    consumers: z.optional(
      z.strictObject(
        { parameter: parameterName },
        { error: 'expected {parameter}: the name each consumer account resolves, such as /golden/web-prod/latest' },
      ),
    ),
    candidate: z.optional(candidateSchema),
  },
  { error: 'expected an object with parameter, launchTemplates, consumers and/or candidate' },
);

/** The stable channel a candidate is promoted to, and when (docs/channels.md). */
export interface Promotion {
  /** The family's own publishing: what a promotion publishes the candidate to. */
  stable: { parameter?: string; launchTemplates: Publish['launchTemplates']; consumers?: { parameter: string } };
  /** Promoted this many hours after it was published, unless set aside (rolled back) meanwhile. */
  promoteAfterHours?: number;
  /** Promoted when a person approves (`ami-rotator approve`), before the deadline; never otherwise. */
  approval?: { deadlineHours: number };
}

export interface Publish {
  parameter?: string;
  launchTemplates: { id?: string; name?: string; setDefault: boolean }[];
  /** With whom the image is shared before it is published (`distribute.share`); absent: no one. */
  share?: Share;
  /** The parameter written in each account of `share.accounts`, through the consumer role there; absent: none. */
  consumers?: { parameter: string };
  /**
   * Present when this is a candidate channel's publishing: the targets above are the candidate's, and the family's
   * own (stable) ones are reached by a promotion.
   */
  promotion?: Promotion;
}

/** The publish targets, from the input or (`fromDeployment`) the deployment's setting, whose mistake is the deployer's to fix. */
export const toPublish = (
  value: z.infer<typeof publishSchema> | null | undefined,
  path: string,
  fromDeployment: boolean,
  /** Where the value was given: its field in the input, and its setting with the field in that (a region's under `distribute`). */
  at: { field: string; setting: string; inSetting: string } = { field: 'publish', setting: 'ROTATOR_PUBLISH', inSetting: '' },
): Publish | undefined => {
  if (
    value == null ||
    (value.parameter === undefined &&
      (value.launchTemplates ?? []).length === 0 &&
      value.consumers === undefined &&
      value.candidate === undefined)
  )
    return undefined;
  if (value.parameter !== undefined && !value.parameter.startsWith(path)) {
    const problem = `expected a name under ${path} (the deployment's publish path, where its role may write), got ${value.parameter}`;
    if (fromDeployment)
      throw new ConfigurationError(`${at.setting}: ${at.inSetting}parameter: ${problem}; change ${at.setting} or ROTATOR_PUBLISH_PATH`);
    throw new InvalidInputError([`${at.field}.parameter: ${problem}`]);
  }
  const candidate = value.candidate;
  if (candidate?.parameter !== undefined && !candidate.parameter.startsWith(path)) {
    const problem = `expected a name under ${path} (the deployment's publish path, where its role may write), got ${candidate.parameter}`;
    if (fromDeployment)
      throw new ConfigurationError(
        `${at.setting}: ${at.inSetting}candidate.parameter: ${problem}; change ${at.setting} or ROTATOR_PUBLISH_PATH`,
      );
    throw new InvalidInputError([`${at.field}.candidate.parameter: ${problem}`]);
  }
  const stable = {
    ...(value.parameter === undefined ? {} : { parameter: value.parameter }),
    ...(value.consumers === undefined ? {} : { consumers: value.consumers }),
    launchTemplates: templatesOf(value.launchTemplates),
  };
  if (!candidate) return stable;
  // A candidate channel: the night publishes there; the family's own targets wait for the promotion.
  return {
    ...(candidate.parameter === undefined ? {} : { parameter: candidate.parameter }),
    launchTemplates: templatesOf(candidate.launchTemplates),
    promotion: {
      stable,
      ...(candidate.promoteAfterHours === undefined ? {} : { promoteAfterHours: candidate.promoteAfterHours }),
      ...(candidate.approval === undefined ? {} : { approval: candidate.approval }),
    },
  };
};

const templatesOf = (templates: z.infer<typeof launchTemplate>[] | undefined): Publish['launchTemplates'] =>
  (templates ?? []).map((t) => ({
    ...(t.id === undefined ? {} : { id: t.id }),
    ...(t.name === undefined ? {} : { name: t.name }),
    setDefault: t.setDefault ?? false,
  }));
