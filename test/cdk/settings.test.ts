import { App, Aws } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SERVICES,
  type JobStatusAggregatorSettings,
  resolveSettings,
  SettingsError,
  settingsFromContext,
  stackNameFromContext,
} from '../../lib/settings.js';

/** The settings a `cdk synth -c key=value ...` would give the app (context values are strings there). */
function fromContext(context: Record<string, unknown>): JobStatusAggregatorSettings {
  return settingsFromContext(new App({ context }).node);
}

/** The problems a bad setting reports, or a failure when it reports none. */
function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof SettingsError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a SettingsError');
}

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
    expect(settings.tableRemovalPolicy).toBe('retain');
    expect(settings.historyRetentionDays).toBe(90);
    expect(settings.logRetentionDays).toBe(30);
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

  it('reports every bad setting at once, each with its key, the value and what is allowed', () => {
    // Act
    const problems = problemsOf(() =>
      resolveSettings({
        services: ['healthlake', 'healthlak' as never],
        scheduleMinutes: { healthlake: 0 },
        historyRetentionDays: 5000,
        logRetentionDays: 10,
        tableRemovalPolicy: 'snapshot' as never,
        alarmEmails: ['not-an-email'],
        imagingManifestLocations: ['https://bucket/prefix'],
        stallAfterMinutes: { healthomics: -1 },
        progressRefreshMinutes: 0,
      }),
    );

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(
        /^services: "healthlak" is not a service\. Allowed: healthlake, healthimaging, healthomics, entityresolution, panorama\./,
      ),
      expect.stringMatching(
        /^scheduleMinutes: healthlake=0 must be a whole number of minutes from 1 to 1440/,
      ),
      expect.stringMatching(
        /^historyRetentionDays: 5000 must be a whole number of days from 1 to 3650, or 0/,
      ),
      expect.stringMatching(
        /^logRetentionDays: 10 is not a retention CloudWatch Logs accepts\. Allowed: 1, 3, 5, 7, 14, 30/,
      ),
      expect.stringMatching(/^tableRemovalPolicy: "snapshot" is not allowed\. Allowed: retain, destroy/),
      expect.stringMatching(/^alarmEmail: "not-an-email" is not an email address/),
      expect.stringMatching(
        /^imagingManifestLocations: "https:\/\/bucket\/prefix" is not s3:\/\/<bucket>\/<prefix>/,
      ),
      expect.stringMatching(
        /^stallAfterMinutes: healthomics=-1 must be a whole number of minutes from 1 to 10080, or off/,
      ),
      expect.stringMatching(
        /^progressRefreshMinutes: 0 must be a whole number of minutes from 1 to 1440, or off/,
      ),
    ]);
  });

  it('rejects an empty service list, both alarm settings at once, and a FIFO alarm topic', () => {
    // Act
    const problems = problemsOf(() =>
      resolveSettings({
        services: [],
        alarmEmails: ['ops@example.com'],
        alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms.fifo',
      }),
    );

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^services: at least one service is required/),
      expect.stringMatching(/^alarmTopicArn: .* is not the ARN of a standard SNS topic/),
      expect.stringMatching(/^alarmEmail and alarmTopicArn: set one of them, not both/),
    ]);
  });

  it('takes an existing bus by name or by ARN, and refuses partner buses and malformed ARNs', () => {
    // Act
    const byName = resolveSettings({ eventBus: 'platform-events' }).eventBus;
    const byArn = resolveSettings({
      eventBus: 'arn:aws:events:eu-west-1:210987654321:event-bus/central',
    }).eventBus;
    const partner = problemsOf(() => resolveSettings({ eventBus: 'aws.partner/saas/bus' }));
    const badArn = problemsOf(() => resolveSettings({ eventBus: 'arn:aws:sqs:eu-west-1:123:queue' }));

    // Assess
    expect(byName).toEqual({ kind: 'name', name: 'platform-events' });
    expect(byArn).toEqual({
      kind: 'arn',
      arn: 'arn:aws:events:eu-west-1:210987654321:event-bus/central',
      region: 'eu-west-1',
      name: 'central',
    });
    expect(partner).toEqual([
      expect.stringMatching(/^eventBus: "aws\.partner\/saas\/bus" is a partner event bus/),
    ]);
    expect(badArn).toEqual([expect.stringMatching(/^eventBus: .* is not an event bus ARN/)]);
  });

  it('reads manifest locations as whole-segment prefixes and refuses wildcards', () => {
    // Act
    const settings = resolveSettings({
      services: ['healthimaging'],
      imagingManifestLocations: [
        's3://imports-bucket/dicom/',
        's3://imports-bucket/dicom',
        's3://whole-bucket',
      ],
    });
    const wildcard = problemsOf(() => resolveSettings({ imagingManifestLocations: ['s3://bucket/out/*'] }));

    // Assess
    expect(settings.imagingManifestLocations).toEqual([
      { bucket: 'imports-bucket', prefix: 'dicom' },
      { bucket: 'whole-bucket', prefix: '' },
    ]);
    expect(wildcard).toEqual([expect.stringMatching(/has a prefix with a wildcard/)]);
  });

  it('warns about settings for services that are not enabled', () => {
    // Act
    const settings = resolveSettings({
      services: ['healthlake'],
      scheduleMinutes: { panorama: 10 },
      imagingManifestLocations: ['s3://bucket/prefix'],
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
    const problems = problemsOf(() =>
      resolveSettings({
        targetAccounts: ['1234', '111122223333'],
        targetRegions: ['mars-1', 'eu-west-1'],
        organizationId: 'org-1',
        memberRoleName: 'no spaces',
      }),
    );
    const organizationAlone = problemsOf(() => resolveSettings({ organizationId: 'o-a1b2c3d4e5' }));
    const empty = problemsOf(() => resolveSettings({ targetAccounts: [], targetRegions: [] }));

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
    expect(() => fromContext({ targetAccounts: 'nope' })).toThrow(/targetAccounts: "nope" is not a 12-digit/);
  });
});

