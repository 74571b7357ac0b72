import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { traced } from '../lambda/tracer.ts';
import { clientSettings } from './client-settings.ts';

let client: DynamoDBClient | undefined;

/** The one DynamoDB client of a container; its endpoint comes from the SDK's standard settings (`AWS_ENDPOINT_URL_DYNAMODB`). */
export const dynamoDbClient = (): DynamoDBClient => {
  client ??= traced(new DynamoDBClient(clientSettings()));
  return client;
};
