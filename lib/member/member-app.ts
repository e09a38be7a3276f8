import type { App } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { MEMBER_STACK_NAME, MEMBERS_STACK_NAME } from '../../lambdas/contract/hub.js';
import {
  asList,
  type ContextSettings,
  contextValue,
  SettingsError,
  settingsFromContext,
} from '../settings.js';
import type { MemberSettings } from './member-settings.js';
import { JobStatusAggregatorMemberStack } from './member-stack.js';
import {
  type CallAs,
  JobStatusAggregatorMembersStack,
  type MemberStackSetSettings,
} from './members-stack.js';

/** The member context keys; `services` and `imagingManifestLocations` are the hub's own keys. */
export const MEMBER_CONTEXT_KEYS = [
  'hubAccount',
  'hubRegion',
  'memberRoleName',
  'memberRoleRegion',
  'memberOrganizationalUnits',
  'memberRegions',
  'memberCallAs',
] as const;
type MemberContextKey = (typeof MEMBER_CONTEXT_KEYS)[number];

/**
 * Adds the member stack (always, so `cdk synth` writes its template for review and StackSets) and, when
 * `memberOrganizationalUnits` is set, the stack holding it as a StackSet. Both take the hub's `services`
 * and `imagingManifestLocations`, so members grant exactly what the hub's pollers call.
 */
export function addMemberStacks(app: App): void {
  const problems: string[] = [];
  const text = (key: MemberContextKey) => contextText(app.node, key, problems);
  const list = (key: MemberContextKey) => contextList(app.node, key, problems);
  // The hub's keys too, reported with the member keys' problems in one message.
  const hub = hubSettings(app.node, problems);
  // The member regions are where the hub polls, unless given apart.
  const regions = list('memberRegions') ?? hub.targetRegions?.slice();
  const hubRegion = text('hubRegion');
  const roleRegion = text('memberRoleRegion') ?? regions?.[0] ?? hubRegion;
  const member: MemberSettings = {
    ...(hub.services && { services: hub.services }),
    ...(hub.imagingManifestLocations && { imagingManifestLocations: hub.imagingManifestLocations }),
    ...optional('memberRoleName', text('memberRoleName')),
    ...optional('hubAccount', text('hubAccount')),
    ...optional('hubRegion', hubRegion),
    ...optional('memberRoleRegion', roleRegion),
  };
  const organizationalUnits = list('memberOrganizationalUnits');
  const callAs = text('memberCallAs');
  if (problems.length > 0) throw new SettingsError([...new Set(problems)]);

  new JobStatusAggregatorMemberStack(app, MEMBER_STACK_NAME, { settings: member });
  if (organizationalUnits === undefined) return;
  const stackSet: MemberStackSetSettings = {
    ...member,
    memberOrganizationalUnits: organizationalUnits,
    memberRegions: regions ?? [],
    ...optional('memberCallAs', callAs?.toUpperCase() as CallAs | undefined),
  };
  new JobStatusAggregatorMembersStack(app, MEMBERS_STACK_NAME, { settings: stackSet });
}

function hubSettings(node: Node, problems: string[]): ContextSettings {
  try {
    return settingsFromContext(node);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    problems.push(...error.problems);
    return {};
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function contextText(node: Node, key: string, problems: string[]): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push(`${key}: ${JSON.stringify(value)} must be a non-empty string.`);
    return undefined;
  }
  return value.trim();
}

/** A JSON array (cdk.json, or `-c key=["a","b"]`) or a comma-separated string (`-c key=a,b`). */
function contextList(node: Node, key: string, problems: string[]): string[] | undefined {
  return asList(contextValue(node, key, problems), key, problems);
}
