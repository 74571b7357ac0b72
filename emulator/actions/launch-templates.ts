import { Ec2ErrorResponse } from '../error-response.ts';
import type { LaunchTemplate, LaunchTemplateVersion } from '../model.ts';
import { node, required, str, strings } from '../query.ts';
import { items } from '../xml.ts';
import type { Action } from './context.ts';

const latestOf = (t: LaunchTemplate): number => Math.max(...t.versions.map((v) => v.versionNumber));

const templateXml = (t: LaunchTemplate) => ({
  launchTemplateId: t.launchTemplateId,
  launchTemplateName: t.launchTemplateName,
  createTime: t.createTime,
  defaultVersionNumber: t.defaultVersion,
  latestVersionNumber: latestOf(t),
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

const byIdOrName = (q: Parameters<Action>[0], store: Parameters<Action>[1]['store']): LaunchTemplate => {
  const id = str(q, 'LaunchTemplateId');
  if (id !== undefined) return store.launchTemplate(id);
  const name = required(q, 'LaunchTemplateName');
  const found = [...store.launchTemplates.values()].find((t) => t.launchTemplateName === name);
  if (!found)
    throw new Ec2ErrorResponse(
      'InvalidLaunchTemplateName.NotFoundException',
      `The specified launch template, with template name ${name}, does not exist.`,
    );
  return found;
};

const createLaunchTemplate: Action = (q, { store, options }) => {
  const name = required(q, 'LaunchTemplateName');
  if ([...store.launchTemplates.values()].some((t) => t.launchTemplateName === name)) {
    throw new Ec2ErrorResponse('InvalidLaunchTemplateName.AlreadyExistsException', `Launch template name already in use.`);
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
  };
  store.launchTemplates.set(template.launchTemplateId, template);
  return { launchTemplate: templateXml(template) };
};

const createLaunchTemplateVersion: Action = (q, { store, options }) => {
  const template = byIdOrName(q, store);
  const version: LaunchTemplateVersion = {
    versionNumber: latestOf(template) + 1,
    imageId: str(node(q, 'LaunchTemplateData'), 'ImageId'),
    description: str(q, 'VersionDescription'),
    createTime: options.now().toISOString(),
  };
  template.versions.push(version);
  return { launchTemplateVersion: versionXml(template, version) };
};

const describeLaunchTemplates: Action = (q, { store }) => {
  const ids = strings(q, 'LaunchTemplateId');
  const templates = ids.length > 0 ? ids.map((id) => store.launchTemplate(id)) : [...store.launchTemplates.values()];
  return { launchTemplates: items(templates.map(templateXml)) };
};

const describeLaunchTemplateVersions: Action = (q, { store }) => {
  const template = byIdOrName(q, store);
  const wanted = strings(q, 'LaunchTemplateVersion');
  const numbers = wanted.map((w) => (w === '$Latest' ? latestOf(template) : w === '$Default' ? template.defaultVersion : Number(w)));
  const versions = numbers.length > 0 ? template.versions.filter((v) => numbers.includes(v.versionNumber)) : template.versions;
  return { launchTemplateVersionSet: items(versions.map((v) => versionXml(template, v))) };
};

export const launchTemplateActions: Record<string, Action> = {
  CreateLaunchTemplate: createLaunchTemplate,
  CreateLaunchTemplateVersion: createLaunchTemplateVersion,
  DescribeLaunchTemplates: describeLaunchTemplates,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
};
