/**
 * What the hub and its member accounts agree on: the targets, role names, the session name, the hub bus and
 * the member template's parameters. Data only (no CDK, no SDK), so the hub's stack, its pollers and the
 * member stack all read the same facts from here.
 */

/** One account and region the hub polls: quotas, cursors and pacing are kept per target. */
export interface Target {
  readonly accountId: string;
  readonly region: string;
}

/** The read-only role each member account creates for the hub's pollers (setting `memberRoleName`). */
export const DEFAULT_MEMBER_ROLE_NAME = 'JobStatusAggregatorRead';

/** The hub's own event bus, the target of every member's forwarding rules. */
export const HUB_EVENT_BUS_NAME = 'job-status-aggregator';

/** The member stack (`cdk deploy`, and the StackSet's instances) and the stack that holds the StackSet. */
export const MEMBER_STACK_NAME = 'JobStatusAggregatorMember';
export const MEMBERS_STACK_NAME = 'JobStatusAggregatorMembers';
export const MEMBER_STACK_SET_NAME = 'JobStatusAggregatorMember';

/** The member template's parameters: one template serves every member account and region. */
export const MemberParameter = {
  /** The hub's account: its poller roles may assume the read role; its bus receives forwarded events. */
  HUB_ACCOUNT: 'HubAccountId',
  /** The hub's region: part of the poller role names, and where its bus is. */
  HUB_REGION: 'HubRegion',
  /** The one member region that creates the (global) read role; the other regions only forward events. */
  ROLE_REGION: 'RoleRegion',
} as const;

/** The hub's poller role for a service, one per enabled service and hub region (IAM names are global). */
export function hubPollerRoleName(service: string, hubRegion: string): string {
  return `JobStatusAggregator-${service}-${hubRegion}`;
}

/** The session name a hub poller gives when it assumes a member's read role (it shows in CloudTrail). */
export function hubSessionName(service: string): string {
  return `job-status-aggregator-${service}`;
}

/**
 * Exactly the Organizations actions account discovery makes (ListChildren for the OUs below an OU,
 * ListAccountsForParent for its accounts): the hub's grant, or the discovery role's policy. Neither action
 * has resource-level permissions.
 */
export const ORGANIZATION_READ_ACTIONS = [
  'organizations:ListChildren',
  'organizations:ListAccountsForParent',
] as const;

/** The session name a hub poller gives when it assumes the Organization discovery role. */
export function hubDiscoverySessionName(service: string): string {
  return `job-status-aggregator-discovery-${service}`;
}

export function hubPollerRoleArn(partition: string, hubAccount: string, service: string, hubRegion: string) {
  return `arn:${partition}:iam::${hubAccount}:role/${hubPollerRoleName(service, hubRegion)}`;
}

export function hubEventBusArn(partition: string, hubRegion: string, hubAccount: string): string {
  return `arn:${partition}:events:${hubRegion}:${hubAccount}:event-bus/${HUB_EVENT_BUS_NAME}`;
}

export function memberRoleArn(partition: string, memberAccount: string, roleName: string): string {
  return `arn:${partition}:iam::${memberAccount}:role/${roleName}`;
}

/** CloudFormation's limit on an inline `TemplateBody` (the StackSet carries the member template inline). */
export const TEMPLATE_BODY_LIMIT_BYTES = 51_200;
