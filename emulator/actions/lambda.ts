/**
 * Lambda, as much as the operator's commands read of a deployed stage: GetFunctionConfiguration
 * (`GET /2015-03-31/functions/{FunctionName}/configuration`, REST JSON), with the limits botocore's Lambda model states:
 * FunctionName 1 to 256 characters, a name, partial ARN or ARN, with a version or alias; a name alone at most 64.
 * Functions come from the fixture; nothing here runs them.
 */
import { ServiceError } from '../error-response.ts';
import { type Action, type Actions, reads } from './context.ts';

type Body = Record<string, unknown>;

const FUNCTION_NAME =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?$/;
const QUALIFIER = /^(\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+)$/;

const invalid = (message: string) => new ServiceError('InvalidParameterValueException', message, 400);

const getFunctionConfiguration: Action<Body> = (body, { store }) => {
  const given = String(body.FunctionName ?? '');
  const match = FUNCTION_NAME.exec(given);
  if (given.length < 1 || given.length > 256 || !match)
    throw invalid(`1 validation error detected: Value '${given}' at 'functionName' failed to satisfy constraint`);
  const name = match[10] ?? '';
  if (given === name && name.length > 64)
    throw invalid(
      `1 validation error detected: Value '${given}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
  if (body.Qualifier !== undefined && !(String(body.Qualifier).length <= 128 && QUALIFIER.test(String(body.Qualifier))))
    throw invalid(`1 validation error detected: Value '${String(body.Qualifier)}' at 'qualifier' failed to satisfy constraint`);
  const found = store.functions.get(name);
  if (!found)
    throw new ServiceError('ResourceNotFoundException', `Function not found: arn:aws:lambda:us-east-1:123456789012:function:${name}`, 404);
  return {
    FunctionName: found.name,
    FunctionArn: found.arn,
    Runtime: found.runtime,
    Version: '$LATEST',
    State: 'Active',
    Environment: { Variables: found.environment },
  };
};

/** Lambda's actions; their routes (method, path) are in emulator/protocols/rest-json.ts. */
export const lambdaActions: Actions = { GetFunctionConfiguration: reads(getFunctionConfiguration) };
