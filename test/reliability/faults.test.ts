import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientSettingsFromEnv } from '../../lambdas/aws/client-config.js';
import { readPollerSettings } from '../../lambdas/contract/settings.js';
import { isFullSweepDue, runPollCycle } from '../../lambdas/core/poll-cycle.js';
import { silentLog } from '../../lambdas/core/ports.js';
import { storeFromEnv } from '../../lambdas/handlers/store-from-env.js';
import { HealthImagingAdapter } from '../../lambdas/services/healthimaging/adapter.js';
import { killedPoll } from '../../local/chaos/killed-run.js';
import { LogCapture } from '../../local/chaos/log-capture.js';
import { anotherPoller } from '../../local/chaos/pollers.js';
import type { FakeRequest } from '../../local/fakes/fake-aws-server.js';
import { ACCOUNT, cycle, jobKey, REGION, startWorld, statuses, type World } from './support.js';

/**
 * One test per fault kind, each against the deployed handlers: what the fault does to the run, what is
 * logged, and that the next run (or the stream) ends with every change recorded and emitted exactly once
 * per id. The seeded, mixed version of all of them is chaos-run.test.ts.
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

beforeEach(() => {
  for (const server of [world.healthlake.server, world.entityResolution.server]) {
    server.resetCalls();
    server.clearFaults();
  }
  capture.clear();
});

/** A request that names `id` in its path, query or body. */
const mentions =
  (id: string) =>
  (request: FakeRequest): boolean =>
    `${JSON.stringify(request.params)}${request.query.toString()}${JSON.stringify(request.body)}`.includes(
      id,
    );

/** Log records (parsed JSON lines) with this message. */
function logged(message: string): Record<string, unknown>[] {
  return capture.records().filter((record) => record.message === message);
}

function erKey(workflow: string, jobId: string): string {
  return jobKey('entityresolution', workflow, jobId);
}

