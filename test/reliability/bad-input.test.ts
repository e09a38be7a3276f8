import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aggregatorPropsFromContext } from '../../bin/context.js';
import { clientSettingsFromEnv } from '../../lambdas/aws/client-config.js';
import {
  SettingsError as FunctionSettingsError,
  MAX_STALL_AFTER_SECONDS,
  readPollerSettings,
  readStoreSettings,
} from '../../lambdas/contract/settings.js';
import type { ServiceAdapter } from '../../lambdas/core/adapter.js';
import { compareSnapshots, SnapshotMismatchError } from '../../lambdas/core/diff.js';
import { InvalidJobKeyError, parseJobKey } from '../../lambdas/core/job-key.js';
import { SNAPSHOT_LIMITS, TRUNCATION_MARKER } from '../../lambdas/core/recording.js';
import type { JobSnapshot } from '../../lambdas/core/snapshot.js';
import { MAX_MESSAGE_CHARS } from '../../lambdas/events/contract.js';
import { MAX_ENTRY_BYTES } from '../../lambdas/events/size.js';
import { createPollHandler, type PollResult } from '../../lambdas/handlers/poll-handler.js';
import { storeFromEnv } from '../../lambdas/handlers/store-from-env.js';
import { EntityResolutionAdapter } from '../../lambdas/services/entityresolution/adapter.js';
import { localClientConfig } from '../../lambdas/store/document-client.js';
import { DynamoJobStateStore } from '../../lambdas/store/dynamo-store.js';
import { resolveSettings } from '../../lib/settings.js';
import { LogCapture } from '../../local/chaos/log-capture.js';
import type { PollHandler } from '../../local/chaos/pollers.js';
import { detailProblems } from '../../local/chaos/security.js';
import { lambdaContext } from '../../local/runner/lambda-context.js';
import { settingsProblems } from '../support/settings-problems.js';
import { ACCOUNT, cycle, jobKey, REGION, startWorld, statuses, type World } from './support.js';

/**
 * Bad input: each gets a clear error naming what was wrong, and the rest of the work goes on.
 */
const capture = new LogCapture();
let world: World;

beforeAll(async () => {
  capture.start();
  world = await startWorld({ POWERTOOLS_LOG_LEVEL: 'INFO' });
}, 60_000);

afterAll(async () => {
  capture.stop();
  await world?.stop();
});

beforeEach(() => capture.clear());

function logged(message: string): Record<string, unknown>[] {
  return capture.records().filter((record) => record.message === message);
}

