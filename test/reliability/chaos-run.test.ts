import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChaosReport, runChaos } from '../../local/chaos/harness.js';
import { LogCapture } from '../../local/chaos/log-capture.js';
import { formatReport } from '../../local/chaos/report.js';

/**
 * The short chaos run of `npm test`: a fixed seed, the five simulated services, the real poller and
 * publisher handlers on DynamoDB Local and its stream, and every kind of fault at least once. The long,
 * configurable run is `npm run chaos`.
 */
const SEED = 20250301;
const capture = new LogCapture();
let report: ChaosReport;

beforeAll(async () => {
  // Every log line the handlers print is searched afterwards; the loggers read the level at load.
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  capture.start();
  try {
    report = await runChaos({
      seed: SEED,
      jobsPerService: 3,
      cycles: 12,
      speed: 3,
      coverEveryFault: true,
      // Long enough that a busy DynamoDB Local never times out (its calls share the SDK settings).
      requestTimeoutMs: 1_000,
      // One throttle burst (forced), on a throwaway instance: a throttled client paces itself for minutes.
      isolateThrottles: true,
      capture,
      rates: {
        // Throttle bursts and hung calls are forced once each (coverage); drawn at random they would
        // make the run slow (adaptive retry; request timeouts).
        callFaultKinds: ['server-error', 'reset', 'malformed', 'not-found', 'expired-token'],
        callFaultsPerService: 1,
        killedRun: 0,
        dynamodbOutage: 0.1,
        putEventsTotal: 0.1,
      },
    });
  } finally {
    capture.stop();
  }
  // The figure table, in the test output.
  console.log(formatReport(report));
}, 240_000);

afterAll(() => capture.stop());

describe(`chaos run, seed ${SEED}`, () => {
  it('loses no transition: every observable status is recorded, and every record is emitted', () => {
    const figures = report.check.figures;
    expect(report.check.problems).toEqual([]);
    expect(figures.trueTransitions).toBeGreaterThan(30);
    // Every status lasts a tick and every tick ends with a clean round: all of them are observable.
    expect(figures.coalesced).toBe(0);
    expect(figures.lost).toBe(0);
    expect(figures.recordedTransitions).toBe(figures.trueTransitions);
    expect(figures.emittedTransitions).toBe(figures.recordedTransitions);
  });

  it('invents nothing and never moves a job out of a terminal status', () => {
    expect(report.check.figures.spurious).toBe(0);
    expect(report.check.figures.regressed).toBe(0);
  });

  it('delivers duplicates only under the id of the transition they repeat', () => {
    expect(report.check.figures.duplicateDeliveries).toBeGreaterThan(0);
    expect(report.check.figures.duplicatesWithOtherId).toBe(0);
  });

  it('never fails a whole cycle because of a fault that touches one job', () => {
    expect(report.cycles.failedWholeBy['one-job faults'] ?? 0).toBe(0);
    expect(report.cycles.failedWholeBy['child process error'] ?? 0).toBe(0);
    // The one-job faults did hit: the cycles reported them per job and went on.
    expect(Object.keys(report.cycles.jobErrors).length).toBeGreaterThan(2);
  });

  it('injected every kind of fault', () => {
    const kinds = [
      'throttle-burst',
      'server-error',
      'hang',
      'reset',
      'malformed',
      'not-found',
      'dynamodb-outage',
      'time-limit',
      'killed-run',
      'concurrent-pollers',
      'putevents-partial',
      'putevents-total',
      'dead-letter-queue-down',
      'publisher-retried',
      'native-duplicate',
      'native-late',
      'native-reordered',
    ];
    for (const kind of kinds) expect(report.faults[kind] ?? 0, kind).toBeGreaterThan(0);
    expect(report.cycles.killed).toBeGreaterThan(0);
    expect(report.cycles.incomplete).toBeGreaterThan(0);
    expect(report.check.figures.deadLettered).toBeGreaterThan(0);
  });

  it('logs no secret, credential or job content, and emits only documented event fields', () => {
    expect(report.logLines).toBeGreaterThan(100);
    expect(report.logFindings).toEqual([]);
    expect(report.eventsValidated).toBeGreaterThanOrEqual(report.check.figures.recordedTransitions);
    expect(report.eventProblems).toEqual([]);
  });
});
