import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imageName } from '../../src/rotation/naming.ts';
import { executionInputSchema } from '../../src/rotation/request.ts';

const execution = (startTime: string) => ({ id: 'arn:aws:states:us-east-1:123456789012:execution:sm:run', name: 'run', startTime });
const EC2_NAME_RULE = /^[A-Za-z0-9()[\] ./\-'@_]{3,128}$/;

describe('imageName', () => {
  it("is the family and the execution's UTC start time", () => {
    expect(imageName('web-prod', execution('2026-11-23T01:02:03.456Z'))).toBe('web-prod-20261123-010203');
  });

  it('is a valid EC2 image name for every family the input schema accepts', () => {
    const family = fc
      .stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/)
      .filter((f) => executionInputSchema.shape.family.safeParse(f).success);
    const start = fc.date({ min: new Date('2000-01-01'), max: new Date('2999-12-31'), noInvalidDate: true });

    fc.assert(fc.property(family, start, (f, d) => EC2_NAME_RULE.test(imageName(f, execution(d.toISOString())))));
  });
});