describe('settingsFromContext', () => {
  it('reads -c strings: comma lists, service=value maps, numbers and booleans', () => {
    // Act
    const settings = fromContext({
      services: 'healthlake, healthomics,panorama',
      scheduleMinutes: 'healthlake=10,healthomics:15',
      eventBus: 'platform-events',
      historyRetentionDays: '365',
      logRetentionDays: '90',
      tableRemovalPolicy: 'DESTROY',
      alarmEmail: 'ops@example.com,oncall@example.com',
      stallAfterMinutes: 'healthlake=120,healthomics=off',
      keepProgressHistory: 'true',
      progressRefreshMinutes: 'OFF',
    });

    // Assess
    expect(settings).toEqual({
      services: ['healthlake', 'healthomics', 'panorama'],
      scheduleMinutes: { healthlake: 10, healthomics: 15 },
      eventBus: 'platform-events',
      historyRetentionDays: 365,
      logRetentionDays: 90,
      tableRemovalPolicy: 'destroy',
      alarmEmails: ['ops@example.com', 'oncall@example.com'],
      stallAfterMinutes: { healthlake: 120, healthomics: 'off' },
      keepProgressHistory: true,
      progressRefreshMinutes: 'off',
    });
    expect(fromContext({ progressRefreshMinutes: '15' }).progressRefreshMinutes).toBe(15);
    expect(resolveSettings({ progressRefreshMinutes: 'off' }).progressRefreshSeconds).toBeUndefined();
  });

  it('reads cdk.json values (arrays, objects, numbers) and JSON given on the command line', () => {
    // Act
    const settings = fromContext({
      services: ['healthimaging'],
      scheduleMinutes: '{"healthimaging": 3}',
      imagingManifestLocations: '["s3://bucket/a","s3://bucket/b"]',
      historyRetentionDays: 0,
    });

    // Assess
    expect(settings).toEqual({
      services: ['healthimaging'],
      scheduleMinutes: { healthimaging: 3 },
      imagingManifestLocations: ['s3://bucket/a', 's3://bucket/b'],
      historyRetentionDays: 0,
    });
  });

  it('applies one bare schedule to every enabled service', () => {
    // Act
    const settings = fromContext({ services: 'healthlake,entityresolution', scheduleMinutes: '10' });

    // Assess
    expect(settings.scheduleMinutes).toEqual({ healthlake: 10, entityresolution: 10 });
  });

  it('fails with messages that name the context key and show an example', () => {
    // Act
    const problems = problemsOf(() =>
      fromContext({
        services: 'healthlake,imaging',
        scheduleMinutes: 'healthlake=often',
        logRetentionDays: 'a month',
        keepProgressHistory: 'yes please',
        imagingManifestLocations: '["s3://bucket/a",',
      }),
    );

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^logRetentionDays: "a month" is not a number\. Example: -c logRetentionDays=90/),
      expect.stringMatching(/^imagingManifestLocations: .* looks like JSON but does not parse/),
      expect.stringMatching(/^keepProgressHistory: "yes please" must be true or false/),
    ]);
    // Values that parse but are not allowed are reported by resolveSettings, with the allowed values.
    const invalid = problemsOf(() =>
      fromContext({ services: 'healthlake,imaging', scheduleMinutes: 'healthlake=often' }),
    );
    expect(invalid).toEqual([
      expect.stringMatching(/^services: "imaging" is not a service\. Allowed: .*Example: -c services=/),
      expect.stringMatching(/^scheduleMinutes: healthlake=often must be a whole number of minutes/),
    ]);
  });

  it('reads the stack name, and refuses one CloudFormation would not take', () => {
    // Act
    const name = stackNameFromContext(new App({ context: { stackName: 'Jobs-prod' } }).node);
    const fallback = stackNameFromContext(new App().node);
    const problems = problemsOf(() =>
      stackNameFromContext(new App({ context: { stackName: '1_bad' } }).node),
    );

    // Assess
    expect(name).toBe('Jobs-prod');
    expect(fallback).toBe('JobStatusAggregator');
    expect(problems).toEqual([expect.stringMatching(/^stackName: "1_bad" is not a stack name/)]);
  });
});
