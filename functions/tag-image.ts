import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ec2Client } from '../src/aws/ec2-client.ts';
import { stepLogging } from '../src/lambda/middleware.ts';
import type { ImageProgress } from '../src/rotation/create-image.ts';
import { type TaggedImage, tagAvailableImage } from '../src/rotation/tag-image.ts';

export interface TagImageEvent {
  image: ImageProgress;
}

export const handler = middy<TagImageEvent, TaggedImage, Error, Context>()
  .use(stepLogging('TagImage'))
  .handler(async (event) => tagAvailableImage(ec2Client(), event.image, new Date()));
