import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { failureOf, serviceClientFor, useEmulator } from '../support/emulator.ts';

const emulator = useEmulator();
const lambda = () => serviceClientFor(LambdaClient, emulator().url);
const FUNCTION = 'ami-rotator-prod-validateInput';
const settings = { ROTATOR_DEFAULT_FAMILY: 'web-prod', ROTATOR_KEEP_LAST: '3' };

describe('the emulated Lambda (API reference: GetFunctionConfiguration)', () => {
  it('answers a function by its name, its partial ARN or its ARN, with its environment', async () => {
    emulator().seed({ functions: [{ name: FUNCTION, environment: settings }] });

    const answers = await Promise.all(
      [FUNCTION, `123456789012:function:${FUNCTION}`, `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION}:$LATEST`].map((name) =>
        lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name })),
      ),
    );

    for (const answer of answers)
      expect(answer).toMatchObject({
        FunctionName: FUNCTION,
        FunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION}`,
        Environment: { Variables: settings },
      });
  });

  it.each([
    { case: 'a function that does not exist', name: 'ami-rotator-nope-validateInput', error: 'ResourceNotFoundException' },
    { case: 'a name of 65 characters', name: 'f'.repeat(65), error: 'InvalidParameterValueException' },
    { case: 'a name with a space', name: 'ami rotator', error: 'InvalidParameterValueException' },
  ])('refuses $case', async ({ name, error }) => {
    emulator().seed({ functions: [{ name: FUNCTION, environment: settings }] });

    expect((await failureOf(lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name }))))?.name).toBe(error);
  });

  it("refuses a fixture whose function name breaks CreateFunction's limits", () => {
    expect(() => emulator().seed({ functions: [{ name: 'has space', environment: {} }] })).toThrow();
  });
});