describe('service call faults touch one job, and the next run records what they hid', () => {
  it('a throttling burst longer than the SDK retries fails one job; a shorter one is absorbed', async () => {
    // Prepare: a second instance, so its throttled client (adaptive retry slows down) is not the others'.
    const er = world.entityResolution;
    const instance = anotherPoller('entityresolution');
    er.addScope('wf-throttle');
    const long = er.addJob({ workflowName: 'wf-throttle', status: 'QUEUED' });
    const short = er.addJob({ workflowName: 'wf-throttle', status: 'QUEUED' });
    er.server.inject('GetIdMappingJob', 'throttle', 3, mentions(long.jobId));
    er.server.inject('GetIdMappingJob', 'throttle', 2, mentions(short.jobId));

    // Act
    const report = cycle(await world.poll('entityresolution', { handler: instance }));
    const next = cycle(await world.poll('entityresolution'));

    // Assess
    expect(report.errors).toEqual({ throttled: 1 });
    expect(statuses(await world.transitions(erKey('wf-throttle', short.jobId)))).toEqual(['QUEUED']);
    expect(next.errors).toEqual({});
    expect(statuses(await world.transitions(erKey('wf-throttle', long.jobId)))).toEqual(['QUEUED']);
  });

  it('5xx on one scope: the list fails and is logged, the known jobs of that scope are refreshed by key', async () => {
    // Prepare
    const er = world.entityResolution;
    er.addScope('wf-5xx');
    er.addScope('wf-5xx-neighbour');
    const job = er.addJob({ workflowName: 'wf-5xx', status: 'RUNNING' });
    const neighbour = er.addJob({ workflowName: 'wf-5xx-neighbour', status: 'QUEUED' });
    await world.poll('entityresolution');
    er.updateJob('wf-5xx', job.jobId, { status: 'SUCCEEDED', endTime: new Date() });
    er.updateJob('wf-5xx-neighbour', neighbour.jobId, { status: 'RUNNING' });
    er.server.inject('ListIdMappingJobs', 'server-error', 3, mentions('wf-5xx"'));

    // Act
    const report = cycle(await world.poll('entityresolution'));

    // Assess
    expect(report.errors).toEqual({ server: 1 });
    expect(logged('list jobs failed')).toEqual([
      expect.objectContaining({ scope: 'wf-5xx', errorKind: 'server' }),
    ]);
    expect(statuses(await world.transitions(erKey('wf-5xx', job.jobId)))).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(statuses(await world.transitions(erKey('wf-5xx-neighbour', neighbour.jobId)))).toEqual([
      'QUEUED',
      'RUNNING',
    ]);
  });

  it('a hung describe ends at the request timeout: the run stays bounded and the job is retried next run', async () => {
    // Prepare
    const er = world.entityResolution;
    er.addScope('wf-hang');
    const hung = er.addJob({ workflowName: 'wf-hang', status: 'QUEUED' });
    const other = er.addJob({ workflowName: 'wf-hang', status: 'QUEUED' });
    er.server.inject('GetIdMappingJob', 'hang', 3, mentions(hung.jobId));

    // Act
    const started = Date.now();
    const report = cycle(await world.poll('entityresolution'));
    const took = Date.now() - started;
    const next = cycle(await world.poll('entityresolution'));

    // Assess: three attempts of 1 s and the back-off between them, not a hung Lambda.
    expect(took).toBeLessThan(8_000);
    expect(report.errors).toEqual({ timeout: 1 });
    expect(logged('refresh job failed')).toEqual([
      expect.objectContaining({ jobId: hung.jobId, errorKind: 'timeout' }),
    ]);
    expect(statuses(await world.transitions(erKey('wf-hang', other.jobId)))).toEqual(['QUEUED']);
    expect(next.errors).toEqual({});
    expect(statuses(await world.transitions(erKey('wf-hang', hung.jobId)))).toEqual(['QUEUED']);
  });

  it('a reset connection and a malformed body fail their job only, with their own error kinds', async () => {
    // Prepare
    const er = world.entityResolution;
    er.addScope('wf-broken');
    const reset = er.addJob({ workflowName: 'wf-broken', status: 'QUEUED' });
    const malformed = er.addJob({ workflowName: 'wf-broken', status: 'QUEUED' });
    const fine = er.addJob({ workflowName: 'wf-broken', status: 'QUEUED' });
    er.server.inject('GetIdMappingJob', 'reset', 3, mentions(reset.jobId));
    // The SDK does not retry a body it cannot parse: one bad answer fails the call.
    er.server.inject('GetIdMappingJob', 'malformed', 1, mentions(malformed.jobId));

    // Act
    const report = cycle(await world.poll('entityresolution'));
    const next = cycle(await world.poll('entityresolution'));

    // Assess
    expect(report.errors).toEqual({ network: 1, malformed: 1 });
    expect(report.transitions).toBe(1);
    expect(next.errors).toEqual({});
    for (const job of [reset, malformed, fine]) {
      expect(statuses(await world.transitions(erKey('wf-broken', job.jobId)))).toEqual(['QUEUED']);
    }
  });

  it('a pagination token that expires mid-listing: the scope fails, its known jobs are refreshed by key', async () => {
    // Prepare: 30 jobs, two pages of 25, all recorded.
    const er = world.entityResolution;
    er.addScope('wf-pages');
    const jobs = Array.from({ length: 30 }, () => er.addJob({ workflowName: 'wf-pages', status: 'RUNNING' }));
    await world.poll('entityresolution');
    const first = jobs[0]?.jobId ?? '';
    const onSecondPage = jobs[28]?.jobId ?? '';
    er.updateJob('wf-pages', first, { status: 'SUCCEEDED', endTime: new Date() });
    er.updateJob('wf-pages', onSecondPage, { status: 'FAILED', endTime: new Date(), errorMessage: 'bad' });
    const late = er.addJob({ workflowName: 'wf-pages', status: 'QUEUED' });
    er.server.inject(
      'ListIdMappingJobs',
      'validation',
      1,
      (request) => mentions('wf-pages')(request) && request.query.has('nextToken'),
    );

    // Act
    const report = cycle(await world.poll('entityresolution'));
    const next = cycle(await world.poll('entityresolution'));

    // Assess
    expect(report.errors).toEqual({ validation: 1 });
    expect(logged('list jobs failed')).toEqual([
      expect.objectContaining({ scope: 'wf-pages', errorKind: 'validation' }),
    ]);
    expect(statuses(await world.transitions(erKey('wf-pages', first)))).toEqual(['RUNNING', 'SUCCEEDED']);
    // Not listed (its page failed), but known: described by key, and its change recorded in the same run.
    expect(statuses(await world.transitions(erKey('wf-pages', onSecondPage)))).toEqual(['RUNNING', 'FAILED']);
    // A new job on the lost page waits for the next run's list.
    expect(report.transitions).toBe(2);
    expect(next.errors).toEqual({});
    expect(statuses(await world.transitions(erKey('wf-pages', late.jobId)))).toEqual(['QUEUED']);
  });

  it('a job that disappears (not found) is logged and never turned into a transition', async () => {
    // Prepare: a running job, then gone from the list and not found by describe.
    const er = world.entityResolution;
    er.addScope('wf-vanish');
    const gone = er.addJob({ workflowName: 'wf-vanish', status: 'RUNNING' });
    await world.poll('entityresolution');
    const before = await world.queries.job(erKey('wf-vanish', gone.jobId));
    er.tamper = (operation, body) =>
      operation === 'ListIdMappingJobs'
        ? { ...body, jobs: (body.jobs as { jobId: string }[]).filter((job) => job.jobId !== gone.jobId) }
        : body;
    er.server.inject('GetIdMappingJob', 'not-found', 10, mentions(gone.jobId));

    // Act
    try {
      const reports = [
        cycle(await world.poll('entityresolution')),
        cycle(await world.poll('entityresolution')),
      ];

      // Assess
      for (const report of reports) expect(report.errors).toEqual({ 'not-found': 1 });
      expect(logged('refresh job failed')).toEqual([
        expect.objectContaining({ jobId: gone.jobId, errorKind: 'not-found' }),
        expect.objectContaining({ jobId: gone.jobId, errorKind: 'not-found' }),
      ]);
      expect(statuses(await world.transitions(erKey('wf-vanish', gone.jobId)))).toEqual(['RUNNING']);
      const after = await world.queries.job(erKey('wf-vanish', gone.jobId));
      expect(after?.version).toBe(before?.version);
      expect(after?.snapshot.status).toBe('RUNNING');
    } finally {
      er.tamper = undefined;
      er.server.clearFaults();
    }
  });
});

