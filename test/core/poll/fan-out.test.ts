import { describe, expect, it } from 'vitest';
import { batchEvent, batchTargets, isBatchEvent, planFanOut } from '../../../lambdas/core/poll/fan-out.js';

const targets = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ accountId: String(100_000_000_000 + i), region: 'eu-west-1' }));

describe('planFanOut', () => {
  it('keeps one run when fan-out is off or the targets fit', () => {
    expect(planFanOut(targets(50), 0)).toBeUndefined();
    expect(planFanOut(targets(50), 50)).toBeUndefined();
    expect(planFanOut([], 10)).toBeUndefined();
  });

  it.each([
    [51, 50, [26, 25]],
    [50, 10, [10, 10, 10, 10, 10]],
    [7, 3, [3, 2, 2]],
    [50, 1, Array.from({ length: 50 }, () => 1)],
  ])('splits %i targets at %i a run into the fewest even batches', (count, perRun, sizes) => {
    // Act
    const batches = planFanOut(targets(count), perRun);

    // Assess: every target once, in order, no batch above the limit.
    expect(batches?.map((batch) => batch.length)).toEqual(sizes);
    expect(batches?.flat()).toEqual(targets(count));
  });
});

describe('batch events', () => {
  it('are told apart from the schedule’s event, so a batch run never fans out', () => {
    expect(isBatchEvent(batchEvent(targets(2)))).toBe(true);
    expect(isBatchEvent({ kind: 'poll' })).toBe(false);
    expect(isBatchEvent(null)).toBe(false);
  });

  it('give back the allowed, well-formed targets and name the rest', () => {
    // Arrange
    const event = {
      targets: ['100000000000:eu-west-1', '100000000000:eu-west-1', '1:eu-west-1', '200000000000:eu-west-1'],
    };

    // Act
    const parsed = batchTargets(event, (target) => target.accountId !== '200000000000');

    // Assess
    expect(parsed).toEqual({
      targets: [{ accountId: '100000000000', region: 'eu-west-1' }],
      rejected: ['1:eu-west-1', '200000000000:eu-west-1'],
    });
    expect(batchTargets({ targets: 'x' }, () => true)).toEqual({ targets: [], rejected: ['"x"'] });
  });
});
