import { rmSync } from 'node:fs';
import { App, Aws, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_EVENT_BUS_NAME, hubPollerRoleName, memberRoleArn } from '../../lambdas/contract/hub.js';
import { CycleMetric } from '../../lambdas/contract/metrics.js';
import { resolveSettings } from '../../lib/settings.js';
import { hubTargets } from '../../lib/targets.js';
import {
  acknowledgements,
  CDK_JSON_CONTEXT,
  type CfnResource,
  cfnLint,
  environmentOf,
  functionsByName,
  nagFindings,
  ofType,
  props,
  refId,
  roleStatements,
  type Synthesized,
  stackWith,
  synthesize,
} from './support.js';

// Three hubs with targets, each synthesized once: a plain list of accounts (the hub's own written as the
// stack's account token), an Organization, and the hub's own account in two regions (no members).
const MEMBER_A = '111122223333';
const MEMBER_B = '444455556666';
const ORGANIZATION = 'o-a1b2c3d4e5';

let listed: Synthesized;
let organization: Synthesized;
let ownAccount: Synthesized;

beforeAll(() => {
  listed = synthesize('Listed', {
    services: ['healthlake', 'entityresolution'],
    targetAccounts: [Aws.ACCOUNT_ID, MEMBER_A, MEMBER_B],
    targetRegions: ['eu-west-1', 'us-east-1'],
    dashboard: true,
    jobCountMetrics: 'nonzero',
    jobCountsPerTarget: true,
  });
  organization = synthesize('Organization', {
    services: ['healthomics'],
    targetAccounts: [MEMBER_A],
    organizationId: ORGANIZATION,
    memberRoleName: 'AggregatorRead',
  });
  ownAccount = synthesize('OwnAccount', {
    services: ['healthlake'],
    targetRegions: ['eu-west-1', 'us-east-1'],
  });
}, 180_000);

afterAll(() => {
  for (const synth of [listed, organization, ownAccount]) {
    if (synth) rmSync(synth.outdir, { recursive: true, force: true });
  }
});

/** A template value as text: `Fn::Join` joined, a `Ref` as `<name>`. */
function rendered(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
  if (v.Ref !== undefined) return `<${v.Ref}>`;
  if (v['Fn::Join']) return v['Fn::Join'][1].map(rendered).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}

function poller(synth: Synthesized, service: string): [string, Record<string, unknown>] {
  const found = functionsByName(synth.resources).get(`job-poller-${service}`);
  if (!found) throw new Error(`no poller for ${service}`);
  return found;
}

function pollerRoleId(synth: Synthesized, service: string): string {
  return refId(poller(synth, service)[1].Role);
}

function statementsWith(synth: Synthesized, service: string, action: string) {
  return roleStatements(synth.resources, pollerRoleId(synth, service)).filter((s) =>
    [s.Action].flat().includes(action),
  );
}

describe('targets in the pollers’ environment', () => {
  it('writes every account × region, the stack’s own account resolved at deploy time, and the role name', () => {
    // Act
    const env = environmentOf(poller(listed, 'healthlake')[1]);
    const orgEnv = environmentOf(poller(organization, 'healthomics')[1]);

    // Assess
    expect(rendered(env.JOBS_TARGETS)).toBe(
      [
        '<AWS::AccountId>:eu-west-1',
        '<AWS::AccountId>:us-east-1',
        `${MEMBER_A}:eu-west-1`,
        `${MEMBER_A}:us-east-1`,
        `${MEMBER_B}:eu-west-1`,
        `${MEMBER_B}:us-east-1`,
      ].join(','),
    );
    expect(env.JOBS_MEMBER_ROLE_NAME).toBe('JobStatusAggregatorRead');
    // No targetRegions: the hub's own region.
    expect(rendered(orgEnv.JOBS_TARGETS)).toBe(`${MEMBER_A}:<AWS::Region>`);
    expect(orgEnv.JOBS_MEMBER_ROLE_NAME).toBe('AggregatorRead');
    expect(rendered(environmentOf(poller(ownAccount, 'healthlake')[1]).JOBS_TARGETS)).toBe(
      '<AWS::AccountId>:eu-west-1,<AWS::AccountId>:us-east-1',
    );
  });
});

describe('members', () => {
  it('are the target accounts other than the hub’s, whether the hub’s is a token or its literal id', () => {
    // Act
    const resolved = (accounts: string[]) => {
      const targets = resolveSettings({ targetAccounts: accounts }).targets;
      if (!targets) throw new Error('no targets');
      return targets;
    };
    const app = new App();
    const agnostic = new Stack(app, 'Agnostic');
    const placed = new Stack(app, 'Placed', { env: { account: '999988887777', region: 'eu-west-1' } });

    // Assess
    expect(hubTargets(agnostic, resolved([Aws.ACCOUNT_ID, MEMBER_A])).memberAccounts).toEqual([MEMBER_A]);
    expect(hubTargets(placed, resolved(['999988887777', MEMBER_A])).memberAccounts).toEqual([MEMBER_A]);
    expect(hubTargets(placed, resolved(['999988887777'])).hasMembers).toBe(false);
    expect(hubTargets(placed, resolved(['999988887777'])).targets).toEqual([
      { accountId: '999988887777', region: Aws.REGION },
    ]);
  });
});