describe('service data faults', () => {
  it('missing optional fields stay absent: nothing is invented, and the event is still valid', async () => {
    // Prepare: a job whose list item carries only what the model requires.
    world.healthlake.addJob({
      scope: 'datastore-sparse',
      jobId: 'job-sparse',
      status: 'IN_PROGRESS',
      wire: { JobName: undefined, EndTime: undefined, Message: undefined, JobProgressReport: undefined },
    });

    // Act
    const report = cycle(await world.poll('healthlake'));
    await world.drain();

    // Assess
    expect(report.errors).toEqual({});
    const [record] = await world.transitions(jobKey('healthlake', 'datastore-sparse', 'job-sparse'));
    expect(record?.snapshot).not.toHaveProperty('jobName');
    expect(record?.snapshot).not.toHaveProperty('message');
    expect(record?.snapshot).not.toHaveProperty('progress');
    expect(record?.snapshot).not.toHaveProperty('endedAt');
    const detail = world.details().find((d) => d.jobId === 'job-sparse');
    expect(detail).toMatchObject({ status: 'RUNNING', rawStatus: 'IN_PROGRESS' });
    expect(detail).not.toHaveProperty('jobName');
  });

  it('an unknown status value is recorded as UNKNOWN with its raw value, and the job stays watched', async () => {
    // Prepare
    world.healthlake.addJob({ scope: 'datastore-new-status', jobId: 'job-paused', status: 'PAUSED_BY_AWS' });

    // Act
    cycle(await world.poll('healthlake'));
    world.healthlake.updateJob('datastore-new-status', 'job-paused', {
      status: 'COMPLETED',
      endedAt: new Date(),
    });
    cycle(await world.poll('healthlake'));
    await world.drain();

    // Assess
    const records = await world.transitions(jobKey('healthlake', 'datastore-new-status', 'job-paused'));
    expect(records.map((record) => [record.to.status, record.to.rawStatus])).toEqual([
      ['UNKNOWN', 'PAUSED_BY_AWS'],
      ['SUCCEEDED', 'COMPLETED'],
    ]);
    expect(
      world
        .details()
        .filter((d) => d.jobId === 'job-paused')
        .map((d) => d.status),
    ).toEqual(['UNKNOWN', 'SUCCEEDED']);
  });
});