describe('invalid ids', () => {
  it('a native event with an invalid job id fails that event only, naming the field and the rule; no call is made', async () => {
    // Prepare
    world.healthlake.server.resetCalls();
    world.healthlake.addJob({ scope: 'datastore-ids', jobId: 'job-good', status: 'SUBMITTED' });

    // Act
    const result = await world.deliver('healthlake', {
      source: 'aws.healthlake',
      'detail-type': 'Import Job Completed',
      detail: { datastoreId: 'datastore-ids', jobId: 'j'.repeat(40) },
    });
    const report = cycle(await world.poll('healthlake'));

    // Assess
    expect(result).toEqual({ mode: 'refresh', kind: 'failed', errorKind: 'invalid-id' });
    expect(logged('refresh job failed')).toEqual([
      expect.objectContaining({
        errorKind: 'invalid-id',
        error: expect.stringMatching(/^healthlake: invalid JobId "j{40}": must be 1-32 characters/),
      }),
    ]);
    expect(world.healthlake.server.callsOf('DescribeFHIRImportJob')).toHaveLength(0);
    expect(report.errors).toEqual({});
    expect(statuses(await world.transitions(jobKey('healthlake', 'datastore-ids', 'job-good')))).toEqual([
      'SUBMITTED',
    ]);
  });

  it('a list item with an invalid id is reported as that item, and the other jobs are recorded', async () => {
    // Prepare: the service hands back one job id that breaks its own rule.
    const er = world.entityResolution;
    er.addScope('wf-bad-id');
    const good = er.addJob({ workflowName: 'wf-bad-id', status: 'QUEUED' });
    er.tamper = (operation, body) =>
      operation === 'ListIdMappingJobs' && Array.isArray(body.jobs)
        ? {
            ...body,
            jobs: [...body.jobs, { jobId: 'NOT-HEX!', status: 'RUNNING', startTime: 1_700_000_000 }],
          }
        : body;

    // Act
    let report: ReturnType<typeof cycle>;
    try {
      report = cycle(await world.poll('entityresolution'));
    } finally {
      er.tamper = undefined;
    }

    // Assess: reported once per cycle, whatever the number of workflows that listed it.
    expect(report.errors['invalid-id']).toBeGreaterThanOrEqual(1);
    expect(logged('list item failed')[0]).toMatchObject({
      errorKind: 'invalid-id',
      jobId: 'NOT-HEX!',
      error: expect.stringContaining('invalid jobId "NOT-HEX!": must be 32-32 characters'),
    });
    expect(statuses(await world.transitions(jobKey('entityresolution', 'wf-bad-id', good.jobId)))).toEqual([
      'QUEUED',
    ]);
  });

  it('a malformed job key given to the query side names what is wrong with it', () => {
    expect(() => parseJobKey('healthlake/us-east-1')).toThrow(InvalidJobKeyError);
    expect(() => parseJobKey('glacier/us-east-1/123456789012/scope/job')).toThrow(
      'unknown service "glacier"',
    );
    expect(() => parseJobKey('healthlake/us-east-1/123456789012/scope/')).toThrow('the job id is empty');
  });
});

describe('invalid or conflicting settings', () => {
  it('stack settings: every problem is named with its key, the value and what is allowed, all at once', () => {
    const problems = settingsProblems(() =>
      resolveSettings({
        services: ['healthlake', 'glacier'],
        historyRetention: Duration.hours(36),
        alarmEmails: ['ops@example.com'],
        alarmTopic: sns.Topic.fromTopicArn(new Stack(), 'Ops', 'arn:aws:sns:us-east-1:123456789012:ops'),
        stallAfter: { healthlake: Duration.seconds(30) },
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^services: "glacier" is not a service\. Allowed: healthlake, /),
      expect.stringMatching(/^historyRetention: 1 day 12 hours must be a whole number of days/),
      expect.stringMatching(/^alarmEmails and alarmTopic: set one of them, not both/),
      expect.stringMatching(/^stallAfter: healthlake=30 seconds must be a whole number of minutes/),
    ]);
  });

  it('the same problems given as CDK context (-c key=value) are named the same way', () => {
    const context = {
      services: 'healthlake,glacier',
      historyRetention: '-1',
      schedule: 'healthlake=0',
    };
    const problems = settingsProblems(() => aggregatorPropsFromContext(new Stack(new App({ context }), 'S')));
    expect(problems).toEqual([
      expect.stringMatching(/^historyRetention: -1 must be a whole number of days/),
      expect.stringMatching(/^services: "glacier" is not a service/),
      expect.stringMatching(
        /^schedule: healthlake=0 minutes must be a whole number of minutes from 1 to 1440/,
      ),
    ]);
  });

  it('a Panorama schedule while Panorama is disabled is named in a warning and ignored; the stack still builds', () => {
    const settings = resolveSettings({
      schedule: { panorama: Duration.minutes(10), healthlake: Duration.minutes(10) },
    });
    expect(settings.services).not.toContain('panorama');
    expect(settings.scheduleMinutes).toEqual(expect.objectContaining({ healthlake: 10 }));
    expect(settings.scheduleMinutes).not.toHaveProperty('panorama');
    expect(settings.warnings).toEqual([
      {
        id: 'job-status-aggregator:schedule-for-disabled-service',
        message: expect.stringContaining('panorama, which is not in services'),
      },
    ]);
  });

  it("function settings fail that function's cold start with the variable's name; the others start", () => {
    expect(() => readPollerSettings({ JOBS_CONCURRENCY: '-1' })).toThrow(
      new FunctionSettingsError('JOBS_CONCURRENCY', '-1', 'a positive number'),
    );
    expect(() => readStoreSettings({ JOBS_TABLE_NAME: 't', JOBS_HISTORY_RETENTION_DAYS: '-5' })).toThrow(
      FunctionSettingsError,
    );
    expect(() => readStoreSettings({ JOBS_TABLE_NAME: 't', JOBS_HISTORY_RETENTION_DAYS: '-5' })).toThrow(
      'JOBS_HISTORY_RETENTION_DAYS',
    );
    // The threshold arrives as this poller's own value: a per-service map is not one.
    expect(() => readPollerSettings({ JOBS_STALL_AFTER_SECONDS: 'glacier=10' })).toThrow(
      new FunctionSettingsError(
        'JOBS_STALL_AFTER_SECONDS',
        'glacier=10',
        `a whole number of seconds from 1 to ${MAX_STALL_AFTER_SECONDS}, or off`,
      ),
    );
    // A poller with a bad setting cannot be built; one with good settings can, side by side.
    const wiring = {
      service: 'entityresolution' as const,
      createAdapter: (init: ConstructorParameters<typeof EntityResolutionAdapter>[0]) =>
        new EntityResolutionAdapter(init),
      createStore: storeFromEnv,
    };
    expect(() => createPollHandler(wiring, { ...process.env, JOBS_SCHEDULE_SECONDS: 'often' })).toThrow(
      'JOBS_SCHEDULE_SECONDS',
    );
    expect(() => createPollHandler(wiring, process.env)).not.toThrow();
  });

  it('an invalid SDK setting names its variable', () => {
    expect(() => clientSettingsFromEnv({ JOBS_SDK_REQUEST_TIMEOUT_MS: '0' })).toThrow(
      'JOBS_SDK_REQUEST_TIMEOUT_MS',
    );
  });
});

