import { App, Aws, CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { aggregatorPropsFromContext } from '../../bin/context.js';
import {
  type ContextSettings,
  DEFAULT_SERVICES,
  type JobStatusAggregatorSettings,
  parseEventBus,
  parseManifestUris,
  resolveSettings,
  settingsFromContext,
  stackNameFromContext,
} from '../../lib/settings.js';
import { settingsProblems } from '../support/settings-problems.js';

/** The settings a `cdk synth -c key=value ...` would give the app (context values are strings there). */
function fromContext(context: Record<string, unknown>): ContextSettings {
  return settingsFromContext(new App({ context }).node);
}

/** The props bin/ makes of that context, references imported into a fresh stack. */
function propsFromContext(context: Record<string, unknown>): JobStatusAggregatorSettings {
  return aggregatorPropsFromContext(new Stack(new App({ context }), 'FromContext'));
}

/** References for the props: imports into one stack, each under a new id. */
const refs = new Stack(new App(), 'References');
let refCount = 0;
const bucket = (name: string) => s3.Bucket.fromBucketName(refs, `Bucket${refCount++}`, name);
const topic = (arn: string) => sns.Topic.fromTopicArn(refs, `Topic${refCount++}`, arn);

describe('resolveSettings', () => {
  it('defaults to every service but Panorama, catalog schedules, a new bus, retain, 90 days of history', () => {
    // Act
    const settings = resolveSettings();

    // Assess
    expect(settings.services).toEqual(['healthlake', 'healthimaging', 'healthomics', 'entityresolution']);
    expect(DEFAULT_SERVICES).not.toContain('panorama');
    expect(settings.scheduleMinutes).toEqual({
      healthlake: 5,
      healthimaging: 5,
      healthomics: 5,
      entityresolution: 2,
    });
    expect(settings.eventBus).toBeUndefined();
    expect(settings.tableRemovalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(settings.historyRetentionDays).toBe(90);
    expect(settings.logRetention).toBe(logs.RetentionDays.ONE_MONTH);
    expect(settings.imagingManifestLocations).toEqual([]);
    expect(settings.stallAfterSeconds.healthlake).toBe(3600);
    expect(settings.keepProgressHistory).toBe(false);
    expect(settings.progressRefreshSeconds).toBe(300);
    expect(settings.warnings).toEqual([]);
  });

  it('enables Panorama when asked, with a warning that AWS ended its support on 2026-05-31', () => {
    // Act
    const settings = resolveSettings({ services: ['healthlake', 'panorama'] });

    // Assess
    expect(settings.services).toEqual(['healthlake', 'panorama']);
    expect(settings.warnings).toEqual([
      { id: 'job-status-aggregator:panorama-end-of-support', message: expect.stringContaining('2026-05-31') },
    ]);
  });

  it('takes CDK types: durations in whole minutes or days, zero for off, a removal policy, a log retention', () => {
    // Act
    const settings = resolveSettings({
      schedule: { healthlake: Duration.minutes(10), entityresolution: Duration.hours(1) },
      historyRetention: Duration.days(0),
      logRetention: logs.RetentionDays.ONE_YEAR,
      tableRemovalPolicy: RemovalPolicy.DESTROY,
      stallAfter: { healthlake: Duration.hours(2), healthomics: Duration.minutes(0) },
      progressRefresh: Duration.minutes(0),
    });

    // Assess
    expect(settings.scheduleMinutes).toMatchObject({ healthlake: 10, entityresolution: 60 });
    expect(settings.historyRetentionDays).toBe(0);
    expect(settings.logRetention).toBe(365);
    expect(settings.tableRemovalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(settings.stallAfterSeconds).toMatchObject({ healthlake: 7200, healthomics: undefined });
    expect(settings.progressRefreshSeconds).toBeUndefined();
  });

  it('reports every bad setting at once, each with its key, the value and what is allowed', () => {
    // Act
    const problems = settingsProblems(() =>
      resolveSettings({
        services: ['healthlake', 'healthlak'],
        schedule: { healthlake: Duration.minutes(0) },
        historyRetention: Duration.days(5000),
        logRetention: 10 as logs.RetentionDays,
        tableRemovalPolicy: RemovalPolicy.SNAPSHOT,
        alarmEmails: ['not-an-email'],
        imagingManifestLocations: [{ bucket: bucket('imaging-out'), prefix: 'out/*' }],
        stallAfter: { healthomics: Duration.days(8) },
        progressRefresh: Duration.seconds(90),
      }),
    );

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(
        /^services: "healthlak" is not a service\. Allowed: healthlake, healthimaging, healthomics, entityresolution, panorama\./,
      ),
      expect.stringMatching(
        /^schedule: healthlake=0 minutes must be a whole number of minutes from 1 to 1440/,
      ),
      expect.stringMatching(
        /^historyRetention: 5000 days must be a whole number of days from 1 to 3650, or zero/,
      ),
      expect.stringMatching(
        /^logRetention: 10 is not a retention CloudWatch Logs accepts\. Allowed \(days\): 1, 3, 5, 7, 14, 30/,
      ),
      expect.stringMatching(/^tableRemovalPolicy: "snapshot" is not allowed\. Allowed: retain, destroy/),
      expect.stringMatching(/^alarmEmails: "not-an-email" is not an email address/),
      expect.stringMatching(/^imagingManifestLocations: prefix "out\/\*" has a wildcard/),
      expect.stringMatching(
        /^stallAfter: healthomics=8 days must be a whole number of minutes from 1 to 10080, or zero \(off\)/,
      ),
      expect.stringMatching(
        /^progressRefresh: 1 minute 30 seconds must be a whole number of minutes from 1 to 1440, or zero \(off\)/,
      ),
    ]);
  });

  it('rejects an empty service list, both alarm settings at once, and a FIFO alarm topic', () => {
    // Act
    const problems = settingsProblems(() =>
      resolveSettings({
        services: [],
        alarmEmails: ['ops@example.com'],
        alarmTopic: topic('arn:aws:sns:eu-west-1:123456789012:alarms.fifo'),
      }),
    );

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^services: at least one service is required/),
      expect.stringMatching(/^alarmTopic: a FIFO topic/),
      expect.stringMatching(/^alarmEmails and alarmTopic: set one of them, not both/),
    ]);
  });

  it('accepts tokens where a value resolves only at deploy time: bucket name, prefix, topic ARN, email', () => {
    // Prepare
    const stack = new Stack(new App(), 'Tokens');
    const text = (id: string) => new CfnParameter(stack, id, { type: 'String' }).valueAsString;

    // Act
    const settings = resolveSettings({
      services: ['healthimaging'],
      imagingManifestLocations: [
        { bucket: s3.Bucket.fromBucketName(stack, 'Manifests', text('BucketName')), prefix: text('Prefix') },
      ],
      alarmTopic: sns.Topic.fromTopicArn(stack, 'Alarms', text('TopicArn')),
    });
    const emails = resolveSettings({ alarmEmails: [text('Email')] });

    // Assess
    expect(settings.imagingManifestLocations).toHaveLength(1);
    expect(settings.alarmTopic).toBeDefined();
    expect(emails.alarmEmails).toHaveLength(1);
  });

  it('keeps an existing bus as given; the name or ARN of one is read from context', () => {
    // Act
    const bus = events.EventBus.fromEventBusName(refs, 'Platform', 'platform-events');
    const byName = parseEventBus('platform-events');
    const byArn = parseEventBus('arn:aws:events:eu-west-1:210987654321:event-bus/central');
    const partner = parseEventBus('aws.partner/saas/bus');
    const badArn = parseEventBus('arn:aws:sqs:eu-west-1:123:queue');

    // Assess
    expect(resolveSettings({ eventBus: bus }).eventBus).toBe(bus);
    expect(byName).toEqual({ kind: 'name', name: 'platform-events' });
    expect(byArn).toEqual({
      kind: 'arn',
      arn: 'arn:aws:events:eu-west-1:210987654321:event-bus/central',
      region: 'eu-west-1',
      name: 'central',
    });
    expect(partner).toMatch(/^eventBus: "aws\.partner\/saas\/bus" is a partner event bus/);
    expect(badArn).toMatch(/^eventBus: .* is not an event bus ARN/);
  });

  it('reads manifest locations as whole-segment prefixes and refuses wildcards', () => {
    // Act
    const imports = bucket('imports-bucket');
    const whole = bucket('whole-bucket');
    const settings = resolveSettings({
      services: ['healthimaging'],
      imagingManifestLocations: [
        { bucket: imports, prefix: 'dicom/' },
        { bucket: imports, prefix: 'dicom' },
        { bucket: whole },
      ],
    });
    const problems: string[] = [];
    const uris = parseManifestUris(
      [
        's3://imports-bucket/dicom/',
        's3://imports-bucket/dicom',
        's3://whole-bucket',
        'https://bucket/prefix',
      ],
      problems,
    );
    const wildcard: string[] = [];
    parseManifestUris(['s3://bucket/out/*'], wildcard);

    // Assess
    expect(settings.imagingManifestLocations).toEqual([
      { bucket: imports, prefix: 'dicom' },
      { bucket: whole, prefix: '' },
    ]);
    expect(uris).toEqual([
      { bucket: 'imports-bucket', prefix: 'dicom' },
      { bucket: 'whole-bucket', prefix: '' },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(
        /^imagingManifestLocations: "https:\/\/bucket\/prefix" is not s3:\/\/<bucket>\/<prefix>/,
      ),
    ]);
    expect(wildcard).toEqual([expect.stringMatching(/has a prefix with a wildcard/)]);
  });

  it('warns about settings for services that are not enabled', () => {
    // Act
    const settings = resolveSettings({
      services: ['healthlake'],
      schedule: { panorama: Duration.minutes(10) },
      imagingManifestLocations: [{ bucket: bucket('bucket'), prefix: 'prefix' }],
    });

    // Assess
    expect(settings.scheduleMinutes).toEqual({ healthlake: 5 });
    expect(settings.warnings.map((w) => w.id)).toEqual([
      'job-status-aggregator:schedule-for-disabled-service',
      'job-status-aggregator:manifests-without-healthimaging',
    ]);
  });
});

