import {
  Aws,
  CfnCondition,
  CfnOutput,
  CfnParameter,
  type DockerImageAssetLocation,
  type DockerImageAssetSource,
  type FileAssetLocation,
  type FileAssetSource,
  Fn,
  type IStackSynthesizer,
  LegacyStackSynthesizer,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import {
  hubEventBusArn,
  hubPollerRoleArn,
  MemberParameter,
  memberRoleArn,
} from '../../lambdas/contract/hub.js';
import { manifestObjects } from '../job-status-aggregator.js';
import { pascal } from '../monitoring.js';
import { acknowledge, iam5Resource } from '../nag.js';
import {
  type MemberSettings,
  type ResolvedMemberSettings,
  resolveMemberSettings,
} from './member-settings.js';
import { MemberNagReasons } from './nag-reasons.js';
import { type MemberServiceFacts, memberServiceFacts } from './service-facts.js';

/**
 * Deploys with the caller's credentials and needs no `cdk bootstrap`: no bootstrap-version parameter or
 * rule, no deploy role to assume (BootstraplessSynthesizer still names the bootstrap deploy role), and no
 * assets at all (adding one is a synth error).
 */
export class AssetFreeSynthesizer extends LegacyStackSynthesizer {
  override addFileAsset(asset: FileAssetSource): FileAssetLocation {
    throw new Error(`The member templates deploy without assets; refusing asset ${asset.sourceHash}.`);
  }

  override addDockerImageAsset(asset: DockerImageAssetSource): DockerImageAssetLocation {
    throw new Error(`The member templates deploy without assets; refusing image ${asset.sourceHash}.`);
  }
}

/** The cast: CDK's optional `bootstrapQualifier` does not satisfy exactOptionalPropertyTypes. */
export function assetFreeSynthesizer(): IStackSynthesizer {
  return new AssetFreeSynthesizer() as unknown as IStackSynthesizer;
}

export interface JobStatusAggregatorMemberStackProps extends Omit<StackProps, 'synthesizer'> {
  readonly settings?: MemberSettings;
}

/**
 * What a member account needs so the hub can watch it, as one template without assets, so it deploys with
 * `cdk deploy` and as a StackSet instance alike: the hub's read role (in one region, IAM being global) and,
 * in every region, rules that forward the services' own job events to the hub's bus.
 */
export class JobStatusAggregatorMemberStack extends Stack {
  readonly settings: ResolvedMemberSettings;
  /** Created only in the role region (the `CreatesReadRole` condition). */
  readonly readRole: iam.Role;
  /** Undefined when no enabled service sends native events. */
  readonly forwardRole: iam.Role | undefined;

  constructor(scope: Construct, id: string, props: JobStatusAggregatorMemberStackProps = {}) {
    const { settings, ...stackProps } = props;
    const resolved = resolveMemberSettings(settings ?? {});
    super(scope, id, {
      description: 'Job-status aggregator member: read-only role for the hub, native job events to its bus',
      // No assets and no bootstrap stack in members: a StackSet instance has neither.
      synthesizer: assetFreeSynthesizer(),
      analyticsReporting: false,
      ...stackProps,
    });
    this.settings = resolved;
    const hub = this.parameters(resolved);
    const services = resolved.services.map(memberServiceFacts);
    this.readRole = this.createReadRole(services, hub);
    this.forwardRole = this.createForwarding(services, hub);
  }

  private parameters(settings: ResolvedMemberSettings): {
    account: string;
    region: string;
    roleRegion: string;
  } {
    const parameter = (name: string, description: string, pattern: string, defaultValue?: string) =>
      new CfnParameter(this, name, {
        type: 'String',
        description,
        allowedPattern: pattern,
        ...(defaultValue !== undefined && { default: defaultValue }),
      }).valueAsString;
    const region = '^[a-z]{2}(-[a-z]+)+-\\d{1,2}$';
    return {
      account: parameter(
        MemberParameter.HUB_ACCOUNT,
        'Account of the hub: its pollers assume the read role, its bus receives job events',
        '^\\d{12}$',
        settings.hubAccount,
      ),
      region: parameter(MemberParameter.HUB_REGION, 'Region of the hub', region, settings.hubRegion),
      roleRegion: parameter(
        MemberParameter.ROLE_REGION,
        'The one region of this account that creates the read role (IAM roles are global)',
        region,
        settings.memberRoleRegion,
      ),
    };
  }

  private createReadRole(
    services: readonly MemberServiceFacts[],
    hub: { account: string; region: string; roleRegion: string },
  ): iam.Role {
    const { memberRoleName, imagingManifestLocations } = this.settings;
    const pollerRoles = services.map((s) => hubPollerRoleArn(Aws.PARTITION, hub.account, s.id, hub.region));
    const manifests = imagingManifestLocations.map((l) => `arn:${Aws.PARTITION}:s3:::${manifestObjects(l)}`);
    const role = new iam.Role(this, 'ReadRole', {
      roleName: memberRoleName,
      description: 'Lets the job-status aggregator hub list and describe import jobs here',
      // The account principal with a condition, not the role ARNs: IAM refuses a principal that does not
      // exist yet, and members may be set up before the hub.
      assumedBy: new iam.AccountPrincipal(hub.account).withConditions({
        ArnEquals: { 'aws:PrincipalArn': pollerRoles },
      }),
      inlinePolicies: {
        ReadJobs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ actions: services.flatMap((s) => s.iamActions), resources: ['*'] }),
            ...(manifests.length > 0
              ? [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: manifests })]
              : []),
          ],
        }),
      },
    });
    const condition = new CfnCondition(this, 'CreatesReadRole', {
      expression: Fn.conditionEquals(Aws.REGION, hub.roleRegion),
    });
    (role.node.defaultChild as iam.CfnRole).cfnOptions.condition = condition;
    acknowledge(role, iam5Resource('*'), MemberNagReasons.readRoleServiceActions);
    for (const l of imagingManifestLocations) {
      acknowledge(
        role,
        iam5Resource(`arn:<AWS::Partition>:s3:::${manifestObjects(l)}`),
        MemberNagReasons.manifestPrefix,
      );
    }
    new CfnOutput(this, 'ReadRoleArn', {
      description: 'The role the hub pollers assume',
      value: memberRoleArn(Aws.PARTITION, Aws.ACCOUNT_ID, memberRoleName),
      condition,
    });
    return role;
  }

  /** One rule per service with native events, on the default bus, to the hub's bus. */
  private createForwarding(
    services: readonly MemberServiceFacts[],
    hub: { account: string; region: string },
  ): iam.Role | undefined {
    const forwarded = services.flatMap((service) =>
      service.nativeEvents ? [{ service, native: service.nativeEvents }] : [],
    );
    if (forwarded.length === 0) return undefined;
    // One role per region (a generated name): each stack instance owns its own, none waits for another.
    const role = new iam.Role(this, 'ForwardRole', {
      description: 'Lets EventBridge put native job events on the job-status aggregator hub bus',
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      }),
    });
    const hubBus = events.EventBus.fromEventBusArn(
      this,
      'HubBus',
      hubEventBusArn(Aws.PARTITION, hub.region, hub.account),
    );
    for (const { service, native } of forwarded) {
      new events.Rule(this, `Forward${pascal(service.id)}Events`, {
        description: `Forwards ${service.displayName} import-job events to the job-status aggregator hub`,
        eventPattern: { source: [native.source], detailType: [...native.detailTypes] },
        targets: [new targets.EventBus(hubBus, { role })],
      });
    }
    return role;
  }
}