describe('an oversized message from a service', () => {
  it('is cut with a marker in the table, and its event stays far under 256 KB, saying what was cut', async () => {
    // Prepare: a 1 MB status message on one job, a normal job beside it.
    world.healthlake.addJob({
      scope: 'datastore-big',
      jobId: 'job-big',
      status: 'FAILED',
      message: `Import failed: ${'x'.repeat(1024 * 1024)}`,
    });
    world.healthlake.addJob({ scope: 'datastore-big', jobId: 'job-small', status: 'SUBMITTED' });

    // Act
    const report = cycle(await world.poll('healthlake'));
    await world.drain();

    // Assess: the store bounded it (the item fits DynamoDB's 400 KB)...
    expect(report.errors).toEqual({});
    const [record] = await world.transitions(jobKey('healthlake', 'datastore-big', 'job-big'));
    const message = record?.snapshot.message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SNAPSHOT_LIMITS.messageBytes);
    expect(message.startsWith('Import failed: xxx')).toBe(true);
    expect(message.endsWith(TRUNCATION_MARKER)).toBe(true);
    // ...and the event says what it cut, within the contract.
    const received = world.bus.received.find((r) => r.event.detail.jobId === 'job-big');
    const detail = received?.event.detail ?? {};
    expect(Buffer.byteLength(JSON.stringify(detail))).toBeLessThan(MAX_ENTRY_BYTES / 4);
    expect(String(detail.message).length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(detail.truncated).toEqual(expect.arrayContaining(['message']));
    expect(detailProblems('Job Status Changed', detail)).toEqual([]);
    expect(statuses(await world.transitions(jobKey('healthlake', 'datastore-big', 'job-small')))).toEqual([
      'SUBMITTED',
    ]);
  });
});

