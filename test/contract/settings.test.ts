import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STALL_AFTER_SECONDS,
  MAX_STALL_AFTER_SECONDS,
  parseSetting,
  readHealthImagingSettings,
  readJobCountSettings,
  readPollerSettings,
  readPublisherSettings,
  readSdkSettings,
  readSetting,
  readStoreSettings,
  readTargetSettings,
  SETTINGS,
  type SettingKey,
  SettingsError,
  settingsEnvironment,
} from '../../lambdas/contract/settings.js';

const STALL = SETTINGS.stallAfterSeconds.name;

describe('the settings contract', () => {
  it('names every variable once, each with a line of doc', () => {
    // Arrange
    const settings = Object.values(SETTINGS);

    // Act
    const names = settings.map((setting) => setting.name);

    // Assess
    expect(new Set(names).size).toBe(names.length);
    for (const setting of settings) {
      expect(setting.name).toMatch(/^JOBS_[A-Z_]+$/);
      expect(setting.doc.length).toBeGreaterThan(10);
    }
  });

  it('is listed in docs/settings.md, one row per variable with its setting', () => {
    // Arrange
    const doc = readFileSync(new URL('../../docs/settings.md', import.meta.url), 'utf8');

    // Act
    const missing = Object.entries(SETTINGS)
      .filter(([key, setting]) => !doc.includes(`| \`${setting.name}\` | \`${key}\` |`))
      .map(([, setting]) => setting.name);

    // Assess
    expect(missing).toEqual([]);
  });

  it('reads back every value the writer writes', () => {
    // Arrange
    const written = settingsEnvironment({
      tableName: 'jobs',
      scheduleSeconds: 120,
      fullSweepSeconds: 7200,
      recentWindowSeconds: 5400,
      quotaMultiplier: 2.5,
      progressRefreshLimit: 0,
      progressRefreshSeconds: 60,
      concurrency: 3,
      safetyMarginMs: 60_000,
      stallAfterSeconds: 'off',
      historyRetentionDays: 0,
      progressIntervalSeconds: 30,
      keepProgressHistory: true,
      imagingManifestLocations: ['s3://a/x', 's3://b'],
      sdkMaxAttempts: 3,
      sdkRequestTimeoutMs: 2000,
      eventBusName: 'bus',
      deadLetterQueueUrl: 'https://sqs/dlq',
      targets: [
        { accountId: '111122223333', region: 'eu-west-1' },
        { accountId: '444455556666', region: 'us-gov-west-1' },
      ],
      memberRoleName: 'Reader',
      backfillWindowSeconds: 86_400,
      publishBackfilled: true,
      imagingManifestWaitSeconds: 600,
      jobCountMetrics: 'nonzero',
      jobCountsPerTarget: true,
      organizationUnits: ['ou-ab12-cdef3456', 'r-ab12'],
      organizationRoleArn: 'arn:aws:iam::111122223333:role/OrgRead',
      targetRegions: ['eu-west-1', 'us-east-1'],
      discoveryCacheSeconds: 600,
      fanOutTargetsPerRun: 25,
    });

    // Act
    const poller = readPollerSettings(written);

    // Assess
    expect(Object.keys(written)).toHaveLength(Object.keys(SETTINGS).length);
    expect(poller).toEqual({
      scheduleSeconds: 120,
      fullSweepSeconds: 7200,
      quotaMultiplier: 2.5,
      progressRefreshLimit: 0,
      stallAfterSeconds: undefined,
      policy: {
        recentWindowSeconds: 5400,
        sweepWindowSeconds: 7320,
        progressRefreshSeconds: 60,
        concurrency: 3,
        safetyMarginMs: 60_000,
        backfillWindowSeconds: 86_400,
      },
    });
    expect(readSetting(written, 'publishBackfilled')).toBe(true);
    expect(readStoreSettings(written)).toEqual({
      tableName: 'jobs',
      historyRetentionDays: 0,
      progressIntervalSeconds: 30,
      keepProgressHistory: true,
    });
    expect(readSdkSettings(written)).toEqual({ maxAttempts: 3, requestTimeoutMs: 2000 });
    expect(readHealthImagingSettings(written)).toEqual({
      manifestLocations: ['s3://a/x', 's3://b'],
      manifestWaitSeconds: 600,
    });
    expect(readPublisherSettings(written)).toEqual({
      eventBusName: 'bus',
      deadLetterQueueUrl: 'https://sqs/dlq',
    });
    expect(written[SETTINGS.targets.name]).toBe('111122223333:eu-west-1,444455556666:us-gov-west-1');
    expect(readTargetSettings(written)).toEqual({
      fanOutTargetsPerRun: 25,
      targets: [
        { accountId: '111122223333', region: 'eu-west-1' },
        { accountId: '444455556666', region: 'us-gov-west-1' },
      ],
      memberRoleName: 'Reader',
      discovery: {
        organizationUnits: ['ou-ab12-cdef3456', 'r-ab12'],
        roleArn: 'arn:aws:iam::111122223333:role/OrgRead',
        regions: ['eu-west-1', 'us-east-1'],
        cacheSeconds: 600,
      },
    });
    expect(readJobCountSettings(written)).toEqual({ mode: 'nonzero', perTarget: true });
  });

  it("targets nothing but the function's own account and region by default", () => {
    expect(readTargetSettings({})).toEqual({ targets: [], memberRoleName: 'JobStatusAggregatorRead' });
  });

  it.each([
    '11112222333:eu-west-1',
    '111122223333',
    '111122223333:eu-west-1:x',
    '111122223333:Europe',
    '111122223333:eu-west-1,bad',
  ])('refuses the target list %s, naming the variable', (raw) => {
    expect(() => readTargetSettings({ [SETTINGS.targets.name]: raw })).toThrow(
      `Invalid setting JOBS_TARGETS="${raw}": expected a comma-separated list of <12-digit account id>:<region>`,
    );
  });

  it('writes nothing for a value left out or undefined', () => {
    expect(settingsEnvironment({ tableName: 't', sdkMaxAttempts: undefined })).toEqual({
      JOBS_TABLE_NAME: 't',
    });
  });

  it('applies the defaults to an empty environment, the recent window following the schedule', () => {
    // Act
    const poller = readPollerSettings({ [SETTINGS.scheduleSeconds.name]: '2400' });

    // Assess
    expect(readPollerSettings({})).toMatchObject({
      scheduleSeconds: 300,
      fullSweepSeconds: 21_600,
      quotaMultiplier: 1,
      progressRefreshLimit: undefined,
      stallAfterSeconds: DEFAULT_STALL_AFTER_SECONDS,
      policy: {
        recentWindowSeconds: 3600,
        progressRefreshSeconds: 300,
        concurrency: 4,
        safetyMarginMs: 15_000,
      },
    });
    expect(poller.policy.recentWindowSeconds).toBe(4800);
    expect(readStoreSettings({ JOBS_TABLE_NAME: ' jobs ' })).toEqual({
      tableName: 'jobs',
      historyRetentionDays: 90,
      progressIntervalSeconds: 300,
      keepProgressHistory: false,
    });
    expect(readSdkSettings({})).toEqual({ requestTimeoutMs: 10_000 });
    expect(readHealthImagingSettings({ JOBS_IMAGING_MANIFEST_LOCATIONS: ' ' })).toEqual({
      manifestLocations: [],
      manifestWaitSeconds: 3600,
    });
  });
});

