import { ServiceError } from '../error-response.ts';
import { checkNotBoth } from '../limits.ts';
import { applyFilters, type FilterSupport, paginate } from '../listing.ts';
import type { LaunchTemplate, LaunchTemplateVersion } from '../model.ts';
import type { Query } from '../query.ts';
import { filters, int, node, required, str, strings } from '../query.ts';
import { items, tagSet } from '../xml.ts';
import { type Action, type Actions, changes, reads } from './context.ts';

const latestOf = (t: LaunchTemplate): number => Math.max(...t.versions.map((v) => v.versionNumber));

const templateXml = (t: LaunchTemplate) => ({
  launchTemplateId: t.launchTemplateId,
  launchTemplateName: t.launchTemplateName,
  createTime: t.createTime,
  defaultVersionNumber: t.defaultVersion,
  latestVersionNumber: latestOf(t),
  tagSet: tagSet(t.tags),
});

const versionXml = (t: LaunchTemplate, v: LaunchTemplateVersion) => ({
  launchTemplateId: t.launchTemplateId,
  launchTemplateName: t.launchTemplateName,
  versionNumber: v.versionNumber,
  createTime: v.createTime,
  defaultVersion: v.versionNumber === t.defaultVersion,
  ...(v.description === undefined ? {} : { versionDescription: v.description }),
  launchTemplateData: v.imageId === undefined ? '' : { imageId: v.imageId },
});

const byName = (store: Parameters<Action>[1]['store'], name: string): LaunchTemplate => {
  const found = [...store.launchTemplates.values()].find((t) => t.launchTemplateName === name);
  if (!found)
    throw new ServiceError(
      'InvalidLaunchTemplateName.NotFoundException',
      `The specified launch template, with template name ${name}, does not exist.`,
    );
  return found;
};

const TEMPLATE_FILTERS: FilterSupport<LaunchTemplate> = {
  fields: { 'launch-template-name': (t) => [t.launchTemplateName] },
  tags: (t) => t.tags,
};

// One of LaunchTemplateId and LaunchTemplateName, never both (API reference, CreateLaunchTemplateVersion,
// ModifyLaunchTemplate, ...: "You must specify either the launch template ID or the launch template name, but not both").
const byIdOrName = (q: Parameters<Action>[0], store: Parameters<Action>[1]['store']): LaunchTemplate => {
  const id = str(q, 'LaunchTemplateId');
  const name = str(q, 'LaunchTemplateName');
  if (id !== undefined && name !== undefined)
    throw new ServiceError(
      'InvalidParameterCombination',
      'You must specify either the launch template ID or the launch template name in the request, but not both.',
    );
  if (id !== undefined) return store.launchTemplate(id);
  return byName(store, required(q, 'LaunchTemplateName'));
};

