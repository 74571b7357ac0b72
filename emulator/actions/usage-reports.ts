/**
 * AMI usage reports, as the EC2 API Reference has them (CreateImageUsageReport, DescribeImageUsageReports,
 * DescribeImageUsageReportEntries; EC2 User Guide, "View your AMI usage"): a report of how other accounts use one
 * of the account's images, by resource type (`ec2:Instance`, `ec2:LaunchTemplate`), for up to 200 account ids (all
 * accounts when none is given). A report is `pending` for the emulator's `pendingPolls` looks, then `available`
 * (or `error`, or never, by the fault plan's `usageReportFates`); it expires 30 days after its creation. Its entries count,
 * per account and resource type, the other accounts' instances and launch templates that refer to the image (the
 * fixture's `consumers`), as they stood when the report became available.
 */
import { randomBytes } from 'node:crypto';
import { ServiceError } from '../error-response.ts';
import { applyFilters, type FilterSupport, paginate } from '../listing.ts';
import type { UsageReport } from '../model.ts';
import { filters, int, list, type Query, required, str, strings, tagSpecifications } from '../query.ts';
import { ACCOUNT_ID } from '../store.ts';
import { items, tagSet } from '../xml.ts';
import { type Action, type ActionContext, type Actions, changes, reads } from './context.ts';

const RESOURCE_TYPES = ['ec2:Instance', 'ec2:LaunchTemplate'];
const MAX_IDS = 200;
const DAY_MS = 86_400_000;

const checkedIds = (q: Query, key: string, what: string): string[] => {
  const ids = strings(q, key);
  if (ids.length > MAX_IDS) throw new ServiceError('InvalidParameterValue', `${key}: at most ${MAX_IDS} ${what}`);
  return ids;
};

const createImageUsageReport: Action = (q, ctx) => {
  const { store, options } = ctx;
  const image = store.image(required(q, 'ImageId'));
  if (image.ownerId !== ACCOUNT_ID) throw new ServiceError('InvalidAMIID.NotFound', `The image id '[${image.imageId}]' does not exist`);
  const requested = list(q, 'ResourceType');
  if (requested.length === 0) throw new ServiceError('MissingParameter', 'The request must contain the parameter ResourceTypes');
  const resourceTypes = requested.map((r) => {
    const type = str(r, 'ResourceType') ?? '';
    if (!RESOURCE_TYPES.includes(type))
      throw new ServiceError('InvalidParameterValue', `ResourceType: expected ec2:Instance or ec2:LaunchTemplate, got ${type}`);
    const options_ = list(r, 'ResourceTypeOption');
    if (options_.length > 0 && type !== 'ec2:LaunchTemplate')
      throw new ServiceError('InvalidParameterCombination', 'ResourceTypeOptions are valid only for ec2:LaunchTemplate');
    for (const o of options_) {
      const depth = Number(strings(o, 'OptionValue')[0]);
      if (str(o, 'OptionName') !== 'version-depth' || !Number.isInteger(depth) || depth < 1 || depth > 10_000)
        throw new ServiceError('InvalidParameterValue', 'ResourceTypeOption: expected version-depth of 1 to 10000');
    }
    return type;
  });
  if (new Set(resourceTypes).size !== resourceTypes.length)
    throw new ServiceError('InvalidParameterValue', 'ResourceTypes: each type once');
  const accountIds = checkedIds(q, 'AccountId', 'account ids');
  for (const id of accountIds)
    if (!/^\d{12}$/.test(id)) throw new ServiceError('InvalidParameterValue', `AccountId: ${id} is not an account id`);
  const specs = tagSpecifications(q);
  for (const type of specs.keys())
    if (type !== 'image-usage-report')
      throw new ServiceError('InvalidParameterValue', `'${type}' is not a valid taggable resource type for this operation.`);
  const token = str(q, 'ClientToken');
  if (token !== undefined && token.length > 128) throw new ServiceError('InvalidParameterValue', 'ClientToken: at most 128 characters');
  const earlier = token === undefined ? undefined : [...store.usageReports.values()].find((r) => r.clientToken === token);
  if (earlier) return { reportId: earlier.reportId };
  const reportId = `amiur-${randomBytes(9).toString('hex').slice(0, 17)}`;
  const now = options.now();
  store.usageReports.set(reportId, {
    reportId,
    imageId: image.imageId,
    resourceTypes,
    accountIds,
    state: 'pending',
    creationTime: now.toISOString(),
    expirationTime: new Date(now.getTime() + 30 * DAY_MS).toISOString(),
    looks: 0,
    fate: ctx.faults.usageReportFateOf(image.imageId),
    tags: specs.get('image-usage-report') ?? [],
    entries: [],
    ...(token === undefined ? {} : { clientToken: token }),
  });
  return { reportId };
};

