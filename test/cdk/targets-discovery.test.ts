import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CycleMetric } from '../../lambdas/contract/metrics.js';
import { resolveSettings, SettingsError } from '../../lib/settings.js';
import {
  acknowledgements,
  cfnLint,
  environmentOf,
  functionsByName,
  nagFindings,
  ofType,
  props,
  refId,
  roleStatements,
  type Synthesized,
  synthesize,
} from './support.js';

// Two hubs that discover their accounts from OUs: one that is itself the management (or delegated
// administrator) account, and one that assumes a discovery role there.
const ORGANIZATION = 'o-a1b2c3d4e5';
const UNITS = ['ou-ab12-cdef3456', 'ou-ab12-9876fedc'];
const ROLE = 'arn:aws:iam::111122223333:role/JobStatusAggregatorOrganizationRead';

let own: Synthesized;
let assumed: Synthesized;

beforeAll(() => {
  own = synthesize('DiscoveryOwn', {
    services: ['healthlake'],
    organizationId: ORGANIZATION,
    organizationUnits: UNITS,
    targetRegions: ['eu-west-1', 'us-east-1'],
    fanOutTargetsPerRun: 25,
  });
  assumed = synthesize('DiscoveryAssumed', {
    services: ['healthimaging'],
    organizationId: ORGANIZATION,
    organizationUnits: [UNITS[0] as string],
    organizationRoleArn: ROLE,
    targetAccounts: ['444455556666'],
  });
}, 180_000);

afterAll(() => {
  for (const synth of [own, assumed]) if (synth) rmSync(synth.outdir, { recursive: true, force: true });
});

function poller(synth: Synthesized, service: string) {
  const found = functionsByName(synth.resources).get(`job-poller-${service}`);
  if (!found) throw new Error(`no poller for ${service}`);
  return found[1];
}

const statements = (synth: Synthesized, service: string) =>
  roleStatements(synth.resources, refId(poller(synth, service).Role));

describe('a hub that discovers its accounts', () => {
  it('tells the pollers the OUs, the regions and the discovery role', () => {
    // Act
    const env = environmentOf(poller(own, 'healthlake'));
    const assumedEnv = environmentOf(poller(assumed, 'healthimaging'));

    // Assess
    expect(env.JOBS_ORGANIZATION_UNITS).toBe(UNITS.join(','));
    expect(env.JOBS_TARGET_REGIONS).toBe('eu-west-1,us-east-1');
    expect(env.JOBS_ORGANIZATION_ROLE_ARN).toBeUndefined();
    expect(assumedEnv.JOBS_ORGANIZATION_ROLE_ARN).toBe(ROLE);
    expect(assumedEnv.JOBS_ORGANIZATION_UNITS).toBe(UNITS[0]);
  });

  it('grants exactly the two Organizations read actions, or exactly sts:AssumeRole on the discovery role', () => {
    // Act
    const organizations = (synth: Synthesized, service: string) =>
      statements(synth, service).filter((s) => JSON.stringify(s.Action).includes('organizations:'));
    const assumeRole = statements(assumed, 'healthimaging').filter((s) => s.Resource === ROLE);

    // Assess
    expect(organizations(own, 'healthlake')).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['organizations:ListAccountsForParent', 'organizations:ListChildren'],
        Resource: '*',
      }),
    ]);
    expect(organizations(assumed, 'healthimaging')).toEqual([]);
    expect(assumeRole).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'sts:AssumeRole' })]);
  });

  it('takes forwarded native events of any account the bus admits, since the accounts are found at run time', () => {
    // Act
    const memberRules = ofType(assumed.resources, 'AWS::Events::Rule')
      .map(([, rule]) => props(rule))
      .filter((rule) => rule.EventBusName !== undefined);

    // Assess
    expect(memberRules).toHaveLength(1);
    const pattern = memberRules[0]?.EventPattern as Record<string, unknown>;
    expect(pattern.account).toBeUndefined();
    expect(pattern.source).toEqual(['aws.medical-imaging']);
  });

  it('alarms on failed discovery once, on the stack-wide metric', () => {
    // Act
    const alarms = ofType(own.resources, 'AWS::CloudWatch::Alarm')
      .map(([, alarm]) => props(alarm))
      .filter((alarm) => alarm.MetricName === CycleMetric.DISCOVERY_FAILURES);

    // Assess
    expect(alarms).toEqual([
      expect.objectContaining({
        Dimensions: [{ Name: 'service', Value: 'job-status-aggregator' }],
        Threshold: 1,
        EvaluationPeriods: 2,
      }),
    ]);
  });

  it('has no unacknowledged cdk-nag finding, acknowledges only real ones, and passes cfn-lint', () => {
    for (const synth of [own, assumed]) {
      // Act
      const key = (f: { rule: string; path: string }) => `${f.rule} @ ${f.path}`;
      const acknowledged = acknowledgements(synth.stack);

      // Assess
      expect(nagFindings(synth.stack)).toEqual([]);
      expect(acknowledged.map(key).sort()).toEqual(nagFindings(synth.stack, true).map(key).sort());
    }
    const lint = cfnLint([own, assumed].map((synth) => synth.template.toJSON()));
    expect(lint.status & 2, lint.output).toBe(0);
  }, 180_000);
});

