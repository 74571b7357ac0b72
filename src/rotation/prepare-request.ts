/**
 * The prepare step's part of the execution input (`prepare`) and of the deployment (`ROTATOR_PREPARE`): the
 * Systems Manager documents run on the source instance, in order, before it is imaged. Two defaults a user
 * names in one word: `patch` (AWS-RunPatchBaseline, Operation Install, RebootOption RebootIfNeeded) and `clean`
 * (the stack's clean-up document); any other document with its parameters. Limits: SSM SendCommand in the
 * Systems Manager API reference (DocumentName 3 to 128 of a-zA-Z0-9_-.; TimeoutSeconds 30 to 2,592,000;
 * Parameters, a map of names to lists of strings).
 */
import * as z from 'zod/mini';

export interface PrepareDocument {
  /** The SSM document's name (for `clean`, the stack's clean-up document). */
  document: string;
  /** What the user called it: `patch`, `clean`, or the document's own name. */
  label: string;
  parameters: Record<string, string[]>;
  /** The command's own time limit (SendCommand TimeoutSeconds), and the wait's. */
  timeoutMinutes: number;
}

export interface Prepare {
  documents: PrepareDocument[];
}

const MAX_DOCUMENTS = 5;
const DOCUMENT_NAME = /^[a-zA-Z0-9_.-]{3,128}$/;
// A document parameter's name: letters, digits and underscores (SSM documents declare them so).
const PARAMETER_NAME = /^[a-zA-Z0-9_]{1,128}$/;
const MAX_PARAMETER_VALUES = 50;

/** Patching can take long: an hour by default, the clean-up and other documents ten minutes. */
export const DEFAULT_TIMEOUT_MINUTES: Readonly<Record<string, number>> = { patch: 60, clean: 10, document: 10 };
/** AWS-RunPatchBaseline (Systems Manager User Guide, "SSM Command document for patching: AWS-RunPatchBaseline"). */
export const PATCH_DOCUMENT = 'AWS-RunPatchBaseline';
const PATCH_PARAMETERS = { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] };

const timeout = z.optional(
  z
    .int({ error: 'expected a whole number of minutes from 1 to 240' })
    .check(
      z.minimum(1, 'expected a whole number of minutes from 1 to 240'),
      z.maximum(240, 'expected a whole number of minutes from 1 to 240'),
    ),
);

const documentSchema = z.union(
  [
    z.enum(['patch', 'clean'], { error: 'expected "patch", "clean" or {"document": ...}' }),
    z.strictObject(
      {
        document: z
          .string({ error: 'expected an SSM document name' })
          .check(z.regex(DOCUMENT_NAME, 'expected an SSM document name such as AWS-RunShellScript (3 to 128 of a-zA-Z0-9_-.)')),
        parameters: z.optional(
          z.record(
            z.string().check(z.regex(PARAMETER_NAME, 'expected parameter names of letters, digits and _')),
            z
              .array(z.string({ error: 'expected strings' }), { error: 'expected a list of strings, as SendCommand takes parameters' })
              .check(z.maxLength(MAX_PARAMETER_VALUES, `expected at most ${MAX_PARAMETER_VALUES} values`)),
            { error: 'expected an object of parameter names to lists of strings' },
          ),
        ),
        timeoutMinutes: timeout,
      },
      { error: 'expected {"document": "<name>", "parameters": {...}, "timeoutMinutes": n}' },
    ),
  ],
  { error: 'expected "patch", "clean" or {"document": "<name>", "parameters": {...}, "timeoutMinutes": n}' },
);

export const prepareSchema = z.strictObject(
  {
    documents: z
      .array(documentSchema, { error: 'expected a list such as ["patch", "clean"]' })
      .check(z.minLength(1, 'expected at least one document'), z.maxLength(MAX_DOCUMENTS, `expected at most ${MAX_DOCUMENTS} documents`)),
  },
  { error: 'expected an object with documents, such as {"documents": ["patch", "clean"]}' },
);

/** The documents to run, the one-word defaults resolved; `cleanUpDocument` is the stack's (ROTATOR_CLEAN_UP_DOCUMENT). */
export const toPrepare = (value: z.infer<typeof prepareSchema>, cleanUpDocument: string): Prepare => ({
  documents: value.documents.map((item) => {
    if (item === 'patch')
      return {
        document: PATCH_DOCUMENT,
        label: 'patch',
        parameters: PATCH_PARAMETERS,
        timeoutMinutes: DEFAULT_TIMEOUT_MINUTES.patch ?? 60,
      };
    if (item === 'clean')
      return { document: cleanUpDocument, label: 'clean', parameters: {}, timeoutMinutes: DEFAULT_TIMEOUT_MINUTES.clean ?? 10 };
    return {
      document: item.document,
      label: item.document,
      parameters: item.parameters ?? {},
      timeoutMinutes: item.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES.document ?? 10,
    };
  }),
});
