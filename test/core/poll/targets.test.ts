import { describe, expect, it } from 'vitest';
import { ServiceCallError } from '../../../lambdas/core/errors.js';
import { pollTargets, type TargetRunDeps } from '../../../lambdas/core/poll/targets.js';
import type { CycleReport } from '../../../lambdas/core/poll-cycle.js';
import type { Target } from '../../../lambdas/core/target.js';
import { recordingLog } from './support.js';

const targets: Target[] = [
  { accountId: '111111111111', region: 'eu-west-1' },
  { accountId: '222222222222', region: 'eu-west-1' },
  { accountId: '333333333333', region: 'us-east-1' },
  { accountId: '444444444444', region: 'us-east-1' },
];

function report(listed: number, errors: Record<string, number> = {}): CycleReport {
  return {
    service: 'panorama',
    scopes: 1,
    listed,
    describes: listed,
    progressRefreshes: 0,
    transitions: listed,
    progressWrites: 0,
    unchanged: 0,
    lostRaces: 0,
    regressions: 0,
    stalls: 0,
    errors,
    incomplete: false,
    skipped: 0,
    durationMs: 1,
    activeByStatus: {},
    finishedByStatus: {},
  };
}

function deps(overrides: Partial<TargetRunDeps>): TargetRunDeps & { log: ReturnType<typeof recordingLog> } {
  return {
    service: 'panorama',
    log: recordingLog(),
    remainingMs: () => 60_000,
    safetyMarginMs: 1_000,
    concurrency: 2,
    check: async () => {},
    poll: async () => report(1),
    ...overrides,
  } as TargetRunDeps & { log: ReturnType<typeof recordingLog> };
}

describe('polling many targets', () => {
  it('counts a denied role and a target whose calls all fail, and polls every other target', async () => {
    // Arrange
    const denied = new ServiceCallError({
      kind: 'access-denied',
      service: 'panorama',
      operation: 'AssumeRole',
      detail: 'not authorized to perform sts:AssumeRole',
    });
    const run = deps({
      check: async (target) => {
        if (target.accountId === '222222222222') throw denied;
      },
      poll: async (target) =>
        target.accountId === '333333333333' ? report(0, { validation: 1 }) : report(2),
    });

    // Act
    const result = await pollTargets(run, targets);

    // Assess
    expect(result.targets.map((outcome) => [outcome.target, outcome.kind])).toEqual([
      ['111111111111:eu-west-1', 'polled'],
      ['222222222222:eu-west-1', 'failed'],
      ['333333333333:us-east-1', 'failed'],
      ['444444444444:us-east-1', 'polled'],
    ]);
    expect(result.failures.map((failure) => [failure.target, failure.errorKind])).toEqual([
      ['222222222222:eu-west-1', 'access-denied'],
      ['333333333333:us-east-1', 'validation'],
    ]);
    expect(result.report.listed).toBe(4);
    expect(result.report.transitions).toBe(4);
    expect(result.report.incomplete).toBe(false);
    const errors = run.log.lines.filter((line) => line.level === 'error');
    expect(errors.map((line) => line.extra?.target)).toEqual([
      '222222222222:eu-west-1',
      '333333333333:us-east-1',
    ]);
  });

  it('polls at most `concurrency` targets at once', async () => {
    // Arrange
    let running = 0;
    let most = 0;
    const run = deps({
      concurrency: 2,
      poll: async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running -= 1;
        return report(1);
      },
    });

    // Act
    const result = await pollTargets(run, targets);

    // Assess
    expect(most).toBe(2);
    expect(result.report.listed).toBe(4);
  });

  it('leaves the targets the deadline does not reach for the next run, which starts with them', async () => {
    // Arrange: time for two targets only.
    let left = 3;
    const margin = 1_500;
    const run = deps({
      concurrency: 1,
      safetyMarginMs: margin,
      remainingMs: () => left * 1_000,
      poll: async () => {
        left -= 1;
        return report(1);
      },
    });

    // Act
    const result = await pollTargets(run, targets);

    // Assess
    expect(result.targets.map((outcome) => outcome.kind)).toEqual([
      'polled',
      'polled',
      'not-reached',
      'not-reached',
    ]);
    expect(result.resumeAt).toBe(2);
    expect(result.failures).toEqual([]);
    expect(result.report.incomplete).toBe(true);
  });
});
