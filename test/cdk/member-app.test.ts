import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { MEMBER_STACK_NAME, MEMBERS_STACK_NAME } from '../../lambdas/contract/hub.js';
import { addMemberStacks } from '../../lib/member/member-app.js';
import type { JobStatusAggregatorMemberStack } from '../../lib/member/member-stack.js';
import type { JobStatusAggregatorMembersStack } from '../../lib/member/members-stack.js';
import { SettingsError } from '../../lib/settings.js';
import { CDK_JSON_CONTEXT, type CfnResource, ofType, props } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** The app's member stacks for context values as `-c key=value` gives them (strings). */
function appWith(context: Record<string, string>): App {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...context } });
  addMemberStacks(app);
  return app;
}

describe('member context keys', () => {
  it('adds the member stack alone when no OU is set, with the hub coordinates as parameter defaults', () => {
    // Act
    const app = appWith({ hubAccount: '111122223333', hubRegion: 'eu-west-1', services: 'healthlake' });

    // Assess
    expect(app.node.children.map((c) => c.node.id)).toEqual([MEMBER_STACK_NAME]);
    const stack = app.node.findChild(MEMBER_STACK_NAME) as JobStatusAggregatorMemberStack;
    expect(stack.settings).toEqual({
      services: ['healthlake'],
      imagingManifestLocations: [],
      memberRoleName: 'JobStatusAggregatorRead',
      hubAccount: '111122223333',
      hubRegion: 'eu-west-1',
      memberRoleRegion: 'eu-west-1', // no member regions: the hub's region creates the role
    });
  });

  it('adds the StackSet when OUs are set, from comma lists or JSON arrays, with the same member settings', () => {
    // Act
    const app = appWith({
      hubAccount: '111122223333',
      hubRegion: 'eu-west-1',
      memberOrganizationalUnits: '["ou-ab12-cdef3456","r-ab12"]',
      memberRegions: 'us-east-1, eu-west-1',
      memberRoleName: 'AggregatorRead',
      memberCallAs: 'delegated_admin',
      imagingManifestLocations: 's3://dicom-out/manifests',
    });

    // Assess
    const member = app.node.findChild(MEMBER_STACK_NAME) as JobStatusAggregatorMemberStack;
    const members = app.node.findChild(MEMBERS_STACK_NAME) as JobStatusAggregatorMembersStack;
    expect(member.settings.memberRoleRegion).toBe('us-east-1'); // the first member region
    expect(member.settings.memberRoleName).toBe('AggregatorRead');
    const template = app.synth().getStackArtifact(member.artifactId).template as unknown;
    expect(JSON.parse(members.templateBody)).toEqual(template);
    const resources = app.synth().getStackArtifact(members.artifactId).template.Resources as Record<
      string,
      CfnResource
    >;
    const [, set] = ofType(resources, 'AWS::CloudFormation::StackSet')[0] as [string, CfnResource];
    expect(props(set).CallAs).toBe('DELEGATED_ADMIN');
    expect(props(set).StackInstancesGroup).toEqual([
      {
        DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-cdef3456', 'r-ab12'] },
        Regions: ['us-east-1', 'eu-west-1'],
      },
    ]);
  });

  it('deploys the StackSet to the hub’s target regions when no member regions are given apart', () => {
    // Act
    const app = appWith({
      hubAccount: '111122223333',
      hubRegion: 'eu-west-1',
      targetAccounts: '444455556666',
      targetRegions: 'eu-west-1,us-east-1',
      organizationId: 'o-a1b2c3d4e5',
      memberOrganizationalUnits: 'ou-ab12-cdef3456',
    });

    // Assess
    const members = app.node.findChild(MEMBERS_STACK_NAME) as JobStatusAggregatorMembersStack;
    const resources = app.synth().getStackArtifact(members.artifactId).template.Resources as Record<
      string,
      CfnResource
    >;
    const [, set] = ofType(resources, 'AWS::CloudFormation::StackSet')[0] as [string, CfnResource];
    expect(props(set).StackInstancesGroup).toEqual([
      {
        DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-cdef3456'] },
        Regions: ['eu-west-1', 'us-east-1'],
      },
    ]);
  });

  it('stops with the problems of every bad member key', () => {
    // Act
    let message = '';
    try {
      appWith({ memberRoleName: ' ', memberRegions: '[not json', hubAccount: 'hub' });
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      message = error.message;
    }

    // Assess
    expect(message).toContain('memberRoleName: " " must be a non-empty string.');
    expect(message).toContain('memberRegions: "[not json" looks like JSON but does not parse.');
    expect(() => appWith({ hubAccount: 'hub' })).toThrow(/hubAccount: "hub" is not a 12-digit account id/);
  });
});

describe('npx cdk synth (offline, as CI runs it)', () => {
  it('writes the member template beside the hub’s, with no asset, and cdk-nag finds nothing', () => {
    // Prepare
    const outdir = mkdtempSync(join(tmpdir(), 'job-status-aggregator-member-cli-'));
    outdirs.push(outdir);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;

    // Act
    const result = spawnSync('npx', ['cdk', 'synth', '--no-notices', '--quiet', '--output', outdir], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 180_000,
    });

    // Assess
    const output = `${result.stdout}${result.stderr}`;
    expect(result.status, output).toBe(0);
    expect(output).not.toContain('AwsSolutions-');
    const files = readdirSync(outdir);
    expect(files).toContain('JobStatusAggregator.template.json');
    expect(files).toContain(`${MEMBER_STACK_NAME}.template.json`);
    expect(files).not.toContain(`${MEMBER_STACK_NAME}.assets.json`);
    expect(existsSync(join(outdir, `${MEMBERS_STACK_NAME}.template.json`))).toBe(false);
    const template = JSON.parse(readFileSync(join(outdir, `${MEMBER_STACK_NAME}.template.json`), 'utf8')) as {
      Parameters: Record<string, { Default?: string }>;
      Resources: Record<string, { Type: string }>;
    };
    expect(Object.keys(template.Parameters)).toEqual(['HubAccountId', 'HubRegion', 'RoleRegion']);
    expect(Object.values(template.Resources).map((r) => r.Type)).toContain('AWS::IAM::Role');
  }, 180_000);
});