describe('run faults', () => {
  it('DynamoDB unavailable for part of a cycle: the writes that failed are made by the next run, once', async () => {
    // Prepare: two jobs move; the table goes away when the run starts listing.
    const hl = world.healthlake;
    hl.addJob({ scope: 'datastore-outage', jobId: 'job-a', status: 'SUBMITTED' });
    hl.addJob({ scope: 'datastore-outage', jobId: 'job-b', status: 'SUBMITTED' });
    cycle(await world.poll('healthlake'));
    hl.updateJob('datastore-outage', 'job-a', { status: 'IN_PROGRESS' });
    hl.updateJob('datastore-outage', 'job-b', { status: 'IN_PROGRESS' });
    hl.server.inject('ListFHIRImportJobs', 'throttle', 1, () => {
      // Used as a hook: the first list call starts the outage and is answered normally.
      if (!world.proxy.down) world.proxy.startOutage('refuse', 2_000);
      return false;
    });

    // Act
    let during: ReturnType<typeof cycle> | undefined;
    try {
      during = cycle(await world.poll('healthlake'));
    } finally {
      hl.server.clearFaults();
      world.proxy.restore();
    }
    const after = cycle(await world.poll('healthlake'));
    await world.drain();

    // Assess: the run failed job by job, never as a whole, and the next one recorded both, once each.
    expect(during.transitions).toBe(0);
    expect(Object.keys(during.errors)).not.toHaveLength(0);
    expect(after.transitions).toBe(2);
    for (const id of ['job-a', 'job-b']) {
      const records = await world.transitions(jobKey('healthlake', 'datastore-outage', id));
      expect(statuses(records)).toEqual(['SUBMITTED', 'IN_PROGRESS']);
      const delivered = world.details().filter((d) => d.jobId === id);
      expect(new Set(delivered.map((d) => d.transitionId))).toEqual(new Set(records.map((r) => r.recordId)));
    }
  });

  it('DynamoDB unavailable as a run starts: the run fails as a whole, loudly, and the next one catches up', async () => {
    // Prepare
    world.healthlake.addJob({ scope: 'datastore-down', jobId: 'job-c', status: 'SUBMITTED' });
    world.proxy.startOutage('refuse');

    // Act
    const failed = await world.poll('healthlake').then(
      () => undefined,
      (error: unknown) => error,
    );
    world.proxy.restore();
    const next = cycle(await world.poll('healthlake'));

    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(next.errors).toEqual({});
    expect(statuses(await world.transitions(jobKey('healthlake', 'datastore-down', 'job-c')))).toEqual([
      'SUBMITTED',
    ]);
  });

  it('a run that hits its time limit stops starting work; the next run does the rest', async () => {
    // Prepare
    const er = world.entityResolution;
    er.addScope('wf-deadline');
    const jobs = Array.from({ length: 4 }, () =>
      er.addJob({ workflowName: 'wf-deadline', status: 'QUEUED' }),
    );

    // Act: the run starts with no more than its safety margin left.
    const cut = cycle(await world.poll('entityresolution', { timeoutMs: 1_000 }));
    const next = cycle(await world.poll('entityresolution'));

    // Assess
    expect(cut.incomplete).toBe(true);
    expect(cut.transitions).toBe(0);
    expect(next.incomplete).toBe(false);
    for (const job of jobs) {
      expect(statuses(await world.transitions(erKey('wf-deadline', job.jobId)))).toEqual(['QUEUED']);
    }
  });

  it('a run killed right after a committed write: the stream still emits it, the next run does not repeat it', async () => {
    // Prepare
    const hl = world.healthlake;
    hl.addJob({ scope: 'datastore-kill', jobId: 'job-k1', status: 'SUBMITTED' });
    hl.addJob({ scope: 'datastore-kill', jobId: 'job-k2', status: 'SUBMITTED' });
    cycle(await world.poll('healthlake'));
    await world.drain();
    hl.updateJob('datastore-kill', 'job-k1', { status: 'QUEUED' });
    hl.updateJob('datastore-kill', 'job-k2', { status: 'QUEUED' });

    // Act: killed the moment DynamoDB has committed its first transaction (one write at a time, so the
    // second job's write never starts).
    const run = await killedPoll('healthlake', world.proxy, 1, { ...process.env, JOBS_CONCURRENCY: '1' });
    const committed = await Promise.all(
      ['job-k1', 'job-k2'].map(
        async (id) => (await world.transitions(jobKey('healthlake', 'datastore-kill', id))).length,
      ),
    );
    const next = cycle(await world.poll('healthlake'));
    await world.drain();

    // Assess
    expect(run.killed).toBe(true);
    expect(committed.sort()).toEqual([1, 2]);
    expect(next.transitions).toBe(1);
    const ids: string[] = [];
    for (const id of ['job-k1', 'job-k2']) {
      const records = await world.transitions(jobKey('healthlake', 'datastore-kill', id));
      expect(statuses(records)).toEqual(['SUBMITTED', 'QUEUED']);
      ids.push(...records.map((record) => record.recordId));
    }
    const delivered = world.details().filter((d) => d.scope === 'datastore-kill');
    expect(new Set(delivered.map((d) => d.transitionId))).toEqual(new Set(ids));
  });

  it('three pollers of one service at once record each change exactly once', async () => {
    // Prepare
    const hl = world.healthlake;
    const ids = ['job-r1', 'job-r2', 'job-r3', 'job-r4'];
    for (const id of ids) hl.addJob({ scope: 'datastore-race', jobId: id, status: 'SUBMITTED' });
    cycle(await world.poll('healthlake'));
    for (const id of ids) hl.updateJob('datastore-race', id, { status: 'IN_PROGRESS' });

    // Act
    const reports = (
      await Promise.all([
        world.poll('healthlake'),
        world.poll('healthlake', { handler: anotherPoller('healthlake') }),
        world.poll('healthlake', { handler: anotherPoller('healthlake') }),
      ])
    ).map(cycle);
    await world.drain();

    // Assess
    expect(reports.reduce((sum, report) => sum + report.transitions, 0)).toBe(ids.length);
    for (const id of ids) {
      const records = await world.transitions(jobKey('healthlake', 'datastore-race', id));
      expect(statuses(records)).toEqual(['SUBMITTED', 'IN_PROGRESS']);
      expect(world.details().filter((d) => d.jobId === id && d.rawStatus === 'IN_PROGRESS')).toHaveLength(1);
    }
  });

  it('native events twice, late and out of order never move a job back or record a change twice', async () => {
    // Prepare: recorded as SUBMITTED; it then runs and completes before any event arrives.
    const hl = world.healthlake;
    hl.addJob({ scope: 'datastore-native', jobId: 'job-n', status: 'SUBMITTED' });
    cycle(await world.poll('healthlake'));
    hl.updateJob('datastore-native', 'job-n', { status: 'COMPLETED', endedAt: new Date() });
    const event = (detailType: string) => ({
      source: 'aws.healthlake',
      'detail-type': detailType,
      detail: { datastoreId: 'datastore-native', jobId: 'job-n' },
    });

    // Act: completed first, then the late "in progress", then "completed" again.
    const results = [
      await world.deliver('healthlake', event('Import Job Completed')),
      await world.deliver('healthlake', event('Import Job In Progress')),
      await world.deliver('healthlake', event('Import Job Completed')),
      await world.deliver('healthlake', event('Import Job Submitted')),
    ];
    cycle(await world.poll('healthlake'));
    await world.drain();

    // Assess
    expect(results).toEqual([
      { mode: 'refresh', kind: 'recorded', result: 'transition' },
      { mode: 'refresh', kind: 'recorded', result: 'unchanged' },
      { mode: 'refresh', kind: 'recorded', result: 'unchanged' },
      { mode: 'refresh', kind: 'recorded', result: 'unchanged' },
    ]);
    const records = await world.transitions(jobKey('healthlake', 'datastore-native', 'job-n'));
    expect(statuses(records)).toEqual(['SUBMITTED', 'COMPLETED']);
    expect(
      world
        .details()
        .filter((d) => d.jobId === 'job-n')
        .map((d) => d.rawStatus),
    ).toEqual(['SUBMITTED', 'COMPLETED']);
  });
});