describe('a snapshot from the wrong service', () => {
  const imagingSnapshot = (jobId: string): JobSnapshot => ({
    key: { service: 'healthimaging', region: REGION, accountId: ACCOUNT, scope: 'x'.repeat(32), jobId },
    status: 'RUNNING',
    rawStatus: 'IN_PROGRESS',
    observedAt: new Date().toISOString(),
    detail: 'full',
  });

  /** An Entity Resolution poller whose adapter answers one job's describe with another service's job. */
  function pollerWithWrongSnapshotFor(jobId: string): PollHandler {
    return createPollHandler({
      service: 'entityresolution',
      createAdapter: (init): ServiceAdapter => {
        const real = new EntityResolutionAdapter(init);
        return {
          definition: real.definition,
          listScopes: () => real.listScopes(),
          listJobs: (scope, options) => real.listJobs(scope, options),
          describeJob: async (locator) =>
            locator.jobId === jobId ? imagingSnapshot(jobId) : real.describeJob(locator),
        };
      },
      createStore: storeFromEnv,
    }) as PollHandler;
  }

  const context = () =>
    lambdaContext({
      functionName: 'job-poller-entityresolution',
      region: REGION,
      accountId: ACCOUNT,
      timeoutMs: 60_000,
    });

  it('comparing it throws SnapshotMismatchError naming both jobs; the store refuses it and writes nothing', async () => {
    // Prepare
    const client = new DynamoDBClient(localClientConfig(world.ddb.endpoint, REGION));
    const store = new DynamoJobStateStore({ client, settings: { tableName: world.tableName } });
    const own = {
      ...imagingSnapshot('job-own'),
      key: { ...imagingSnapshot('job-own').key, service: 'healthlake' as const },
    };
    await store.record(undefined, own);
    const previous = await store.get(own.key);

    // Act / Assess
    expect(() => compareSnapshots(own, imagingSnapshot('job-own'))).toThrow(SnapshotMismatchError);
    await expect(store.record(previous, imagingSnapshot('job-own'))).rejects.toThrow(
      /Cannot compare snapshots of different jobs: healthlake\/.*job-own vs healthimaging\/.*job-own/,
    );
    expect((await store.get(own.key))?.version).toBe(1);
    expect(await store.get(imagingSnapshot('job-own').key)).toBeUndefined();
    client.destroy();
  });

  it('a known job described as another service fails that job only, logged with its key', async () => {
    // Prepare
    const er = world.entityResolution;
    er.addScope('wf-wrong');
    const wrong = er.addJob({ workflowName: 'wf-wrong', status: 'QUEUED' });
    const right = er.addJob({ workflowName: 'wf-wrong', status: 'QUEUED' });
    await world.poll('entityresolution');
    er.updateJob('wf-wrong', wrong.jobId, { status: 'RUNNING' });
    er.updateJob('wf-wrong', right.jobId, { status: 'RUNNING' });

    // Act
    const result = (await pollerWithWrongSnapshotFor(wrong.jobId)({ kind: 'poll' }, context())) as PollResult;

    // Assess
    const report = cycle(result);
    expect(report.errors).toEqual({ internal: 1 });
    expect(logged('refresh job failed')).toEqual([
      expect.objectContaining({
        jobId: wrong.jobId,
        error: expect.stringContaining('Cannot compare snapshots of different jobs'),
      }),
    ]);
    expect(statuses(await world.transitions(jobKey('entityresolution', 'wf-wrong', wrong.jobId)))).toEqual([
      'QUEUED',
    ]);
    expect(statuses(await world.transitions(jobKey('entityresolution', 'wf-wrong', right.jobId)))).toEqual([
      'QUEUED',
      'RUNNING',
    ]);
  });

  // A job seen for the first time has no earlier snapshot to compare with: the describe must answer for it.
  it('a new job described as another service fails that job, and nothing is filed under the other key', async () => {
    // Prepare
    const er = world.entityResolution;
    er.addScope('wf-wrong-new');
    const wrong = er.addJob({ workflowName: 'wf-wrong-new', status: 'QUEUED' });

    // Act
    const report = cycle(
      (await pollerWithWrongSnapshotFor(wrong.jobId)({ kind: 'poll' }, context())) as PollResult,
    );

    // Assess
    expect(await world.queries.job(imagingSnapshot(wrong.jobId).key)).toBeUndefined();
    expect(report.errors).toEqual({ internal: 1 });
  });
});
