import { App, FileAssetPackaging, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MEMBER_ROLE_NAME,
  HUB_EVENT_BUS_NAME,
  hubPollerRoleArn,
  hubSessionName,
  MemberParameter,
  TEMPLATE_BODY_LIMIT_BYTES,
} from '../../lambdas/contract/hub.js';
import { serviceFacts } from '../../lambdas/contract/services.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import { hubBusPolicyStatement } from '../../lib/member/hub-bus-policy.js';
import type { MemberSettings } from '../../lib/member/member-settings.js';
import { JobStatusAggregatorMemberStack } from '../../lib/member/member-stack.js';
import {
  JobStatusAggregatorMembersStack,
  type MemberStackSetSettings,
} from '../../lib/member/members-stack.js';
import { SettingsError } from '../../lib/settings.js';
import {
  acknowledgements,
  CDK_JSON_CONTEXT,
  type CfnResource,
  cfnLint,
  type Json,
  nagFindings,
  ofType,
  props,
  refId,
} from './support.js';

const HUB_ACCOUNT = '111122223333';
const HUB_REGION = 'eu-west-1';
const ALL_SERVICES: ServiceId[] = [
  'healthlake',
  'healthimaging',
  'healthomics',
  'entityresolution',
  'panorama',
];
const MANIFESTS = ['s3://dicom-out/manifests/', 's3://second-bucket'];
const FULL: MemberSettings = {
  services: ALL_SERVICES,
  imagingManifestLocations: MANIFESTS,
  hubAccount: HUB_ACCOUNT,
  hubRegion: HUB_REGION,
  memberRoleRegion: 'us-east-1',
};
const STACK_SET: MemberStackSetSettings = {
  ...FULL,
  memberOrganizationalUnits: ['ou-ab12-cdef3456', 'ou-ab12-99998888'],
  memberRegions: ['eu-west-1', 'us-east-1', 'eu-central-1'],
  memberCallAs: 'DELEGATED_ADMIN',
};

interface Member {
  readonly stack: JobStatusAggregatorMemberStack;
  readonly template: Json;
  readonly resources: Record<string, CfnResource>;
}

/** The member stack under the project's feature flags, as `cdk synth` writes it. */
function member(settings: MemberSettings = {}): Member {
  const app = new App({ context: CDK_JSON_CONTEXT });
  const stack = new JobStatusAggregatorMemberStack(app, 'Member', { settings });
  const template = Template.fromStack(stack).toJSON();
  return { stack, template, resources: template.Resources as Record<string, CfnResource> };
}

function members(settings: MemberStackSetSettings = STACK_SET): JobStatusAggregatorMembersStack {
  return new JobStatusAggregatorMembersStack(new App({ context: CDK_JSON_CONTEXT }), 'Members', { settings });
}

/** A template value with Ref and Fn::Join evaluated, as CloudFormation would for these parameters. */
function render(value: unknown, refs: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => render(item, refs));
  if (typeof value !== 'object' || value === null) return value;
  const v = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
  if (v.Ref !== undefined) return refs[v.Ref] ?? `<${v.Ref}>`;
  if (v['Fn::Join']) {
    const [separator, parts] = v['Fn::Join'];
    return parts.map((part) => String(render(part, refs))).join(separator);
  }
  return Object.fromEntries(Object.entries(value).map(([k, item]) => [k, render(item, refs)]));
}

const REFS = {
  'AWS::Partition': 'aws',
  'AWS::AccountId': '444455556666',
  [MemberParameter.HUB_ACCOUNT]: HUB_ACCOUNT,
  [MemberParameter.HUB_REGION]: HUB_REGION,
};

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function readRole(m: Member): [string, CfnResource] {
  const roles = ofType(m.resources, 'AWS::IAM::Role').filter(
    ([, role]) => props(role).RoleName === (m.stack.settings.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME),
  );
  expect(roles).toHaveLength(1);
  return roles[0] as [string, CfnResource];
}

