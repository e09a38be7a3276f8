import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aws, CfnStackSet, Stack, type StackProps, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  MEMBER_STACK_NAME,
  MEMBER_STACK_SET_NAME,
  MemberParameter,
  TEMPLATE_BODY_LIMIT_BYTES,
} from '../../lambdas/contract/hub.js';
import { SettingsError } from '../settings.js';
import { type MemberSettings, REGION, resolveMemberSettings } from './member-settings.js';
import { assetFreeSynthesizer, JobStatusAggregatorMemberStack } from './member-stack.js';

export const CallAs = { SELF: 'SELF', DELEGATED_ADMIN: 'DELEGATED_ADMIN' } as const;
export type CallAs = (typeof CallAs)[keyof typeof CallAs];

/** Where the StackSet deploys the member stack: Organizations OUs (or the root) and regions. */
export interface MemberStackSetSettings extends MemberSettings {
  /** OU ids (`ou-...`) or the root id (`r-...`); accounts that join them later get the stack too. */
  readonly memberOrganizationalUnits: readonly string[];
  readonly memberRegions: readonly string[];
  /** `SELF` from the management account, `DELEGATED_ADMIN` from a delegated administrator. Default SELF. */
  readonly memberCallAs?: CallAs;
}

export interface JobStatusAggregatorMembersStackProps extends Omit<StackProps, 'synthesizer'> {
  readonly settings: MemberStackSetSettings;
}

/** Operation preferences: a bad template stops in the first region; a few failing accounts do not. */
export const MEMBER_OPERATION_PREFERENCES = {
  failureTolerancePercentage: 10,
  maxConcurrentPercentage: 25,
  concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
  regionConcurrencyType: 'SEQUENTIAL',
} as const;

const OU_OR_ROOT = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;

/**
 * The member stack as a service-managed StackSet: deployed to every account of the OUs, and automatically
 * to accounts that join them, in each member region. Deploy it from the management account or a delegated
 * administrator; it has no assets either.
 */
export class JobStatusAggregatorMembersStack extends Stack {
  readonly stackSet: CfnStackSet;
  /** The member template the StackSet carries, as its TemplateBody. */
  readonly templateBody: string;

  constructor(scope: Construct, id: string, props: JobStatusAggregatorMembersStackProps) {
    const { settings, ...stackProps } = props;
    const targets = resolveTargets(settings);
    super(scope, id, {
      description: 'Job-status aggregator members: the member stack as a StackSet over Organizations OUs',
      synthesizer: assetFreeSynthesizer(),
      analyticsReporting: false,
      ...stackProps,
    });
    const {
      memberOrganizationalUnits: _ous,
      memberRegions: _regions,
      memberCallAs: _callAs,
      ...shared
    } = settings;
    const member: MemberSettings = { ...shared, memberRoleRegion: targets.roleRegion };
    this.templateBody = memberTemplateBody(scope, member);
    this.stackSet = new CfnStackSet(this, 'MemberStackSet', {
      stackSetName: MEMBER_STACK_SET_NAME,
      description: 'Job-status aggregator member: read-only role for the hub, native job events to its bus',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: settings.memberCallAs ?? CallAs.SELF,
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      operationPreferences: {
        ...MEMBER_OPERATION_PREFERENCES,
        regionOrder: [targets.roleRegion, ...targets.regions.filter((r) => r !== targets.roleRegion)],
      },
      parameters: [
        { parameterKey: MemberParameter.HUB_ACCOUNT, parameterValue: settings.hubAccount ?? Aws.ACCOUNT_ID },
        { parameterKey: MemberParameter.HUB_REGION, parameterValue: settings.hubRegion ?? Aws.REGION },
        { parameterKey: MemberParameter.ROLE_REGION, parameterValue: targets.roleRegion },
      ],
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: [...targets.organizationalUnits] },
          regions: [...targets.regions],
        },
      ],
      templateBody: this.templateBody,
    });
  }
}

function resolveTargets(settings: MemberStackSetSettings): {
  organizationalUnits: readonly string[];
  regions: readonly string[];
  roleRegion: string;
} {
  const problems: string[] = [];
  const organizationalUnits = [...new Set(settings.memberOrganizationalUnits)];
  const regions = [...new Set(settings.memberRegions)];
  if (organizationalUnits.length === 0) {
    problems.push(
      'memberOrganizationalUnits: at least one OU id is required. Example: -c memberOrganizationalUnits=ou-ab12-cdef3456',
    );
  }
  for (const ou of organizationalUnits.filter((ou) => !OU_OR_ROOT.test(ou))) {
    problems.push(
      `memberOrganizationalUnits: ${JSON.stringify(ou)} is not an OU id (ou-...) or a root id (r-...).`,
    );
  }
  if (regions.length === 0) {
    problems.push(
      'memberRegions: at least one region is required. Example: -c memberRegions=eu-west-1,us-east-1',
    );
  }
  for (const region of regions.filter((r) => !REGION.test(r))) {
    problems.push(
      `memberRegions: ${JSON.stringify(region)} is not a region. Example: -c memberRegions=eu-west-1`,
    );
  }
  const roleRegion = settings.memberRoleRegion ?? regions[0] ?? '';
  if (regions.length > 0 && !regions.includes(roleRegion)) {
    problems.push(
      `memberRoleRegion: ${roleRegion} is not one of memberRegions (${regions.join(', ')}); no region would create the read role.`,
    );
  }
  const callAs = settings.memberCallAs;
  if (callAs !== undefined && !Object.values(CallAs).includes(callAs)) {
    problems.push(`memberCallAs: ${JSON.stringify(callAs)} is not allowed. Allowed: SELF, DELEGATED_ADMIN.`);
  }
  try {
    resolveMemberSettings(settings);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return { organizationalUnits, regions, roleRegion };
}

/**
 * The member template, synthesized in an App of its own (with the caller's context, so feature flags match)
 * and serialized compactly; it must fit CloudFormation's inline TemplateBody limit.
 */
export function memberTemplateBody(scope: Construct, settings: MemberSettings): string {
  // Token-valued hub coordinates belong to this stack, not the member template: the StackSet passes them.
  const literal = (value: string | undefined) =>
    value === undefined || Token.isUnresolved(value) ? undefined : value;
  const { hubAccount, hubRegion, ...rest } = settings;
  const memberSettings: MemberSettings = {
    ...rest,
    ...(literal(hubAccount) && { hubAccount }),
    ...(literal(hubRegion) && { hubRegion }),
  };
  // An explicit outdir: under `cdk synth` a default App would write into the CLI's cloud assembly.
  const outdir = mkdtempSync(join(tmpdir(), 'job-status-aggregator-member-'));
  try {
    const app = new App({ outdir, context: scope.node.getAllContext(), analyticsReporting: false });
    const stack = new JobStatusAggregatorMemberStack(app, MEMBER_STACK_NAME, { settings: memberSettings });
    const body = JSON.stringify(app.synth().getStackArtifact(stack.artifactId).template);
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > TEMPLATE_BODY_LIMIT_BYTES) {
      throw new Error(
        `The member template is ${bytes} bytes; a StackSet TemplateBody takes at most ${TEMPLATE_BODY_LIMIT_BYTES}.`,
      );
    }
    return body;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
