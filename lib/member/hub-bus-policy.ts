import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ACCOUNT_ID, ORGANIZATION_ID, SettingsError } from '../settings.js';

/** Who may put forwarded job events on the hub's bus: the Organization, or a plain list of accounts. */
export type HubBusMembers =
  | { readonly organizationId: string; readonly accounts?: undefined }
  | { readonly accounts: readonly string[]; readonly organizationId?: undefined };

/**
 * The hub bus's resource-policy statement for the members' forwarding rules: `events:PutEvents` on the bus
 * alone, from the Organization's accounts (`aws:PrincipalOrgID`) or from the listed accounts, nothing else.
 * Add it with `bus.addToResourcePolicy(statement)`.
 */
export function hubBusPolicyStatement(busArn: string, members: HubBusMembers): iam.PolicyStatement {
  const common = { sid: 'JobStatusAggregatorMembers', actions: ['events:PutEvents'], resources: [busArn] };
  if (members.organizationId !== undefined) {
    if (!ORGANIZATION_ID.test(members.organizationId)) {
      throw new SettingsError([
        `hub bus members: ${JSON.stringify(members.organizationId)} is not an Organization id (o-...).`,
      ]);
    }
    return new iam.PolicyStatement({
      ...common,
      principals: [new iam.AnyPrincipal()],
      conditions: { StringEquals: { 'aws:PrincipalOrgID': members.organizationId } },
    });
  }
  const accounts = [...new Set(members.accounts)];
  // A token (an account the stack resolves at deploy time) is checked by CloudFormation instead.
  const bad = accounts.filter((account) => !Token.isUnresolved(account) && !ACCOUNT_ID.test(account));
  if (accounts.length === 0 || bad.length > 0) {
    throw new SettingsError([
      `hub bus members: ${JSON.stringify(members.accounts)} must be one or more 12-digit account ids.`,
    ]);
  }
  return new iam.PolicyStatement({
    ...common,
    principals: accounts.map((account) => new iam.AccountPrincipal(account)),
  });
}
