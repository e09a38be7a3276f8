import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allPages } from '../../cli/queries.js';
import { loadReportInput } from '../../cli/report/load.js';
import { buildReportModel } from '../../cli/report/model.js';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { parseRunnerArgs, type RunnerOptions } from '../../local/runner/options.js';
import { LocalRunner, type RunOutcome } from '../../local/runner/runner.js';

/**
 * `npm start -- --once` for a fixed seed, end to end and without the terminal view: DynamoDB Local, the
 * simulator, the EventBridge stand-in, and the deployed poller and publisher handlers driven on a short
 * schedule through the standard endpoint variables. Then the ground truth of the simulator is held against
 * what the aggregator recorded and published.
 *
 * Seed 42 with three jobs per service covers partial successes (HealthImaging's through its manifest),
 * failures, cancels in HealthLake and HealthOmics and a slow job that stalls; throttled calls and refused
 * events are forced up so both retry paths run.
 */
const ARGS = [
  '--once',
  '--seed',
  '42',
  '--jobs',
  '3',
  '--speed',
  '4',
  '--interval',
  '0.5',
  '--throttle-rate',
  '0.15',
  '--event-failure-rate',
  '0.1',
  '--timeout',
  '100',
];

function runnerOptions(): RunnerOptions {
  const parsed = parseRunnerArgs(ARGS);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.options;
}

describe('local mode end to end, seed 42', () => {
  const runner = new LocalRunner(runnerOptions());
  let outcome: RunOutcome;
  const histories = new Map<string, HistoryRecord[]>();

  beforeAll(async () => {
    await runner.start();
    outcome = await runner.run();
    const queries = runner.requireQueries();
    for (const job of runner.simulator?.watchedJobs() ?? []) {
      const records: HistoryRecord[] = [];
      for await (const record of allPages((page) => queries.history(job.jobKey, page))) records.push(record);
      histories.set(job.jobKey, records);
    }
  }, 150_000);

  afterAll(async () => {
    await runner.stop();
  }, 60_000);

  const simulator = () => {
    if (!runner.simulator) throw new Error('no simulator');
    return runner.simulator;
  };

  it('runs until every simulated job ended and every event was delivered', () => {
    expect(outcome).toBe('done');
    expect(simulator().allFinished()).toBe(true);
    expect(simulator().watchedJobs()).toHaveLength(15);
  });

  it('exercised what the seed promises: partial success, failure, cancels, a stall, throttling', () => {
    const jobs = simulator().watchedJobs();
    const finals = jobs.map((job) => `${job.service}:${job.statuses.at(-1)?.rawStatus}`);
    expect(finals).toEqual(
      expect.arrayContaining([
        'healthlake:CANCEL_COMPLETED',
        'healthomics:CANCELLED',
        'healthimaging:COMPLETED',
      ]),
    );
    expect(jobs.some((job) => job.script.outcome === 'partial' && job.service === 'healthimaging')).toBe(
      true,
    );
    expect(jobs.some((job) => job.script.outcome === 'failed')).toBe(true);
    expect(runner.history.some((record) => record.kind === 'stall')).toBe(true);
    const throttled = [...simulator().calls.values()].reduce((sum, stats) => sum + stats.throttled, 0);
    expect(throttled).toBeGreaterThan(0);
    expect(runner.standIn.refused.get('ThrottlingException') ?? 0).toBeGreaterThan(0);
    // The SDK's retries absorbed every throttled call: no cycle lost a job to it.
    for (const stats of runner.services.values()) {
      expect(stats.errors).toEqual({});
      expect(stats.crashes).toBe(0);
    }
  });

  it("records each job's simulated raw statuses, every one of them, in order", () => {
    for (const job of simulator().watchedJobs()) {
      const transitions = (histories.get(job.jobKey) ?? []).filter((record) => record.kind === 'transition');
      const label = `${job.service} ${job.jobId}`;
      expect(
        transitions.map((record) => record.to.rawStatus),
        label,
      ).toEqual(job.statuses.map((status) => status.rawStatus));
      // Each transition starts where the one before ended.
      expect(
        transitions.map((record) => record.from?.rawStatus),
        label,
      ).toEqual([undefined, ...job.statuses.slice(0, -1).map((status) => status.rawStatus)]);
    }
  });

  it('keeps partial success apart: HealthImaging COMPLETED with failed files is SUCCEEDED_WITH_ERRORS', () => {
    for (const job of simulator()
      .watchedJobs()
      .filter((candidate) => candidate.service === 'healthimaging')) {
      const last = (histories.get(job.jobKey) ?? []).filter((record) => record.kind === 'transition').at(-1);
      const expected = { succeeded: 'SUCCEEDED', partial: 'SUCCEEDED_WITH_ERRORS', failed: 'FAILED' }[
        job.script.outcome as 'succeeded' | 'partial' | 'failed'
      ];
      expect(last?.kind === 'transition' && last.to.status, job.jobId).toBe(expected);
    }
  });

  it('delivered exactly one event per transition and stall, carrying the history record ids', () => {
    const records = [...histories.values()].flat().filter((record) => record.kind !== 'progress');
    const ids = runner.standIn.received.map((received) => {
      const detail = received.event.detail;
      return String(detail.transitionId ?? detail.stallId);
    });
    expect([...ids].sort()).toEqual(records.map((record) => record.recordId).sort());
    for (const record of records) {
      const event = runner.standIn.received.find(
        (received) =>
          (received.event.detail.transitionId ?? received.event.detail.stallId) === record.recordId,
      );
      expect(event?.event['detail-type']).toBe(
        record.kind === 'transition' ? 'Job Status Changed' : 'Job Stalled',
      );
      if (record.kind === 'transition') expect(event?.event.detail.rawStatus).toBe(record.to.rawStatus);
    }
    expect(runner.standIn.deadLetters).toHaveLength(0);
  });

  it('left alone the jobs that ended days before the run', async () => {
    const old = simulator()
      .jobs()
      .filter((job) => job.finishedBeforeStart);
    expect(old.length).toBeGreaterThan(0);
    for (const job of old) expect(await runner.requireQueries().job(job.jobKey)).toBeUndefined();
  });

  it("agrees with the runner's own check, which the summary prints", async () => {
    const verification = await runner.verify();
    expect(verification.problems).toEqual([]);
    expect(verification.jobs).toBe(15);
  });

  it('turns the run into a report: one lane per job, the failed jobs listed', async () => {
    const input = await loadReportInput(runner.requireQueries(), {
      since: new Date(runner.startedAt.getTime() - 60_000),
      now: new Date(),
      source: 'the e2e run',
    });
    const model = buildReportModel(input);
    expect(model.jobCount).toBe(15);
    expect(
      model.groups
        .flatMap((group) => group.lanes)
        .map((lane) => lane.jobKey)
        .sort(),
    ).toEqual(
      simulator()
        .watchedJobs()
        .map((job) => job.jobKey)
        .sort(),
    );
    const failed = simulator()
      .watchedJobs()
      .filter((job) => job.script.outcome === 'failed')
      .map((job) => job.jobKey);
    expect(model.failed.map((lane) => lane.jobKey).sort()).toEqual(failed.sort());
  });
});
