/**
 * AWS STS over the Query protocol (awsQuery, `Version=2011-06-15`): AssumeRole into a role of another account of the
 * model, with the limits of the STS API reference, and GetCallerIdentity. Whether the caller may assume the role (its
 * own policies and the role's trust policy) is decided before the action runs (emulator/request-checks.ts): a role that
 * does not exist is refused there as AWS refuses it, with AccessDenied.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ServiceError } from '../error-response.ts';
import type { Session } from '../organization.ts';
import { type Query, str } from '../query.ts';
import type { Action, Actions } from './context.ts';

export const STS_VERSION = '2011-06-15';
export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

// AssumeRole (STS API Reference): RoleArn 20 to 2048 characters; RoleSessionName 2 to 64 of [\w+=,.@-]; ExternalId
// 2 to 1224 of [\w+=,.@:/-]; DurationSeconds 900 to 43200 (3600 when absent).
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

const assumeRole: Action<Query> = (q, ctx) => {
  const roleArn = str(q, 'RoleArn') ?? '';
  const sessionName = str(q, 'RoleSessionName') ?? '';
  const externalId = str(q, 'ExternalId');
  const duration = Number(str(q, 'DurationSeconds') ?? 3600);
  if (roleArn.length < 20 || roleArn.length > 2048) throw new ServiceError('ValidationError', 'RoleArn: expected 20 to 2048 characters');
  if (!SESSION_NAME.test(sessionName))
    throw new ServiceError('ValidationError', `RoleSessionName: expected 2 to 64 of letters, digits and +=,.@_-, got ${sessionName}`);
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId))
    throw new ServiceError('ValidationError', 'ExternalId: expected 2 to 1224 of letters, digits and +=,.@:/_-');
  if (!Number.isInteger(duration) || duration < 900 || duration > 43_200)
    throw new ServiceError('ValidationError', `DurationSeconds: expected 900 to 43200, got ${String(duration)}`);
  const role = ctx.organization?.roleOf(roleArn);
  // The caller was authorized against the role's trust policy: a role that does not exist was refused then.
  if (!role || !ctx.sessions) throw new ServiceError('AccessDenied', `Not authorized to perform sts:AssumeRole on ${roleArn}`, 403);
  const session: Session = {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    roleArn,
    sessionName,
    account: role.account,
    expiration: new Date(ctx.options.now().getTime() + duration * 1000),
  };
  ctx.sessions.set(session.accessKeyId, session);
  return {
    Credentials: {
      AccessKeyId: session.accessKeyId,
      SecretAccessKey: randomBytes(20).toString('base64'),
      SessionToken: randomBytes(32).toString('base64'),
      Expiration: session.expiration.toISOString(),
    },
    AssumedRoleUser: {
      Arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${sessionName}`,
      AssumedRoleId: `AROA${randomUUID().replaceAll('-', '').slice(0, 17).toUpperCase()}:${sessionName}`,
    },
  };
};

export const stsActions: Actions<Query> = { AssumeRole: { run: assumeRole, mutating: true } };
