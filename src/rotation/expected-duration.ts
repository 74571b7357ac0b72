/**
 * How long the family's images usually take to become available: the median, over its newest five images that
 * completed, of the time from EC2's CreationDate to the `ami-rotator:completed-at` tag TagImage writes once the image
 * was seen available. The first deadline of a new image's wait is that long, so even with every event lost a usual
 * image is checked just after it is usually ready. A family without history, or a listing that fails, has none: the
 * backoff decides (a prediction is never worth failing a rotation for).
 */
import { type EC2Client, paginateDescribeImages } from '@aws-sdk/client-ec2';
import { awsErrorCode } from '../aws/failures.ts';
import { logger } from '../lambda/logger.ts';
import { TAG } from './tags.ts';

const SAMPLE = 5;

export const expectedSeconds = async (ec2: EC2Client, family: string): Promise<number | undefined> => {
  const durations: { at: number; seconds: number }[] = [];
  try {
    const pages = paginateDescribeImages(
      { client: ec2, pageSize: 1000 },
      {
        Owners: ['self'],
        Filters: [
          { Name: `tag:${TAG.family}`, Values: [family] },
          { Name: 'tag-key', Values: [TAG.completedAt] },
        ],
      },
    );
    for await (const page of pages)
      for (const image of page.Images ?? []) {
        const created = Date.parse(image.CreationDate ?? '');
        const completed = Date.parse(image.Tags?.find((t) => t.Key === TAG.completedAt)?.Value ?? '');
        if (Number.isFinite(created) && Number.isFinite(completed) && completed > created)
          durations.push({ at: created, seconds: (completed - created) / 1000 });
      }
  } catch (error) {
    // Said, not thrown: a missing permission here costs the prediction, and the log says which.
    logger.warn('no usual duration for the first deadline: listing the family failed', {
      family,
      error: awsErrorCode(error) ?? (error as Error).name,
    });
    return undefined;
  }
  const newest = durations
    .sort((a, b) => b.at - a.at)
    .slice(0, SAMPLE)
    .map((d) => d.seconds)
    .sort((a, b) => a - b);
  if (newest.length === 0) return undefined;
  const middle = Math.floor(newest.length / 2);
  return newest.length % 2 === 1 ? (newest[middle] as number) : ((newest[middle - 1] as number) + (newest[middle] as number)) / 2;
};