describe('poller roles', () => {
  it('names each poller role as the member roles trust it, only where there are members', () => {
    // Act
    const name = (synth: Synthesized, service: string) =>
      props(synth.resources[pollerRoleId(synth, service)]).RoleName;

    // Assess
    for (const service of ['healthlake', 'entityresolution']) {
      expect(rendered(name(listed, service))).toBe(hubPollerRoleName(service, '<AWS::Region>'));
    }
    expect(rendered(name(organization, 'healthomics'))).toBe(
      hubPollerRoleName('healthomics', '<AWS::Region>'),
    );
    expect(name(ownAccount, 'healthlake')).toBeUndefined();
  });

  it('get 1,024 MB where the hub watches other accounts, 512 MB where it watches only its own', () => {
    // Act
    const memory = (synth: Synthesized, service: string) => poller(synth, service)[1].MemorySize;

    // Assess
    expect(memory(listed, 'healthlake')).toBe(1024);
    expect(memory(organization, 'healthomics')).toBe(1024);
    expect(memory(ownAccount, 'healthlake')).toBe(512);
  });

  it('may assume exactly the member accounts’ read roles, never one in the hub’s own account', () => {
    // Act
    const assume = statementsWith(listed, 'healthlake', 'sts:AssumeRole');

    // Assess
    expect(assume).toHaveLength(1);
    expect(assume[0]?.Effect).toBe('Allow');
    expect([assume[0]?.Resource].flat().map(rendered)).toEqual([
      memberRoleArn('<AWS::Partition>', MEMBER_A, 'JobStatusAggregatorRead'),
      memberRoleArn('<AWS::Partition>', MEMBER_B, 'JobStatusAggregatorRead'),
    ]);
    expect(statementsWith(ownAccount, 'healthlake', 'sts:AssumeRole')).toEqual([]);
  });

  it('with an Organization, may assume the role name in any account of that Organization only', () => {
    // Act
    const assume = statementsWith(organization, 'healthomics', 'sts:AssumeRole');

    // Assess
    expect(assume).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Condition: { StringEquals: { 'aws:ResourceOrgID': ORGANIZATION } },
      }),
    ]);
    expect(rendered(assume[0]?.Resource)).toBe('arn:<AWS::Partition>:iam::*:role/AggregatorRead');
  });

  it('keeps the service actions for the hub’s own account: the members grant theirs to the assumed role', () => {
    // Act
    const service = statementsWith(listed, 'healthlake', 'healthlake:ListFHIRImportJobs');

    // Assess
    expect(service).toHaveLength(1);
    expect(service[0]?.Resource).toBe('*');
    expect([service[0]?.Action].flat()).not.toContain('sts:AssumeRole');
  });
});