describe('a hub whose scheduled runs fan out', () => {
  const functionId = (synth: Synthesized, service: string) =>
    [...functionsByName(synth.resources).entries()].find(
      ([name]) => name === `job-poller-${service}`,
    )?.[1][0];

  it('may invoke exactly itself, runs its batches side by side, and retries a failed one into a queue', () => {
    // Act
    const id = functionId(own, 'healthlake');
    const fn = poller(own, 'healthlake');
    const invoke = statements(own, 'healthlake').filter((s) => s.Action === 'lambda:InvokeFunction');
    const send = statements(own, 'healthlake').filter((s) => s.Action === 'sqs:SendMessage');
    const [[queueId] = ['']] = ofType(own.resources, 'AWS::SQS::Queue');
    const [[, config] = ['', undefined]] = ofType(own.resources, 'AWS::Lambda::EventInvokeConfig');

    // Assess
    expect(environmentOf(fn).JOBS_FAN_OUT_TARGETS_PER_RUN).toBe('25');
    expect(fn.ReservedConcurrentExecutions).toBe(10);
    expect(invoke).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [id, 'Arn'] } })]);
    expect(send).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } })]);
    expect(props(config)).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    const queueAlarms = ofType(own.resources, 'AWS::CloudWatch::Alarm')
      .map(([, alarm]) => props(alarm))
      .filter((alarm) => JSON.stringify(alarm.Dimensions ?? []).includes(queueId));
    expect(queueAlarms).toEqual([
      expect.objectContaining({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 }),
    ]);
  });

  it('keeps one run at a time and no retries where it does not fan out', () => {
    // Act
    const fn = poller(assumed, 'healthimaging');

    // Assess
    expect(fn.ReservedConcurrentExecutions).toBe(1);
    expect(environmentOf(fn).JOBS_FAN_OUT_TARGETS_PER_RUN).toBeUndefined();
    expect(statements(assumed, 'healthimaging').filter((s) => s.Action === 'lambda:InvokeFunction')).toEqual(
      [],
    );
    expect(ofType(assumed.resources, 'AWS::SQS::Queue')).toHaveLength(1);
  });
});

describe('discovery settings', () => {
  it.each([
    [{ organizationUnits: UNITS }, 'organizationUnits: set organizationId too'],
    [
      { organizationId: ORGANIZATION, organizationUnits: ['ou-x'] },
      'organizationUnits: "ou-x" is not an OU id',
    ],
    [{ organizationId: ORGANIZATION, organizationUnits: [] }, 'organizationUnits: at least one OU'],
    [{ organizationRoleArn: ROLE }, 'organizationRoleArn: it is the role that reads organizationUnits'],
    [{ fanOutTargetsPerRun: 10 }, 'fanOutTargetsPerRun: fan-out splits a hub’s targets'],
    [
      { targetRegions: ['eu-west-1'], fanOutTargetsPerRun: 0 },
      'fanOutTargetsPerRun: 0 must be a whole number',
    ],
    [
      { organizationId: ORGANIZATION, organizationUnits: UNITS, organizationRoleArn: 'OrgRead' },
      'organizationRoleArn: "OrgRead" is not an IAM role ARN',
    ],
  ])('refuses %j', (settings, problem) => {
    expect(() => resolveSettings(settings)).toThrow(SettingsError);
    expect(() => resolveSettings(settings)).toThrow(problem);
  });

  it('needs no listed account with OUs: the accounts come from the Organization', () => {
    const targets = resolveSettings({ organizationId: ORGANIZATION, organizationUnits: UNITS }).targets;
    expect(targets).toMatchObject({
      accounts: [],
      discovery: { organizationUnits: UNITS, organizationRoleArn: undefined },
    });
  });
});
