/**
 * AWS Organizations over AWS JSON 1.1 (`X-Amz-Target: AWSOrganizationsV20161128.<Action>`), as much as the publish step
 * reads: ListAccountsForParent, the accounts directly under an OU (or the root), for the management account or a
 * delegated administrator only, with the limits of the Organizations API reference.
 */
import { ServiceError } from '../error-response.ts';
import type { Actions, Params } from './context.ts';
import { reads } from './context.ts';

// ListAccountsForParent: ParentId `r-` and 4 to 32, or `ou-` as Organizations writes it; MaxResults 1 to 20; NextToken.
const PARENT_ID = /^(r-[0-9a-z]{4,32})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
const DEFAULT_PAGE = 20;

const listAccountsForParent = reads<Params>((body, ctx) => {
  const organization = ctx.organization;
  const caller = ctx.account ?? '';
  if (!organization?.isMember(caller))
    throw new ServiceError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
  // Only the management account, or an account it delegated Organizations' read actions to (a delegation policy).
  if (!organization.mayList(caller)) throw new ServiceError('AccessDeniedException', "You don't have permissions to access this resource.");
  const parentId = String(body.ParentId ?? '');
  if (!PARENT_ID.test(parentId) || parentId.length > 100)
    throw new ServiceError('InvalidInputException', `ParentId: expected r-... or ou-..., got ${parentId}`);
  const max = body.MaxResults === undefined ? DEFAULT_PAGE : Number(body.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > 20) throw new ServiceError('InvalidInputException', 'MaxResults: expected 1 to 20');
  const accounts = organization.accountsUnder(parentId);
  if (accounts === undefined)
    throw new ServiceError('ParentNotFoundException', `We can't find a root or OU with the ParentId that you specified.`);
  const start = body.NextToken === undefined ? 0 : Number(body.NextToken);
  if (!Number.isInteger(start) || start < 0 || start > accounts.length)
    throw new ServiceError('InvalidInputException', 'NextToken: not one this operation gave');
  const page = accounts.slice(start, start + max);
  return {
    Accounts: page.map((id) => ({
      Id: id,
      Arn: `arn:aws:organizations::${organization.managementAccount}:account/${organization.id}/${id}`,
      Status: 'ACTIVE',
      State: 'ACTIVE',
    })),
    ...(start + max < accounts.length ? { NextToken: String(start + max) } : {}),
  };
});

export const organizationsActions: Actions = { ListAccountsForParent: listAccountsForParent };