describe('targets', () => {
  it('sets none by default: the hub watches its own account and region, as before', () => {
    // Assess
    expect(resolveSettings().targets).toBeUndefined();
    expect(resolveSettings({ memberRoleName: 'AggregatorRead' }).targets).toBeUndefined();
  });

  it('takes accounts × regions, defaulting each to the hub’s own (a token, resolved at deploy time)', () => {
    // Act
    const listed = resolveSettings({
      targetAccounts: ['111122223333', '444455556666', '111122223333'],
      targetRegions: ['eu-west-1', 'us-east-1'],
    }).targets;
    const regionsOnly = resolveSettings({ targetRegions: ['eu-west-1'] }).targets;
    const ownAccountToken = resolveSettings({ targetAccounts: [Aws.ACCOUNT_ID, '111122223333'] }).targets;

    // Assess
    expect(listed).toEqual({
      accounts: ['111122223333', '444455556666'],
      regions: ['eu-west-1', 'us-east-1'],
      organizationId: undefined,
      memberRoleName: 'JobStatusAggregatorRead',
    });
    expect(regionsOnly?.accounts).toEqual([Aws.ACCOUNT_ID]);
    expect(ownAccountToken?.accounts).toEqual([Aws.ACCOUNT_ID, '111122223333']);
    expect(ownAccountToken?.regions).toEqual([Aws.REGION]);
  });

  it('takes an Organization with the accounts to poll, and the member role name', () => {
    // Act
    const targets = resolveSettings({
      targetAccounts: ['111122223333'],
      organizationId: 'o-a1b2c3d4e5',
      memberRoleName: 'AggregatorRead',
    }).targets;

    // Assess
    expect(targets).toMatchObject({ organizationId: 'o-a1b2c3d4e5', memberRoleName: 'AggregatorRead' });
  });

  it('reports each bad target setting with its key and an example', () => {
    // Act
    const problems = settingsProblems(() =>
      resolveSettings({
        targetAccounts: ['1234', '111122223333'],
        targetRegions: ['mars-1', 'eu-west-1'],
        organizationId: 'org-1',
        memberRoleName: 'no spaces',
      }),
    );
    const organizationAlone = settingsProblems(() => resolveSettings({ organizationId: 'o-a1b2c3d4e5' }));
    const empty = settingsProblems(() => resolveSettings({ targetAccounts: [], targetRegions: [] }));

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^memberRoleName: "no spaces" is not an IAM role name/),
      expect.stringMatching(
        /^targetAccounts: "1234" is not a 12-digit account id\. Example: -c targetAccounts=/,
      ),
      expect.stringMatching(/^targetRegions: "mars-1" is not a region\. Example: -c targetRegions=/),
      expect.stringMatching(/^organizationId: "org-1" is not an Organization id/),
    ]);
    expect(organizationAlone).toEqual([
      expect.stringMatching(/^organizationId: also list the accounts to poll in targetAccounts/),
    ]);
    expect(empty).toEqual([
      expect.stringMatching(/^targetAccounts: at least one account is required/),
      expect.stringMatching(/^targetRegions: at least one region is required/),
    ]);
  });

  it('reads the target keys from context, as comma lists or JSON arrays', () => {
    // Act
    const settings = fromContext({
      targetAccounts: '111122223333, 444455556666',
      targetRegions: '["eu-west-1","us-east-1"]',
      organizationId: 'o-a1b2c3d4e5',
      memberRoleName: 'AggregatorRead',
    });

    // Assess
    expect(settings).toEqual({
      targetAccounts: ['111122223333', '444455556666'],
      targetRegions: ['eu-west-1', 'us-east-1'],
      organizationId: 'o-a1b2c3d4e5',
      memberRoleName: 'AggregatorRead',
    });
    expect(() => propsFromContext({ targetAccounts: 'nope' })).toThrow(
      /targetAccounts: "nope" is not a 12-digit/,
    );
  });
});