describe('the hub bus', () => {
  function bus(synth: Synthesized): [string, CfnResource] {
    const [found] = ofType(synth.resources, 'AWS::Events::EventBus');
    if (!found) throw new Error('no bus');
    return found;
  }

  function busPolicies(synth: Synthesized): Record<string, unknown>[] {
    return ofType(synth.resources, 'AWS::Events::EventBusPolicy').map(([, policy]) => props(policy));
  }

  it('is named as the members forward to, and admits exactly the listed member accounts', () => {
    // Act
    const [busId, busResource] = bus(listed);
    const policies = busPolicies(listed);

    // Assess
    expect(props(busResource).Name).toBe(HUB_EVENT_BUS_NAME);
    expect(policies).toHaveLength(1);
    const policy = policies[0] as { EventBusName: unknown; Statement: Record<string, unknown> };
    expect(refId(policy.EventBusName)).toBe(busId);
    expect(policy.Statement).toMatchObject({
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Principal: {
        AWS: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${MEMBER_A}:root`]] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${MEMBER_B}:root`]] },
        ],
      },
    });
    expect(refId(policy.Statement.Resource)).toBe(busId);
    expect(policy.Statement.Condition).toBeUndefined();
  });

  it('admits the Organization’s accounts (aws:PrincipalOrgID), nothing else, in the Organization form', () => {
    // Act
    const policies = busPolicies(organization) as { Statement: Record<string, unknown> }[];

    // Assess
    expect(props(bus(organization)[1]).Name).toBe(HUB_EVENT_BUS_NAME);
    expect(policies.map((p) => p.Statement)).toEqual([
      expect.objectContaining({
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION } },
      }),
    ]);
  });

  it('stays as before without members: a generated name and no policy', () => {
    // Assess
    expect(props(bus(ownAccount)[1]).Name).not.toBe(HUB_EVENT_BUS_NAME);
    expect(busPolicies(ownAccount)).toEqual([]);
  });

  it('sends the members’ forwarded native events to the poller unchanged, besides the default bus', () => {
    // Act
    const [fnId] = poller(listed, 'healthlake');
    const [busId] = bus(listed);
    const rules = ofType(listed.resources, 'AWS::Events::Rule')
      .map(([, rule]) => props(rule))
      .filter((rule) => rule.EventPattern !== undefined)
      .filter((rule) => (rule.Targets as { Arn: unknown }[]).some((t) => refId(t.Arn) === fnId));

    // Assess
    expect(rules).toHaveLength(2);
    const onHubBus = rules.filter((rule) => rule.EventBusName !== undefined);
    expect(onHubBus).toHaveLength(1);
    expect(refId(onHubBus[0]?.EventBusName)).toBe(busId);
    // The default bus's pattern, for the member targets only.
    expect(onHubBus[0]?.EventPattern).toEqual({
      ...(rules.find((r) => r.EventBusName === undefined)?.EventPattern as object),
      account: [MEMBER_A, MEMBER_B],
      region: ['eu-west-1', 'us-east-1'],
    });
    const [target] = (onHubBus[0]?.Targets ?? []) as Record<string, unknown>[];
    expect(refId(target?.Arn)).toBe(fnId);
    expect(target?.Input).toBeUndefined();
    // Entity Resolution sends no native events: no rule on either bus.
    const [erId] = poller(listed, 'entityresolution');
    const erRules = ofType(listed.resources, 'AWS::Events::Rule').filter(
      ([, rule]) =>
        props(rule).EventPattern !== undefined &&
        (props(rule).Targets as { Arn: unknown }[]).some((t) => refId(t.Arn) === erId),
    );
    expect(erRules).toEqual([]);
  });

  it('refuses an existing bus when there are members: they forward to the hub’s own', () => {
    // Act
    const build = () =>
      stackWith(new App({ context: CDK_JSON_CONTEXT }), 'Refused', (stack) => ({
        targetAccounts: [MEMBER_A],
        eventBus: events.EventBus.fromEventBusName(stack, 'MyBus', 'my-bus'),
      }));

    // Assess
    expect(build).toThrow(
      /eventBus: with member accounts .* the hub creates its own bus, job-status-aggregator/,
    );
  });
});

describe('monitoring per target', () => {
  it('alarms once on target failures, all services and targets together', () => {
    // Act
    const alarms = (synth: Synthesized) =>
      ofType(synth.resources, 'AWS::CloudWatch::Alarm')
        .map(([, alarm]) => props(alarm))
        .filter((alarm) => alarm.MetricName === CycleMetric.TARGET_FAILURES);

    // Assess
    for (const synth of [listed, ownAccount]) {
      expect(alarms(synth)).toEqual([
        expect.objectContaining({
          Namespace: 'JobStatusAggregator',
          Dimensions: [{ Name: 'service', Value: 'job-status-aggregator' }],
          Threshold: 1,
          EvaluationPeriods: 2,
          Period: 300,
        }),
      ]);
    }
  });

  it('shows failures per service and target on the dashboard, from the log lines', () => {
    // Act
    const [[, dashboard] = ['', {} as CfnResource]] = ofType(listed.resources, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(props(dashboard).DashboardBody);

    // Assess
    expect(body).toContain('Targets that could not be polled, per service and target');
    expect(body).toContain('by jobService, target');
  });

  it('writes the job counts per target into the pollers’ environment when asked', () => {
    for (const [, fn] of ofType(listed.resources, 'AWS::Lambda::Function')) {
      const environment = (props(fn).Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      if (!environment?.JOBS_TARGETS) continue;
      expect(environment).toMatchObject({ JOBS_COUNT_METRICS: 'nonzero', JOBS_COUNTS_PER_TARGET: 'true' });
    }
  });
});

function findingsOf(synth: Synthesized): string[] {
  return nagFindings(synth.stack, true).map((finding) => finding.rule);
}

describe('checks', () => {
  it('has no unacknowledged cdk-nag finding', () => {
    // Assess
    for (const synth of [listed, organization, ownAccount]) expect(nagFindings(synth.stack)).toEqual([]);
  });

  it('acknowledges only findings that exist, each with a written reason', () => {
    for (const synth of [listed, organization, ownAccount]) {
      // Act
      const key = (f: { rule: string; path: string }) => `${f.rule} @ ${f.path}`;
      const findings = nagFindings(synth.stack, true).map(key).sort();
      const acknowledged = acknowledgements(synth.stack);

      // Assess
      expect(acknowledged.map(key).sort()).toEqual(findings);
      for (const ack of acknowledged) expect(ack.reason.length, key(ack)).toBeGreaterThan(60);
    }
    expect(findingsOf(organization)).toContain(
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/AggregatorRead]',
    );
    expect(findingsOf(listed).filter((rule) => rule.includes(':iam::'))).toEqual([]);
  });

  it('passes cfn-lint', () => {
    // Act
    const result = cfnLint([listed, organization, ownAccount].map((synth) => synth.template.toJSON()));

    // Assess
    expect(result.status & 2, result.output).toBe(0);
  }, 180_000);
});