/** What a request asked, without its token: a token repeated with other parameters is IdempotentParameterMismatch. */
const fingerprint = (q: Parameters<Action>[0]): string =>
  JSON.stringify(
    Object.entries(q)
      .filter(([key]) => key !== 'ClientToken' && key !== 'Action' && key !== 'Version')
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

const createLaunchTemplate: Action = (q, { store, options }) => {
  const name = required(q, 'LaunchTemplateName');
  if ([...store.launchTemplates.values()].some((t) => t.launchTemplateName === name)) {
    throw new ServiceError('InvalidLaunchTemplateName.AlreadyExistsException', `Launch template name already in use.`);
  }
  const now = options.now().toISOString();
  const template: LaunchTemplate = {
    launchTemplateId: store.newId('lt'),
    launchTemplateName: name,
    defaultVersion: 1,
    createTime: now,
    versions: [
      {
        versionNumber: 1,
        imageId: str(node(q, 'LaunchTemplateData'), 'ImageId'),
        description: str(q, 'VersionDescription'),
        createTime: now,
      },
    ],
    tags: [],
    clientTokens: new Map(),
  };
  store.launchTemplates.set(template.launchTemplateId, template);
  return { launchTemplate: templateXml(template) };
};

// CreateLaunchTemplateVersion (API reference): SourceVersion's data is the base, LaunchTemplateData's fields
// replace it; ClientToken (at most 128 ASCII characters) makes a retry return the version the first call made;
// an unknown SourceVersion is InvalidLaunchTemplateVersion.NotFound... (here InvalidLaunchTemplateId.VersionNotFound).
const MAX_CLIENT_TOKEN = 128;
const createLaunchTemplateVersion: Action = (q, { store, options }) => {
  const template = byIdOrName(q, store);
  const token = str(q, 'ClientToken');
  if (token !== undefined && (token.length > MAX_CLIENT_TOKEN || !/^[\x20-\x7e]+$/.test(token)))
    throw new ServiceError('InvalidParameterValue', `ClientToken must be 1 to ${MAX_CLIENT_TOKEN} ASCII characters`);
  if (node(q, 'LaunchTemplateData') === undefined)
    throw new ServiceError('MissingParameter', 'The request must contain the parameter LaunchTemplateData');
  const earlier = token === undefined ? undefined : template.clientTokens.get(token);
  if (earlier !== undefined && earlier.request !== fingerprint(q))
    throw new ServiceError(
      'IdempotentParameterMismatch',
      'The client token you have provided is associated with a resource that was created with different parameters.',
    );
  const existing = template.versions.find((v) => v.versionNumber === earlier?.version);
  if (existing) return { launchTemplateVersion: versionXml(template, existing) };
  const sourceVersion = str(q, 'SourceVersion');
  const source =
    sourceVersion === undefined
      ? undefined
      : template.versions.find(
          (v) =>
            v.versionNumber ===
            (sourceVersion === '$Latest'
              ? latestOf(template)
              : sourceVersion === '$Default'
                ? template.defaultVersion
                : Number(sourceVersion)),
        );
  if (sourceVersion !== undefined && !source)
    throw new ServiceError('InvalidLaunchTemplateId.VersionNotFound', `Could not find launch template version ${sourceVersion}`);
  const version: LaunchTemplateVersion = {
    versionNumber: latestOf(template) + 1,
    imageId: str(node(q, 'LaunchTemplateData'), 'ImageId') ?? source?.imageId,
    description: str(q, 'VersionDescription'),
    createTime: options.now().toISOString(),
  };
  template.versions.push(version);
  if (token !== undefined) template.clientTokens.set(token, { version: version.versionNumber, request: fingerprint(q) });
  return { launchTemplateVersion: versionXml(template, version) };
};

// ModifyLaunchTemplate (API reference): SetDefaultVersion must name an existing version.
const modifyLaunchTemplate: Action = (q, { store }) => {
  const template = byIdOrName(q, store);
  const wanted = str(q, 'SetDefaultVersion');
  if (wanted !== undefined) {
    const number = Number(wanted);
    if (!template.versions.some((v) => v.versionNumber === number))
      throw new ServiceError('InvalidLaunchTemplateId.VersionNotFound', `Could not find launch template version ${wanted}`);
    template.defaultVersion = number;
  }
  return { launchTemplate: templateXml(template) };
};

// DescribeLaunchTemplates: ids or names (an unknown name is InvalidLaunchTemplateName.NotFoundException),
// MaxResults 1 to 200 and not with ids or names (API reference, DescribeLaunchTemplates).
const describeLaunchTemplates: Action = (q, { store }) => {
  const ids = strings(q, 'LaunchTemplateId');
  const names = strings(q, 'LaunchTemplateName');
  checkNotBoth('LaunchTemplateIds or LaunchTemplateNames', ids.length + names.length > 0, 'MaxResults', str(q, 'MaxResults') !== undefined);
  const templates =
    ids.length + names.length > 0
      ? [...ids.map((id) => store.launchTemplate(id)), ...names.map((name) => byName(store, name))]
      : [...store.launchTemplates.values()];
  const page = paginate(applyFilters(templates, filters(q), TEMPLATE_FILTERS), int(q, 'MaxResults'), str(q, 'NextToken'), {
    min: 1,
    max: 200,
  });
  return { launchTemplates: items(page.items.map(templateXml)), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

// DescribeLaunchTemplateVersions: a version that does not exist is InvalidLaunchTemplateId.VersionNotFound;
// MinVersion/MaxVersion bound the numbers; MaxResults 1 to 200 (API reference, DescribeLaunchTemplateVersions).
const describeLaunchTemplateVersions: Action = (q, { store }) => {
  const template = byIdOrName(q, store);
  const wanted = strings(q, 'LaunchTemplateVersion');
  const numbers = wanted.map((w) => (w === '$Latest' ? latestOf(template) : w === '$Default' ? template.defaultVersion : Number(w)));
  const missing = wanted.filter((_, n) => !template.versions.some((v) => v.versionNumber === numbers[n]));
  if (missing.length > 0)
    throw new ServiceError(
      'InvalidLaunchTemplateId.VersionNotFound',
      `Could not find launch template version ${missing.join(', ')} of ${template.launchTemplateId}`,
    );
  const min = int(q, 'MinVersion') ?? Number.NEGATIVE_INFINITY;
  const max = int(q, 'MaxVersion') ?? Number.POSITIVE_INFINITY;
  const versions = (numbers.length > 0 ? template.versions.filter((v) => numbers.includes(v.versionNumber)) : template.versions).filter(
    (v) => v.versionNumber >= min && v.versionNumber <= max,
  );
  const page = paginate(versions, int(q, 'MaxResults'), str(q, 'NextToken'), { min: 1, max: 200 });
  return {
    launchTemplateVersionSet: items(page.items.map((v) => versionXml(template, v))),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

const deleteLaunchTemplate: Action = (q, { store }) => {
  const template = byIdOrName(q, store);
  store.launchTemplates.delete(template.launchTemplateId);
  return { launchTemplate: templateXml(template) };
};

export const launchTemplateActions: Actions<Query> = {
  DeleteLaunchTemplate: changes(deleteLaunchTemplate),
  CreateLaunchTemplate: changes(createLaunchTemplate),
  CreateLaunchTemplateVersion: changes(createLaunchTemplateVersion),
  ModifyLaunchTemplate: changes(modifyLaunchTemplate),
  DescribeLaunchTemplates: reads(describeLaunchTemplates),
  DescribeLaunchTemplateVersions: reads(describeLaunchTemplateVersions),
};