describe('settingsFromContext and bin/context.ts', () => {
  it('reads -c strings: comma lists, service=value maps, numbers and booleans', () => {
    // Prepare
    const context = {
      services: 'healthlake, healthomics,panorama',
      schedule: 'healthlake=10,healthomics:15',
      eventBus: 'platform-events',
      historyRetention: '365',
      logRetention: '90',
      tableRemovalPolicy: 'DESTROY',
      alarmEmails: 'ops@example.com,oncall@example.com',
      stallAfter: 'healthlake=120,healthomics=off',
      keepProgressHistory: 'true',
      progressRefresh: 'OFF',
    };

    // Act
    const settings = fromContext(context);
    const props = propsFromContext(context);

    // Assess
    expect(settings).toEqual({
      services: ['healthlake', 'healthomics', 'panorama'],
      schedule: { healthlake: 10, healthomics: 15 },
      eventBus: 'platform-events',
      historyRetention: 365,
      logRetention: 90,
      tableRemovalPolicy: 'destroy',
      alarmEmails: ['ops@example.com', 'oncall@example.com'],
      stallAfter: { healthlake: 120, healthomics: 'off' },
      keepProgressHistory: true,
      progressRefresh: 'off',
    });
    expect(props.schedule?.healthlake?.toMinutes()).toBe(10);
    expect(props.eventBus?.eventBusName).toBe('platform-events');
    expect(props.historyRetention?.toDays()).toBe(365);
    expect(props.logRetention).toBe(logs.RetentionDays.THREE_MONTHS);
    expect(props.tableRemovalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(props.stallAfter?.healthomics?.toSeconds()).toBe(0);
    expect(props.progressRefresh?.toSeconds()).toBe(0);
    expect(fromContext({ progressRefresh: '15' }).progressRefresh).toBe(15);
  });

  it('imports the references a context value names: a bus by ARN, a topic, manifest buckets', () => {
    // Act
    const props = propsFromContext({
      services: 'healthimaging',
      eventBus: 'arn:aws:events:us-east-1:210987654321:event-bus/central',
      alarmTopic: 'arn:aws:sns:us-east-1:123456789012:ops',
      imagingManifestLocations: 's3://dicom-out/manifests/,s3://whole-bucket',
    });

    // Assess
    expect(props.eventBus?.eventBusArn).toBe('arn:aws:events:us-east-1:210987654321:event-bus/central');
    expect(props.alarmTopic?.topicArn).toBe('arn:aws:sns:us-east-1:123456789012:ops');
    expect(props.imagingManifestLocations?.map((l) => [l.bucket.bucketName, l.prefix])).toEqual([
      ['dicom-out', 'manifests'],
      ['whole-bucket', ''],
    ]);
  });

  it('reads cdk.json values (arrays, objects, numbers) and JSON given on the command line', () => {
    // Act
    const settings = fromContext({
      services: ['healthimaging'],
      schedule: '{"healthimaging": 3}',
      imagingManifestLocations: '["s3://bucket/a","s3://bucket/b"]',
      historyRetention: 0,
    });

    // Assess
    expect(settings).toEqual({
      services: ['healthimaging'],
      schedule: { healthimaging: 3 },
      imagingManifestLocations: ['s3://bucket/a', 's3://bucket/b'],
      historyRetention: 0,
    });
  });

  it('applies one bare schedule to every enabled service', () => {
    // Act
    const settings = fromContext({ services: 'healthlake,entityresolution', schedule: '10' });

    // Assess
    expect(settings.schedule).toEqual({ healthlake: 10, entityresolution: 10 });
  });

  it('fails with messages that name the context key and show an example', () => {
    // Act
    const problems = settingsProblems(() =>
      fromContext({
        services: 'healthlake,imaging',
        schedule: 'healthlake=often',
        logRetention: 'a month',
        keepProgressHistory: 'yes please',
        imagingManifestLocations: '["s3://bucket/a",',
      }),
    );

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^logRetention: "a month" is not a number\. Example: -c logRetention=90/),
      expect.stringMatching(/^imagingManifestLocations: .* looks like JSON but does not parse/),
      expect.stringMatching(/^keepProgressHistory: "yes please" must be true or false/),
    ]);
    // Values that parse but are not allowed are reported when they become props, with the allowed values.
    const invalid = settingsProblems(() =>
      propsFromContext({
        services: 'healthlake,imaging',
        schedule: 'healthlake=often',
        alarmTopic: 'ops',
        eventBus: 'arn:aws:sqs:eu-west-1:123:queue',
      }),
    );
    expect(invalid).toEqual([
      expect.stringMatching(/^schedule: healthlake="often" is not a number of minutes/),
      expect.stringMatching(/^eventBus: .* is not an event bus ARN/),
      expect.stringMatching(/^alarmTopic: "ops" is not the ARN of a standard SNS topic/),
      expect.stringMatching(/^services: "imaging" is not a service\. Allowed: .*Example: -c services=/),
    ]);
  });

  it('reads the stack name, and refuses one CloudFormation would not take', () => {
    // Act
    const name = stackNameFromContext(new App({ context: { stackName: 'Jobs-prod' } }).node);
    const fallback = stackNameFromContext(new App().node);
    const problems = settingsProblems(() =>
      stackNameFromContext(new App({ context: { stackName: '1_bad' } }).node),
    );

    // Assess
    expect(name).toBe('Jobs-prod');
    expect(fallback).toBe('JobStatusAggregator');
    expect(problems).toEqual([expect.stringMatching(/^stackName: "1_bad" is not a stack name/)]);
  });
});
