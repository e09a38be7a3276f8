import { describe, expect, it } from 'vitest';
import { type ListPosition, ResumePoint } from '../../../lambdas/core/poll/cursor.js';
import type { ListPlan } from '../../../lambdas/core/poll/list-plan.js';
import { Listing } from '../../../lambdas/core/poll/listing.js';
import { CycleTally } from '../../../lambdas/core/poll/tally.js';
import type { ListCursor } from '../../../lambdas/core/ports.js';
import type { JobSnapshot } from '../../../lambdas/core/snapshot.js';
import { at, iso, PagedAdapter, recordingLog, snapshot, stored } from './support.js';

const jobsOf = (scope: string, ids: string[]) => ids.map((id) => snapshot(id, 'QUEUED', { scope }));

function plan(resumable: boolean, resuming?: ListCursor): ListPlan {
  return { fullSweep: false, recentSince: at(0), passes: [{}], resumable, resuming, backfill: false };
}

/** Runs a listing and keeps what it handed on: each job's id and the position it was seen at. */
async function list(
  adapter: PagedAdapter,
  listPlan: ListPlan,
  outOfTime: (seen: number) => boolean = () => false,
) {
  const seen: { id: string; position: ListPosition | undefined }[] = [];
  const log = recordingLog();
  const tally = new CycleTally('entityresolution', log);
  const resume = new ResumePoint();
  const onJob = (job: JobSnapshot, position: ListPosition | undefined) =>
    seen.push({ id: job.key.jobId, position });
  const listing = new Listing(
    { adapter, log, tally, resume, outOfTime: () => outOfTime(seen.length), onJob },
    listPlan,
  );
  await listing.read();
  return { listing, seen, tally, resume, log };
}

describe('Listing', () => {
  it('hands on every job with the page it was on, the position advancing at each page end', async () => {
    // Prepare: two scopes; pages of two.
    const adapter = new PagedAdapter(
      new Map([
        ['one', jobsOf('one', ['a', 'b', 'c'])],
        ['two', jobsOf('two', ['d'])],
      ]),
    );

    // Act
    const { listing, seen, tally } = await list(adapter, plan(true));

    // Assess
    expect(seen).toEqual([
      { id: 'a', position: { scope: 'one', pageToken: undefined, rank: 0 } },
      { id: 'b', position: { scope: 'one', pageToken: undefined, rank: 0 } },
      { id: 'c', position: { scope: 'one', pageToken: 't2', rank: 1 } },
      { id: 'd', position: { scope: 'two', pageToken: undefined, rank: 3 } },
    ]);
    expect(listing.complete).toBe(true);
    expect(tally.report.scopes).toBe(2);
  });

  it('gives no positions and asks for no page ends where the listing cannot resume', async () => {
    const adapter = new PagedAdapter(new Map([['one', jobsOf('one', ['a', 'b', 'c'])]]));
    const { seen } = await list(adapter, plan(false));
    expect(seen.map((job) => job.position)).toEqual([undefined, undefined, undefined]);
    expect(adapter.listCalls[0]?.options.onPageEnd).toBeUndefined();
  });

  it('stops at the deadline only after a first page, and resumes at the page it stopped in', async () => {
    // Prepare: five jobs on three pages of two.
    const adapter = new PagedAdapter(
      new Map([
        ['one', jobsOf('one', ['a', 'b', 'c', 'd', 'e'])],
        ['two', jobsOf('two', ['f'])],
      ]),
    );

    // Act: the deadline has passed from the first item on, and once the third is seen.
    const early = await list(adapter, plan(true), (count) => count >= 1);
    const later = await list(adapter, plan(true), (count) => count >= 3);

    // Assess: the first page was read whole either way; the next scope was never listed.
    expect(early.seen.map((job) => job.id)).toEqual(['a', 'b']);
    expect(early.listing.complete).toBe(false);
    expect(early.resume.position).toEqual({ scope: 'one', pageToken: undefined, rank: 0 });
    expect(later.seen.map((job) => job.id)).toEqual(['a', 'b', 'c']);
    expect(later.resume.position).toEqual({ scope: 'one', pageToken: 't2', rank: 1 });
    expect(later.tally.report.scopes).toBe(1);
  });

  it('resuming, skips the scopes before the cursor and starts the cursor scope at its page', async () => {
    // Prepare
    const adapter = new PagedAdapter(
      new Map([
        ['one', jobsOf('one', ['a'])],
        ['two', jobsOf('two', ['b', 'c', 'd'])],
        ['three', jobsOf('three', ['e'])],
      ]),
    );
    const cursor: ListCursor = { scope: 'two', pageToken: 't2', fullSweep: false, savedAt: iso(0) };

    // Act
    const { listing, seen } = await list(adapter, plan(true, cursor));

    // Assess: neither the skipped scope nor the one started mid-way was listed in full; the last one was.
    expect(seen.map((job) => job.id)).toEqual(['d', 'e']);
    expect(adapter.listCalls.map((call) => [call.scope, call.options.startToken])).toEqual([
      ['two', 't2'],
      ['three', undefined],
    ]);
    expect(listing.listedInFull(stored(snapshot('a', 'QUEUED', { scope: 'one' }), 0))).toBe(false);
    expect(listing.listedInFull(stored(snapshot('b', 'QUEUED', { scope: 'two' }), 0))).toBe(false);
    expect(listing.listedInFull(stored(snapshot('e', 'QUEUED', { scope: 'three' }), 0))).toBe(true);
  });

  it('warns when the cursor scope is gone, and lists nothing of the scopes it skipped', async () => {
    const adapter = new PagedAdapter(new Map([['one', jobsOf('one', ['a'])]]));
    const cursor: ListCursor = { scope: 'gone', pageToken: 't2', fullSweep: false, savedAt: iso(0) };
    const { seen, log } = await list(adapter, plan(true, cursor));
    expect(seen).toEqual([]);
    expect(log.lines).toMatchObject([{ level: 'warn', extra: { scope: 'gone' } }]);
  });

  it('logs a scope whose listing fails and lists the next scope', async () => {
    // Prepare
    const adapter = new PagedAdapter(
      new Map([
        ['one', jobsOf('one', ['a', 'b'])],
        ['two', jobsOf('two', ['c'])],
      ]),
      new Set(['one']),
    );

    // Act
    const { listing, seen, tally, log } = await list(adapter, plan(false));

    // Assess
    expect(seen.map((job) => job.id)).toEqual(['a', 'c']);
    expect(listing.complete).toBe(true);
    expect(tally.report.errors).toEqual({ internal: 1 });
    expect(log.lines).toMatchObject([{ message: 'list jobs failed', extra: { scope: 'one' } }]);
  });
});
