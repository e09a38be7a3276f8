import { describe, expect, it } from 'vitest';
import { formatJobKey } from '../../../lambdas/core/job-key.js';
import { ProgressTurns, refreshDue } from '../../../lambdas/core/poll/progress-turns.js';
import { at, keyOf, snapshot, stored } from './support.js';

const policy = { progressRefreshSeconds: 60, progressRefreshLimit: 2 };
const withMetrics = (id: string, writtenAt = 0) =>
  stored(snapshot(id, 'RUNNING', { metrics: { processed: 1 } }), writtenAt);

describe('refreshDue', () => {
  it('is due for a running job with progress written at least one interval ago', () => {
    expect(refreshDue(withMetrics('a'), at(60), policy)).toBe(true);
    expect(refreshDue(withMetrics('a'), at(59), policy)).toBe(false);
  });

  it('is never due for a job whose describe shows no progress, or that is not running', () => {
    expect(refreshDue(stored(snapshot('a', 'RUNNING'), 0), at(600), policy)).toBe(false);
    expect(refreshDue(stored(snapshot('q', 'QUEUED', { progress: { files: 1 } }), 0), at(600), policy)).toBe(
      false,
    );
    expect(refreshDue(stored(snapshot('s', 'RUNNING', { sources: [] }), 0), at(600), policy)).toBe(true);
  });
});

describe('ProgressTurns', () => {
  const ids = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
  const known = ids.map((id) => withMetrics(id));
  const keys = ids.map((id) => formatJobKey(keyOf(id)));

  it('takes at most the limit, and every due job gets its turn over the refresh intervals', () => {
    // Act: the turns of three intervals in a row (six due jobs, two a turn: three groups).
    const turns = [600, 660, 720].map((seconds) => {
      const turnsNow = new ProgressTurns(known, at(seconds), policy);
      return keys.filter((key) => turnsNow.take(key));
    });

    // Assess
    for (const turn of turns) expect(turn.length).toBeLessThanOrEqual(2);
    const all = turns.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(2);
  });

  it('takes every job when no more are due than the limit, and none with a limit of 0', () => {
    const few = new ProgressTurns(known.slice(0, 2), at(600), policy);
    expect(keys.slice(0, 2).map((key) => few.take(key))).toEqual([true, true]);
    expect(few.take(keys[2] ?? '')).toBe(false);

    const none = new ProgressTurns(known, at(600), { ...policy, progressRefreshLimit: 0 });
    expect(keys.filter((key) => none.take(key))).toEqual([]);
  });
});