/** A pending report settles after `pendingPolls` looks; its entries are the consumers' uses at that moment. */
const settle = (report: UsageReport, ctx: ActionContext): void => {
  if (report.state !== 'pending' || report.fate === 'stuck') return;
  report.looks += 1;
  if (report.looks <= ctx.options.pendingPolls) return;
  if (report.fate === 'error') {
    report.state = 'error';
    report.stateReason = 'The report could not be created.';
    return;
  }
  report.state = 'available';
  const counts = new Map<string, number>();
  for (const use of ctx.store.consumerUses) {
    if (use.imageId !== report.imageId || !report.resourceTypes.includes(use.resourceType)) continue;
    if (report.accountIds.length > 0 && !report.accountIds.includes(use.accountId)) continue;
    const key = `${use.accountId} ${use.resourceType}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  report.entries = [...counts].map(([key, usageCount]) => {
    const [accountId = '', resourceType = ''] = key.split(' ');
    return { accountId, resourceType, usageCount };
  });
};

const REPORT_FILTERS: FilterSupport<UsageReport> = {
  fields: { state: (r) => [r.state], 'creation-time': (r) => [r.creationTime] },
  tags: (r) => r.tags,
};

const selected = (q: Query, ctx: ActionContext): UsageReport[] => {
  const imageIds = checkedIds(q, 'ImageId', 'image ids');
  const reportIds = checkedIds(q, 'ReportId', 'report ids');
  const now = ctx.options.now().toISOString();
  return [...ctx.store.usageReports.values()].filter(
    (r) =>
      r.expirationTime > now &&
      (imageIds.length === 0 || imageIds.includes(r.imageId)) &&
      (reportIds.length === 0 || reportIds.includes(r.reportId)),
  );
};

const describeImageUsageReports: Action = (q, ctx) => {
  const reports = applyFilters(selected(q, ctx), filters(q), REPORT_FILTERS);
  const page = paginate(reports, int(q, 'MaxResults'), str(q, 'NextToken'), { min: 1, max: 1000 });
  for (const report of page.items) settle(report, ctx);
  return {
    imageUsageReportSet: items(
      page.items.map((r) => ({
        imageId: r.imageId,
        reportId: r.reportId,
        resourceTypeSet: items(r.resourceTypes.map((resourceType) => ({ resourceType }))),
        accountIdSet: items(r.accountIds),
        state: r.state,
        ...(r.stateReason ? { stateReason: r.stateReason } : {}),
        creationTime: r.creationTime,
        expirationTime: r.expirationTime,
        tagSet: tagSet(r.tags),
      })),
    ),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

const describeImageUsageReportEntries: Action = (q, ctx) => {
  const wanted = filters(q);
  const byAccount = wanted.find((f) => f.name === 'account-id')?.values;
  const byType = wanted.find((f) => f.name === 'resource-type')?.values;
  for (const f of wanted)
    if (!['account-id', 'resource-type', 'creation-time'].includes(f.name))
      throw new ServiceError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
  const entries = selected(q, ctx)
    .filter((r) => r.state === 'available')
    .flatMap((r) =>
      r.entries
        .filter(
          (e) => (byAccount === undefined || byAccount.includes(e.accountId)) && (byType === undefined || byType.includes(e.resourceType)),
        )
        .map((e) => ({ ...e, reportId: r.reportId, imageId: r.imageId, reportCreationTime: r.creationTime })),
    );
  const page = paginate(entries, int(q, 'MaxResults'), str(q, 'NextToken'), { min: 1, max: 1000 });
  return { imageUsageReportEntrySet: items(page.items), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

export const usageReportActions: Actions<Query> = {
  CreateImageUsageReport: changes(createImageUsageReport),
  DescribeImageUsageReports: reads(describeImageUsageReports),
  DescribeImageUsageReportEntries: reads(describeImageUsageReportEntries),
};
