/**
 * Systems Manager documents, as SendCommand and DescribeDocument see them (SSM API Reference, DescribeDocument,
 * SendCommand: `InvalidDocument` for a document the account cannot see, `InvalidParameters` for a parameter the document
 * does not declare or a required one left out). Three places hold them: AWS's own (the two the project sends, with their
 * documented parameters: Systems Manager User Guide, "AWS-RunPatchBaseline", "AWS-RunShellScript"), the ones the
 * deployed stack made (emulator setting `documents`), and the account's own (fixture `documents`).
 */
import { ServiceError } from '../error-response.ts';
import type { SsmDocument } from '../model.ts';
import { type Action, type ActionContext, reads } from './context.ts';

export const AWS_DOCUMENTS: readonly SsmDocument[] = [
  {
    name: 'AWS-RunPatchBaseline',
    owner: 'Amazon',
    parameters: [
      { name: 'Operation', defaultValue: 'Scan' },
      { name: 'SnapshotId', defaultValue: '' },
      { name: 'InstallOverrideList', defaultValue: '' },
      { name: 'BaselineOverride', defaultValue: '' },
      { name: 'RebootOption', defaultValue: 'RebootIfNeeded' },
    ],
  },
  {
    name: 'AWS-RunShellScript',
    owner: 'Amazon',
    parameters: [{ name: 'commands' }, { name: 'workingDirectory', defaultValue: '' }, { name: 'executionTimeout', defaultValue: '3600' }],
  },
];

/** The document of that name the account can run, or `InvalidDocument` as Systems Manager answers. */
export const documentOf = (name: string, ctx: ActionContext): SsmDocument => {
  const found =
    AWS_DOCUMENTS.find((d) => d.name === name) ?? ctx.options.documents?.find((d) => d.name === name) ?? ctx.store.documents.get(name);
  if (!found) throw new ServiceError('InvalidDocument', `Document with name ${name} does not exist.`);
  return found;
};

/** The parameters a command gives the document: each one it declares, and every one it requires (no default). */
export const checkParameters = (document: SsmDocument, given: Readonly<Record<string, unknown>>): void => {
  const unknown = Object.keys(given).filter((name) => !document.parameters.some((p) => p.name === name));
  if (unknown.length > 0)
    throw new ServiceError('InvalidParameters', `Parameter "${unknown.join(', ')}" is not defined in document ${document.name}.`);
  const missing = document.parameters.filter((p) => p.defaultValue === undefined && given[p.name] === undefined).map((p) => p.name);
  if (missing.length > 0)
    throw new ServiceError('InvalidParameters', `Document ${document.name} requires parameter(s) ${missing.join(', ')}.`);
};

// DescribeDocument: Name required (a name or an ARN of 1 to 128 characters... `^[a-zA-Z0-9_\-.:/]{3,128}$`).
const NAME = /^[a-zA-Z0-9_\-.:/]{3,128}$/;

const describeDocument: Action<Record<string, unknown>> = (body, ctx) => {
  const name = body.Name;
  if (typeof name !== 'string' || !NAME.test(name))
    throw new ServiceError('ValidationException', `Name: expected 3 to 128 of a-zA-Z0-9_-.:/, got ${String(name)}`);
  const document = documentOf(name, ctx);
  return {
    Document: {
      Name: document.name,
      Owner: document.owner,
      Status: 'Active',
      DocumentType: 'Command',
      SchemaVersion: '2.2',
      Parameters: document.parameters.map((p) => ({
        Name: p.name,
        Type: p.name === 'commands' ? 'StringList' : 'String',
        ...(p.defaultValue === undefined ? {} : { DefaultValue: p.defaultValue }),
      })),
    },
  };
};

export const documentActions = { DescribeDocument: reads(describeDocument) };
