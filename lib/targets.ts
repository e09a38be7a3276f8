import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { memberRoleArn, ORGANIZATION_READ_ACTIONS, type Target } from '../lambdas/contract/hub.js';
import type { HubBusMembers } from './member/hub-bus-policy.js';
import { acknowledge, iam5Resource } from './nag.js';
import type { ResolvedTargets } from './settings.js';

/**
 * What the hub's targets mean for its stack: the list the pollers read, the member accounts (every target
 * account but the hub's own), and who may forward events to the hub's bus.
 */
export interface HubTargets {
  /** Every account × region, in the form the pollers read (setting `targets`). */
  readonly targets: readonly Target[];
  readonly memberRoleName: string;
  readonly regions: readonly string[];
  /** The target accounts other than the hub's own: each runs the member stack. */
  readonly memberAccounts: readonly string[];
  readonly organizationId: string | undefined;
  /** OUs whose active accounts the pollers discover each cycle (besides `targets`); empty: none. */
  readonly organizationUnits: readonly string[];
  /** The role the pollers assume to read the OUs; undefined: they read them with their own role. */
  readonly organizationRoleArn: string | undefined;
  /** Targets per run above which a scheduled run fans out; undefined: it never does. */
  readonly fanOutTargetsPerRun: number | undefined;
  /**
   * Whether any other account is watched: then the poller roles carry the names members trust, may assume
   * the member roles, and the hub's bus takes the members' forwarded events.
   */
  readonly hasMembers: boolean;
}

export function hubTargets(scope: IConstruct, resolved: ResolvedTargets): HubTargets {
  // An env-agnostic stack's account is the `Aws.ACCOUNT_ID` token: the same string as a target written so.
  const hubAccount = Stack.of(scope).account;
  const memberAccounts = resolved.accounts.filter((account) => account !== hubAccount);
  return {
    targets: resolved.accounts.flatMap((accountId) =>
      resolved.regions.map((region) => ({ accountId, region })),
    ),
    memberRoleName: resolved.memberRoleName,
    regions: resolved.regions,
    memberAccounts,
    organizationId: resolved.organizationId,
    organizationUnits: resolved.discovery?.organizationUnits ?? [],
    organizationRoleArn: resolved.discovery?.organizationRoleArn,
    fanOutTargetsPerRun: resolved.fanOutTargetsPerRun,
    hasMembers: memberAccounts.length > 0 || resolved.organizationId !== undefined,
  };
}

/**
 * A poller's memory when the hub watches other accounts. Lambda gives CPU in proportion to memory, and a
 * hub's run holds every target's adapter, credentials and the service's whole active-job list: at 50
 * account-regions × 1,000 jobs the benchmark's poller peaks at about 410 MB RSS (BENCHMARKS.md, "Many
 * targets"), too close to the single-account 512 MB, and its cycle is CPU-bound on parsing pages.
 */
export const HUB_POLLER_MEMORY_MB = 1024;
/** A poller's memory when it watches its own account only (or only its own account in several regions). */
export const POLLER_MEMORY_MB = 512;

/** Who the hub bus's policy admits: the Organization, else the listed member accounts. */
export function busMembers(targets: HubTargets): HubBusMembers {
  return targets.organizationId !== undefined
    ? { organizationId: targets.organizationId }
    : { accounts: targets.memberAccounts };
}

/**
 * The member roles a poller may assume: exactly the member accounts' read roles, or with an Organization
 * the read role's name in any account of it (`aws:ResourceOrgID`), so an account joins without an IAM change.
 * Undefined when there is no member account.
 */
export function assumeMemberRoles(targets: HubTargets): iam.PolicyStatement | undefined {
  const { memberRoleName, organizationId, memberAccounts } = targets;
  if (organizationId !== undefined) {
    return new iam.PolicyStatement({
      actions: ['sts:AssumeRole'],
      resources: [memberRoleArn(Aws.PARTITION, '*', memberRoleName)],
      conditions: { StringEquals: { 'aws:ResourceOrgID': organizationId } },
    });
  }
  if (memberAccounts.length === 0) return undefined;
  return new iam.PolicyStatement({
    actions: ['sts:AssumeRole'],
    resources: memberAccounts.map((account) => memberRoleArn(Aws.PARTITION, account, memberRoleName)),
  });
}

/** The IAM5 resource of the Organization form's grant, as cdk-nag reports it. */
export function organizationRoleResource(memberRoleName: string): string {
  return `arn:<AWS::Partition>:iam::*:role/${memberRoleName}`;
}

/**
 * The accounts whose forwarded native events the hub's rule takes: the listed members, or with discovery any
 * account the bus admits (the Organization's), since the accounts are known only at run time; the poller
 * ignores an event of an account and region it does not watch. Undefined: no member rule.
 */
export function memberEventAccounts(targets: HubTargets): { readonly account?: string[] } | undefined {
  if (targets.organizationUnits.length > 0) return {};
  return targets.memberAccounts.length > 0 ? { account: [...targets.memberAccounts] } : undefined;
}

const DISCOVERY_REASON =
  'organizations:ListChildren and organizations:ListAccountsForParent have no resource-level permissions; these two read-only actions are all account discovery calls.';

/**
 * What a poller may do to discover the OUs' accounts: assume exactly the configured discovery role, or,
 * without one (the hub is the management or delegated-administrator account), exactly the two read actions.
 * Undefined without OUs.
 */
export function discoveryPolicy(
  scope: IConstruct,
  id: string,
  role: iam.IRole,
  targets: HubTargets,
): iam.Policy | undefined {
  if (targets.organizationUnits.length === 0) return undefined;
  const roleArn = targets.organizationRoleArn;
  const policy = new iam.Policy(scope, id, {
    roles: [role],
    statements: [
      roleArn
        ? new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [roleArn] })
        : new iam.PolicyStatement({ actions: [...ORGANIZATION_READ_ACTIONS], resources: ['*'] }),
    ],
  });
  if (!roleArn) acknowledge(policy, iam5Resource('*'), DISCOVERY_REASON);
  return policy;
}