describe('publisher faults', () => {
  it('PutEvents partial and total failures, with the dead-letter queue down: every event leaves, ids stable', async () => {
    // Prepare: records written while the bus refuses half the entries and then fails whole calls.
    const hl = world.healthlake;
    const ids = ['job-p1', 'job-p2', 'job-p3'];
    world.bus.entryFailureRate = 0.5;
    world.bus.server.inject('PutEvents', 'server-error', 20);
    world.bus.deadLetterServer.inject('SendMessageBatch', 'server-error', 3);
    for (const id of ids) hl.addJob({ scope: 'datastore-bus', jobId: id, status: 'SUBMITTED' });
    const received = world.bus.received.length;

    // Act
    try {
      cycle(await world.poll('healthlake'));
      await world.drain();
    } finally {
      world.bus.entryFailureRate = 0;
      world.bus.server.clearFaults();
      world.bus.deadLetterServer.clearFaults();
    }

    // Assess: each record is on the bus or in the dead-letter queue, every copy under its own id.
    const recordIds = new Set<string>();
    for (const id of ids) {
      for (const record of await world.transitions(jobKey('healthlake', 'datastore-bus', id))) {
        recordIds.add(record.recordId);
      }
    }
    const onBus = world.bus.received.slice(received).map((r) => String(r.event.detail.transitionId));
    const dead = world.bus.deadLetters.map(
      (letter) => (JSON.parse(letter.body) as { recordId: string }).recordId,
    );
    const left = new Set([...onBus, ...dead].filter((id) => recordIds.has(id)));
    expect(left).toEqual(recordIds);
    expect(world.relay.stats.givenUp).toBe(0);
  });
});