describe("the contract's parsers", () => {
  it.each<[SettingKey, string, string]>([
    ['tableName', '  ', 'a table name'],
    ['eventBusName', '', 'a non-empty value'],
    ['deadLetterQueueUrl', ' ', 'a non-empty value'],
  ])('a missing required %s fails, naming its variable', (key, raw, expected) => {
    const name = SETTINGS[key].name;
    expect(() => readSetting({ [name]: raw }, key)).toThrow(new SettingsError(name, raw, expected));
    expect(() => readSetting({}, key)).toThrow(new SettingsError(name, '', expected));
  });

  it.each<[SettingKey, string, string]>([
    ['scheduleSeconds', 'often', 'a positive number'],
    ['concurrency', '0', 'a positive number'],
    ['quotaMultiplier', '-1', 'a positive number'],
    ['sdkMaxAttempts', '1.5', 'a positive whole number'],
    ['sdkRequestTimeoutMs', '0', 'a positive whole number'],
    ['progressIntervalSeconds', '-5', 'a whole number ≥ 0'],
    ['progressRefreshLimit', '2.5', 'a whole number ≥ 0'],
    ['historyRetentionDays', '3651', 'a whole number from 0 to 3650'],
    ['keepProgressHistory', 'maybe', 'true or false'],
  ])('rejects %s="%s" with its variable, the value and what is expected', (key, raw, expected) => {
    const name = SETTINGS[key].name;
    const error = (() => {
      try {
        readSetting({ [name]: raw }, key);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SettingsError);
    expect(error).toMatchObject({
      variable: name,
      message: `Invalid setting ${name}="${raw}": expected ${expected}`,
    });
  });

  it.each([
    ['TRUE', true],
    ['yes', true],
    ['1', true],
    ['Off', false],
    ['no', false],
    ['0', false],
  ])('reads the flag "%s" as %s', (raw, value) => {
    expect(readSetting({ JOBS_KEEP_PROGRESS_HISTORY: raw }, 'keepProgressHistory')).toBe(value);
  });
});

describe("the stall threshold (the value for the poller's own service)", () => {
  it('defaults to one hour', () => {
    for (const raw of [undefined, '', '  ']) {
      expect(readPollerSettings({ [STALL]: raw }).stallAfterSeconds).toBe(DEFAULT_STALL_AFTER_SECONDS);
    }
    expect(DEFAULT_STALL_AFTER_SECONDS).toBe(3600);
  });

  it('takes whole seconds up to a week, and "off" turns stalls off', () => {
    expect(readPollerSettings({ [STALL]: '1800' }).stallAfterSeconds).toBe(1800);
    expect(readPollerSettings({ [STALL]: String(MAX_STALL_AFTER_SECONDS) }).stallAfterSeconds).toBe(604_800);
    expect(readPollerSettings({ [STALL]: 'OFF' }).stallAfterSeconds).toBeUndefined();
    expect(parseSetting('stallAfterSeconds', ' off ')).toBe('off');
  });

  it.each(['0', '-5', '1.5', '604801', 'healthlake=7200', 'glacier=60', '60,70', 'soon'])(
    'rejects "%s" loudly',
    (raw) => {
      expect(() => readPollerSettings({ [STALL]: raw })).toThrow(SettingsError);
      expect(() => readPollerSettings({ [STALL]: raw })).toThrow(
        `Invalid setting ${STALL}="${raw}": expected a whole number of seconds from 1 to 604800, or off`,
      );
    },
  );
});
