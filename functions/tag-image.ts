import type { EC2Client } from '@aws-sdk/client-ec2';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import type { ImageProgress } from '../src/rotation/create-image.ts';
import { type TaggedImage, tagAvailableImage } from '../src/rotation/tag-image.ts';

export interface TagImageEvent {
  image: ImageProgress;
}

/** Tags the available image and its snapshots with what only now is known. */
export const makeHandler = ({ ec2 }: { ec2: EC2Client }, now: () => Date = () => new Date()) =>
  middy<TagImageEvent, TaggedImage, Error, Context>()
    .use(stepLogging('TagImage'))
    .handler(async (event) => tagAvailableImage(ec2, event.image, now()));

export const handler = makeHandler({ ec2: ec2Client() });
