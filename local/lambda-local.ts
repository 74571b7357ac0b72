/**
 * What Lambda and SNS do around a handler, as the local runner needs it: the invocation's context, the error
 * format Step Functions receives, and SNS's own checks on a Publish.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export const lambdaContext = (functionName: string, timeoutMs: number, region: string, account: string): Context => {
  const started = Date.now();
  const arn = `arn:aws:lambda:${region}:${account}:function:${functionName}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

/**
 * SNS's own checks on Publish, as the API reference states them, so an alert that real SNS would refuse
 * fails here too: a subject of fewer than 100 printable ASCII characters on one line, and a message of at
 * most 256 KiB (Amazon SNS API Reference, Publish: Subject, Message; errors InvalidParameter).
 */
const SNS_MAX_MESSAGE_BYTES = 262_144;
export const checkPublish = (message: { Subject?: string; Message?: string }): void => {
  const refuse = (why: string) => {
    const error = new Error(JSON.stringify({ errorType: 'SNS.InvalidParameterException', errorMessage: why }));
    error.name = 'SNS.InvalidParameterException';
    throw error;
  };
  const subject = message.Subject;
  if (subject !== undefined && !/^[\x20-\x7e]{1,99}$/.test(subject))
    refuse(`Invalid parameter: Subject (${subject.length} characters; fewer than 100 printable ASCII characters on one line expected)`);
  if (!message.Message) refuse('Invalid parameter: Message (empty)');
  if (Buffer.byteLength(message.Message ?? '') > SNS_MAX_MESSAGE_BYTES) refuse('Invalid parameter: Message too long');
};

/** What Lambda reports for a thrown error: Error is its name, Cause the JSON Lambda writes. */
export const asLambdaError = (error: unknown): Error => {
  const e = error instanceof Error ? error : new Error(String(error));
  const failure = new Error(JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] }));
  failure.name = e.name;
  return failure;
};
