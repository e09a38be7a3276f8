import { describe, expect, it } from 'vitest';
import { isFullSweepDue, listPasses, planListing } from '../../../lambdas/core/poll/list-plan.js';
import type { ListCursor } from '../../../lambdas/core/ports.js';
import { healthLakeDefinition } from '../../../lambdas/services/healthlake/definition.js';
import { at, iso, PagedAdapter } from './support.js';

const policy = { recentWindowSeconds: 3600, sweepWindowSeconds: 6 * 3600, fullSweep: false };
const unfiltered = new PagedAdapter(new Map());
const filtered = new PagedAdapter(new Map(), new Set(), {
  listFilters: { status: true, submittedAfter: true },
});
const cursor = (savedAtSeconds: number, fullSweep = false): ListCursor => ({
  scope: 'wf',
  pageToken: 't4',
  fullSweep,
  savedAt: iso(savedAtSeconds),
});

describe('listPasses', () => {
  it('lists the active statuses latest first, then the recently submitted, where the API filters on both', () => {
    const since = at(-3600);
    expect(listPasses(filtered, policy, since)).toEqual([
      { rawStatuses: ['RUNNING', 'QUEUED'] },
      { submittedAfter: since },
    ]);
  });

  it('lists the cancel statuses after the others, so finished jobs are known missing sooner', () => {
    const lake = new PagedAdapter(new Map(), new Set(), healthLakeDefinition);
    const [statusPass] = listPasses(lake, policy, at(0));
    expect(statusPass?.rawStatuses).toEqual([
      'IN_PROGRESS',
      'QUEUED',
      'SUBMITTED',
      'CANCEL_FAILED',
      'CANCEL_IN_PROGRESS',
      'CANCEL_SUBMITTED',
    ]);
  });

  it('lists everything on a full sweep or without a status filter', () => {
    expect(listPasses(filtered, { fullSweep: true }, at(0))).toEqual([{}]);
    expect(listPasses(unfiltered, policy, at(0))).toEqual([{}]);
  });
});

describe('planListing', () => {
  it('goes on from a cursor saved within the recent window, where the listing is unfiltered', () => {
    const plan = planListing(unfiltered, policy, cursor(0), at(3600), true);
    expect(plan).toMatchObject({ resumable: true, resuming: cursor(0), fullSweep: false });
    expect(plan.recentSince).toEqual(at(0));
  });

  it('starts afresh from a cursor older than the recent window', () => {
    const plan = planListing(unfiltered, policy, cursor(0), at(3601), true);
    expect(plan).toMatchObject({ resumable: true, resuming: undefined });
  });

  it('goes on sweeping, over the sweep window, when the cursor was saved by a full sweep', () => {
    const plan = planListing(filtered, policy, cursor(0, true), at(60), true);
    expect(plan).toMatchObject({ fullSweep: true, passes: [{}], resumable: true });
    expect(plan.recentSince).toEqual(at(60 - 6 * 3600));
  });

  it('never resumes a filtered listing, or with a store that keeps no cursor', () => {
    expect(planListing(filtered, policy, cursor(0), at(60), true)).toMatchObject({
      resumable: false,
      resuming: undefined,
      passes: [{ rawStatuses: ['RUNNING', 'QUEUED'] }, { submittedAfter: at(60 - 3600) }],
    });
    expect(planListing(unfiltered, policy, cursor(0), at(60), false)).toMatchObject({
      resumable: false,
      resuming: undefined,
    });
  });
});

describe('isFullSweepDue', () => {
  it('falls on the first run of each sweep period only', () => {
    const period = 6 * 3600;
    const start = Math.ceil(at(0).getTime() / 1000 / period) * period * 1000;
    const run = (offsetSeconds: number) =>
      isFullSweepDue(new Date(start + offsetSeconds * 1000), 300, period);
    expect([run(0), run(300), run(period - 300), run(period)]).toEqual([true, false, false, true]);
  });
});