function readStatements(m: Member): Statement[] {
  const [, role] = readRole(m);
  return (props(role).Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
}

/** Every statement of every policy in the template, inline or attached. */
function allStatements(resources: Record<string, CfnResource>): Statement[] {
  const inline = ofType(resources, 'AWS::IAM::Role').flatMap(([, role]) =>
    ((props(role).Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []).flatMap(
      (policy) => policy.PolicyDocument.Statement,
    ),
  );
  const attached = ofType(resources, 'AWS::IAM::Policy').flatMap(
    ([, policy]) => (props(policy).PolicyDocument as { Statement: Statement[] }).Statement,
  );
  return [...inline, ...attached];
}

const full = member(FULL);
const plain = member();

describe('the read role', () => {
  it('trusts exactly the hub poller roles of the enabled services, through the hub account', () => {
    // Prepare
    const expectedRoles = (services: ServiceId[]) =>
      services.map((s) => `arn:aws:iam::${HUB_ACCOUNT}:role/JobStatusAggregator-${s}-${HUB_REGION}`);

    // Act
    const trust = (m: Member) =>
      render((props(readRole(m)[1]).AssumeRolePolicyDocument as { Statement: Statement[] }).Statement, REFS);

    // Assess
    expect(trust(full)).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${HUB_ACCOUNT}:root` },
        Condition: { ArnEquals: { 'aws:PrincipalArn': expectedRoles(ALL_SERVICES) } },
      },
    ]);
    const lakeOnly = member({ services: ['healthlake'] });
    expect(trust(lakeOnly)).toEqual([
      expect.objectContaining({
        Condition: { ArnEquals: { 'aws:PrincipalArn': expectedRoles(['healthlake']) } },
      }),
    ]);
    // The contract the hub builds its pollers' roles and sessions from.
    expect(hubPollerRoleArn('aws', HUB_ACCOUNT, 'healthlake', HUB_REGION)).toBe(
      expectedRoles(['healthlake'])[0],
    );
    expect(hubSessionName('healthomics')).toBe('job-status-aggregator-healthomics');
  });

  it('may call exactly the list and describe actions of the enabled services, and no wildcard action', () => {
    // Prepare
    const actionsOf = (services: ServiceId[]) => services.flatMap((s) => serviceFacts(s).iamActions).sort();
    const serviceActions = (m: Member) =>
      readStatements(m)
        .filter((s) => s.Resource === '*')
        .flatMap((s) => asList(s.Action))
        .sort();

    // Act
    const defaults = member();
    const two = member({ services: ['healthomics', 'entityresolution'] });

    // Assess
    expect(serviceActions(full)).toEqual(actionsOf(ALL_SERVICES));
    expect(serviceActions(defaults)).toEqual(
      actionsOf(['healthlake', 'healthimaging', 'healthomics', 'entityresolution']),
    );
    expect(serviceActions(two)).toEqual(actionsOf(['healthomics', 'entityresolution']));
    for (const m of [full, defaults, two]) {
      const actions = allStatements(m.resources).flatMap((s) => asList(s.Action));
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
      expect(readStatements(m).every((s) => s.Effect === 'Allow')).toBe(true);
    }
  });

  it('reads S3 objects only under the configured HealthImaging manifest locations', () => {
    // Act
    const s3 = (m: Member) =>
      readStatements(m).filter((s) => asList(s.Action).some((a) => a.startsWith('s3:')));

    // Assess
    expect(render(s3(full), REFS)).toEqual([
      {
        Action: 's3:GetObject',
        Effect: 'Allow',
        Resource: ['arn:aws:s3:::dicom-out/manifests/*', 'arn:aws:s3:::second-bucket/*'],
      },
    ]);
    expect(s3(plain)).toEqual([]);
    const withoutImaging = member({ services: ['healthlake'], imagingManifestLocations: MANIFESTS });
    expect(s3(withoutImaging)).toEqual([]);
    const s3Anywhere = allStatements(full.resources).filter((s) =>
      asList(s.Action).some((a) => a.startsWith('s3:')),
    );
    expect(s3Anywhere).toHaveLength(1);
  });

  it('is created only in the role region, because IAM is global and a StackSet deploys to every region', () => {
    // Act
    const [, role] = readRole(full);
    const conditioned = Object.entries(full.resources).filter(
      ([, r]) => (r as { Condition?: string }).Condition,
    );

    // Assess
    expect((role as { Condition?: string }).Condition).toBe('CreatesReadRole');
    expect(full.template.Conditions).toEqual({
      CreatesReadRole: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, { Ref: MemberParameter.ROLE_REGION }] },
    });
    // The role alone: the forwarding rules and their role exist in every region.
    expect(conditioned.map(([id]) => id)).toEqual([readRole(full)[0]]);
    expect((full.template.Outputs as Record<string, { Condition?: string }>).ReadRoleArn?.Condition).toBe(
      'CreatesReadRole',
    );
  });

  it('takes the role name from memberRoleName', () => {
    // Act
    const named = member({ memberRoleName: 'AggregatorReadOnly' });

    // Assess
    expect(props(readRole(named)[1]).RoleName).toBe('AggregatorReadOnly');
    expect(props(readRole(plain)[1]).RoleName).toBe('JobStatusAggregatorRead');
  });
});

describe('native event forwarding', () => {
  const HUB_BUS = `arn:aws:events:${HUB_REGION}:${HUB_ACCOUNT}:event-bus/${HUB_EVENT_BUS_NAME}`;

  it('has one rule per service with native events, matching its source and detail types on the default bus', () => {
    // Act
    const rules = ofType(full.resources, 'AWS::Events::Rule').map(([, rule]) => props(rule));

    // Assess
    const expected = ALL_SERVICES.flatMap((s) => {
      const native = serviceFacts(s).nativeEvents;
      return native ? [{ source: [native.source], 'detail-type': [...native.detailTypes] }] : [];
    });
    expect(rules.map((rule) => rule.EventPattern)).toEqual(expected);
    expect(expected).toHaveLength(3); // HealthLake, HealthImaging, HealthOmics; the other two send none
    for (const rule of rules) {
      expect(rule.EventBusName).toBeUndefined(); // the default bus
      expect(rule.State).toBe('ENABLED');
    }
  });

  it('targets the hub bus, across accounts and regions, with a role that may only put events there', () => {
    // Prepare
    const rules = ofType(full.resources, 'AWS::Events::Rule').map(([, rule]) => props(rule));
    const roleIds = new Set<string>();

    // Act
    for (const rule of rules) {
      const targets = rule.Targets as { Arn: unknown; RoleArn: unknown }[];
      expect(targets).toHaveLength(1);
      expect(render(targets[0]?.Arn, REFS)).toBe(HUB_BUS);
      roleIds.add(refId(targets[0]?.RoleArn));
    }

    // Assess
    expect(roleIds.size).toBe(1);
    const [forwardRoleId] = [...roleIds] as [string];
    const forwardRole = props(full.resources[forwardRoleId]);
    expect(render(forwardRole.AssumeRolePolicyDocument, REFS)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '444455556666' } },
        },
      ],
    });
    const statements = ofType(full.resources, 'AWS::IAM::Policy')
      .filter(([, p]) => (props(p).Roles as unknown[]).some((r) => refId(r) === forwardRoleId))
      .flatMap(([, p]) => (props(p).PolicyDocument as { Statement: Statement[] }).Statement);
    expect(render(statements, REFS)).toEqual([
      { Action: 'events:PutEvents', Effect: 'Allow', Resource: HUB_BUS },
    ]);
    expect(forwardRole.Policies).toBeUndefined();
  });

  it('has neither rules nor their role when no enabled service sends native events', () => {
    // Act
    const quiet = member({ services: ['entityresolution', 'panorama'] });

    // Assess
    expect(ofType(quiet.resources, 'AWS::Events::Rule')).toEqual([]);
    expect(ofType(quiet.resources, 'AWS::IAM::Role')).toHaveLength(1);
    expect(quiet.stack.forwardRole).toBeUndefined();
  });
});

describe('the member template', () => {
  it('needs no bootstrap and no assets, and uses the partition parameter, never a literal partition', () => {
    // Act
    const app = new App({ context: CDK_JSON_CONTEXT });
    const stack = new JobStatusAggregatorMemberStack(app, 'Member', { settings: FULL });
    const artifact = app.synth().getStackArtifact(stack.artifactId);
    const text = JSON.stringify(artifact.template);

    // Assess
    expect(Object.keys(artifact.template.Parameters)).toEqual(Object.values(MemberParameter));
    expect(artifact.template.Rules).toBeUndefined();
    expect(text).not.toContain('BootstrapVersion');
    expect(text).not.toContain('cdk-hnb659fds');
    expect(text).not.toMatch(/arn:aws[:-]/);
    expect(ofType(artifact.template.Resources, 'AWS::CDK::Metadata')).toEqual([]);
    expect(artifact.assets).toEqual([]);
    expect(artifact.dependencies.map((d) => d.id)).toEqual([]);
    expect(artifact.assumeRoleArn).toBeUndefined(); // the caller's credentials, no bootstrap deploy role
    expect(artifact.requiresBootstrapStackVersion).toBeUndefined();
    expect(() =>
      stack.synthesizer.addFileAsset({
        sourceHash: 'abc',
        fileName: 'x',
        packaging: FileAssetPackaging.FILE,
      }),
    ).toThrow(/deploy without assets/);
  });

  it('offers the hub coordinates as parameters, with the settings as their defaults', () => {
    // Assess
    const parameters = (m: Member) => m.template.Parameters as Record<string, { Default?: string }>;
    expect(parameters(full)[MemberParameter.HUB_ACCOUNT]?.Default).toBe(HUB_ACCOUNT);
    expect(parameters(full)[MemberParameter.HUB_REGION]?.Default).toBe(HUB_REGION);
    expect(parameters(full)[MemberParameter.ROLE_REGION]?.Default).toBe('us-east-1');
    // Nothing set: the deployer passes them (`--parameters`, or the StackSet's parameters).
    for (const parameter of Object.values(parameters(plain))) expect(parameter.Default).toBeUndefined();
  });

  it('refuses bad member settings, naming each key', () => {
    // Act
    const build = () =>
      member({
        memberRoleName: 'no spaces allowed',
        hubAccount: '1234',
        hubRegion: 'Ireland',
        services: ['lake' as ServiceId],
      });

    // Assess
    expect(build).toThrow(SettingsError);
    expect(build).toThrow(/services: "lake" is not a service/);
    expect(build).toThrow(/memberRoleName: "no spaces allowed" is not an IAM role name/);
    expect(build).toThrow(/hubAccount: "1234" is not a 12-digit account id/);
    expect(build).toThrow(/hubRegion: "Ireland" is not a region/);
  });
});

describe('the members StackSet', () => {
  const stackSet = members();
  const resources = Template.fromStack(stackSet).toJSON().Resources as Record<string, CfnResource>;
  const [, resource] = ofType(resources, 'AWS::CloudFormation::StackSet')[0] as [string, CfnResource];

  it('deploys the member template to the OUs and regions, service-managed and automatically', () => {
    // Act
    const { TemplateBody, ...rest } = props(resource);

    // Assess
    expect(rest).toEqual({
      StackSetName: 'JobStatusAggregatorMember',
      Description: expect.any(String),
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'DELEGATED_ADMIN',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      ManagedExecution: { Active: true },
      OperationPreferences: {
        ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        FailureTolerancePercentage: 10,
        MaxConcurrentPercentage: 25,
        RegionConcurrencyType: 'SEQUENTIAL',
        // The role region first: a template that fails, fails there before any other region.
        RegionOrder: ['us-east-1', 'eu-west-1', 'eu-central-1'],
      },
      Parameters: [
        { ParameterKey: 'HubAccountId', ParameterValue: HUB_ACCOUNT },
        { ParameterKey: 'HubRegion', ParameterValue: HUB_REGION },
        { ParameterKey: 'RoleRegion', ParameterValue: 'us-east-1' },
      ],
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-cdef3456', 'ou-ab12-99998888'] },
          Regions: ['eu-west-1', 'us-east-1', 'eu-central-1'],
        },
      ],
    });
    expect(typeof TemplateBody).toBe('string');
  });

  it('carries exactly the template `cdk synth` writes for the member stack, within the TemplateBody limit', () => {
    // Act
    const body = stackSet.templateBody;

    // Assess
    expect(props(resource).TemplateBody).toBe(body);
    expect(JSON.parse(body)).toEqual(full.template);
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThan(TEMPLATE_BODY_LIMIT_BYTES);
  });

  it('stays within the limit with every service and the most manifest locations allowed', () => {
    // Prepare
    const manifests = Array.from(
      { length: 20 },
      (_, i) => `s3://imaging-output-bucket-${i}/a/long/prefix/for/manifests`,
    );

    // Act
    const largest = members({
      ...STACK_SET,
      imagingManifestLocations: manifests,
      memberRoleName: 'R'.repeat(64),
    });

    // Assess
    const bytes = Buffer.byteLength(largest.templateBody, 'utf8');
    expect(bytes).toBeLessThan(TEMPLATE_BODY_LIMIT_BYTES);
    expect(JSON.parse(largest.templateBody).Resources).toBeDefined();
  });

  it('defaults to the deploying account and region as the hub, the first member region for the role, SELF', () => {
    // Act
    const { hubAccount: _a, hubRegion: _r, memberRoleRegion: _g, memberCallAs: _c, ...rest } = STACK_SET;
    const defaulted = Template.fromStack(members(rest)).toJSON().Resources as Record<string, CfnResource>;
    const [, set] = ofType(defaulted, 'AWS::CloudFormation::StackSet')[0] as [string, CfnResource];

    // Assess
    expect(props(set).CallAs).toBe('SELF');
    expect(props(set).Parameters).toEqual([
      { ParameterKey: 'HubAccountId', ParameterValue: { Ref: 'AWS::AccountId' } },
      { ParameterKey: 'HubRegion', ParameterValue: { Ref: 'AWS::Region' } },
      { ParameterKey: 'RoleRegion', ParameterValue: 'eu-west-1' },
    ]);
  });

  it('refuses targets no role or instance could come from', () => {
    // Act
    const build = () =>
      members({
        ...STACK_SET,
        memberOrganizationalUnits: ['engineering'],
        memberRegions: ['eu-west-1'],
        memberRoleRegion: 'us-east-1',
        memberCallAs: 'ADMIN' as never,
      });

    // Assess
    expect(build).toThrow(SettingsError);
    expect(build).toThrow(/memberOrganizationalUnits: "engineering" is not an OU id/);
    expect(build).toThrow(/memberRoleRegion: us-east-1 is not one of memberRegions \(eu-west-1\)/);
    expect(build).toThrow(/memberCallAs: "ADMIN" is not allowed/);
    expect(() => members({ ...STACK_SET, memberOrganizationalUnits: [], memberRegions: [] })).toThrow(
      /memberOrganizationalUnits: at least one OU id is required[\s\S]*memberRegions: at least one region/,
    );
  });
});

describe('the hub bus policy statement', () => {
  function busPolicies(members: Parameters<typeof hubBusPolicyStatement>[1]): Json[] {
    const stack = new Stack(new App(), 'Hub');
    const bus = new events.EventBus(stack, 'Bus', { eventBusName: HUB_EVENT_BUS_NAME });
    bus.addToResourcePolicy(hubBusPolicyStatement(bus.eventBusArn, members));
    return ofType(Template.fromStack(stack).toJSON().Resources, 'AWS::Events::EventBusPolicy').map(
      ([, policy]) => props(policy),
    );
  }

  it('admits the Organization by aws:PrincipalOrgID, and only PutEvents on the bus', () => {
    // Act
    const [policy] = busPolicies({ organizationId: 'o-a1b2c3d4e5' });

    // Assess
    expect(policy?.Statement).toEqual({
      Sid: 'cdk-JobStatusAggregatorMembers',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'events:PutEvents',
      Resource: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    });
  });

  it('admits exactly the listed accounts otherwise', () => {
    // Act
    const [policy] = busPolicies({ accounts: ['444455556666', '777788889999', '444455556666'] });

    // Assess
    const statement = policy?.Statement as Statement;
    expect(statement.Condition).toBeUndefined();
    expect(render(statement.Principal, REFS)).toEqual({
      AWS: ['arn:aws:iam::444455556666:root', 'arn:aws:iam::777788889999:root'],
    });
    expect(statement.Action).toBe('events:PutEvents');
  });

  it('refuses a malformed Organization id and an empty or malformed account list', () => {
    // Assess
    expect(() => busPolicies({ organizationId: 'acme' })).toThrow(/is not an Organization id/);
    expect(() => busPolicies({ accounts: [] })).toThrow(/must be one or more 12-digit account ids/);
    expect(() => busPolicies({ accounts: ['12345'] })).toThrow(/must be one or more 12-digit account ids/);
  });
});

describe('cdk-nag (AwsSolutions) and cfn-lint', () => {
  const nagged = [full.stack, plain.stack, member({ services: ['entityresolution'] }).stack, members()];

  it('has no unacknowledged finding', () => {
    // Assess
    for (const stack of nagged) expect(nagFindings(stack), stack.stackName).toEqual([]);
  });

  it('acknowledges only findings that exist, each on its own resource and with a written reason', () => {
    for (const stack of nagged) {
      // Act
      const findings = nagFindings(stack, true);
      const acknowledged = acknowledgements(stack);

      // Assess
      const key = (f: { rule: string; path: string }) => `${f.rule} @ ${f.path}`;
      expect(acknowledged.map(key).sort()).toEqual(findings.map(key).sort());
      for (const ack of acknowledged) expect(ack.reason.length, key(ack)).toBeGreaterThan(60);
      expect(acknowledged.every((ack) => ack.path.split('/').length > 2)).toBe(true);
    }
    // The wildcard resource of the list calls, and one per manifest prefix.
    expect(acknowledgements(full.stack).map((a) => a.rule)).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::dicom-out/manifests/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::second-bucket/*]',
    ]);
  });

  it('finds no errors and no warnings in the member template and the StackSet', () => {
    // Act
    const result = cfnLint([full.template, plain.template, Template.fromStack(members()).toJSON()]);

    // Assess
    expect(result.status & 6, result.output).toBe(0);
  }, 60_000);
});
