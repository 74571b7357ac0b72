import type { DeploymentConfig } from '../../src/config.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { parseRotationRequest } from '../../src/rotation/request.ts';

/** The problems the input contract names for an input; fails the test if the input is accepted. */
export const problemsWith =
  (config: DeploymentConfig) =>
  (input: unknown, cfg = config): readonly string[] => {
    try {
      parseRotationRequest(input, cfg);
    } catch (error) {
      if (error instanceof InvalidInputError) return error.problems;
      throw error;
    }
    throw new Error('the input was accepted');
  };
