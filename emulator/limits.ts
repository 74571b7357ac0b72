/**
 * The documented limits of the parameters this project sends, enforced as EC2 enforces them. Each
 * figure names the API reference page it comes from (the EC2 API Reference unless said otherwise);
 * emulator/README.md lists them all. Where a page leaves a figure open, the stricter reading is used.
 */
import { ServiceError } from './error-response.ts';
import type { FilterSpec } from './query.ts';

/** Array members of a list parameter, e.g. DescribeImageReferences `ImageId.N`: 1 to 10. */
export const checkCount = (parameter: string, count: number, min: number, max: number): void => {
  if (count < min || count > max) {
    throw new ServiceError(
      'InvalidParameterValue',
      `The parameter ${parameter} must have between ${min} and ${max} members; ${count} were given.`,
    );
  }
};

/** "Filter.N": at most 50 filters and 200 values in each (the stricter reading of the Filter data type page). */
const MAX_FILTERS = 50;
const MAX_FILTER_VALUES = 200;
export const checkFilters = (specs: readonly FilterSpec[]): void => {
  checkCount('Filter', specs.length, 0, MAX_FILTERS);
  for (const spec of specs) {
    if (spec.name === '') throw new ServiceError('InvalidParameterValue', 'A filter must have a Name.');
    checkCount(`Filter(${spec.name}).Value`, spec.values.length, 1, MAX_FILTER_VALUES);
  }
};

/** "You cannot specify this parameter and the ... IDs parameter in the same request." */
export const checkNotBoth = (first: string, firstGiven: boolean, second: string, secondGiven: boolean): void => {
  if (firstGiven && secondGiven) {
    throw new ServiceError('InvalidParameterCombination', `The parameter ${first} cannot be used with the parameter ${second}`);
  }
};