describe('jobs that come and go between two polls', () => {
  // HealthImaging's list filters by status but not by time: a job that starts and ends between two polls
  // is found only by the full sweep, which therefore looks back over the whole sweep period.
  it('a HealthImaging job that ended two hours before the full sweep is recorded by it', async () => {
    // Prepare: the deployed defaults, a sweep run, and a job that ran and ended between two polls.
    const settings = readPollerSettings({});
    const scope = 'e'.repeat(32);
    const ended = new Date(Date.now() - 2 * 3_600_000);
    world.imaging.addJob({
      scope,
      jobId: 'f'.repeat(32),
      status: 'COMPLETED',
      submittedAt: new Date(ended.getTime() - 60_000),
      endedAt: ended,
    });
    const adapter = new HealthImagingAdapter({
      settings: clientSettingsFromEnv(),
      region: REGION,
      accountId: ACCOUNT,
    });
    const store = storeFromEnv(silentLog);

    // Act
    await runPollCycle(
      { adapter, store, log: silentLog, now: () => new Date(), remainingMs: () => 300_000 },
      {
        ...settings.policy,
        fullSweep: isFullSweepDue(new Date(0), settings.scheduleSeconds, settings.fullSweepSeconds),
        stallAfterSeconds: undefined,
        progressRefreshLimit: 10,
      },
    );

    // Assess
    expect(await world.transitions(jobKey('healthimaging', scope, 'f'.repeat(32)))).toHaveLength(1);
  });
});
