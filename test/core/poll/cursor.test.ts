import { describe, expect, it } from 'vitest';
import { loadCursor, nextCursor, ResumePoint, saveCursor } from '../../../lambdas/core/poll/cursor.js';
import type { ListPlan } from '../../../lambdas/core/poll/list-plan.js';
import { CycleTally } from '../../../lambdas/core/poll/tally.js';
import type { JobStateStore, ListCursor } from '../../../lambdas/core/ports.js';
import { at, iso, recordingLog } from './support.js';

const plan = (resumable: boolean, fullSweep = false): ListPlan => ({
  fullSweep,
  recentSince: at(0),
  passes: [{}],
  resumable,
  resuming: undefined,
  backfill: false,
});

/** A store with only the cursor methods; the cycle's other calls are not made here. */
function cursorStore(initial?: ListCursor, failing = false) {
  const state = { cursor: initial, writes: [] as (ListCursor | undefined)[] };
  const store: Pick<JobStateStore, 'loadListCursor' | 'saveListCursor'> = {
    async loadListCursor() {
      if (failing) throw new Error('read failed');
      return state.cursor;
    },
    async saveListCursor(_service: string, cursor: ListCursor | undefined) {
      if (failing) throw new Error('write failed');
      state.writes.push(cursor);
      state.cursor = cursor;
    },
  };
  return { state, store };
}

describe('ResumePoint', () => {
  it('keeps the earliest page whose work was left out', () => {
    const resume = new ResumePoint();
    resume.noLaterThan(undefined);
    expect(resume.position).toBeUndefined();
    resume.noLaterThan({ scope: 'wf', pageToken: 't4', rank: 2 });
    resume.noLaterThan({ scope: 'wf', pageToken: 't6', rank: 3 });
    resume.noLaterThan({ scope: 'wf', pageToken: 't2', rank: 1 });
    resume.noLaterThan({ scope: 'wf', pageToken: 't8', rank: 4 });
    expect(resume.position).toEqual({ scope: 'wf', pageToken: 't2', rank: 1 });
  });
});

describe('nextCursor', () => {
  it('points at the resume point of a resumable listing, with the sweep flag and the time', () => {
    const resume = new ResumePoint();
    resume.noLaterThan({ scope: 'wf', pageToken: 't2', rank: 1 });
    expect(nextCursor(plan(true, true), resume, () => at(5))).toEqual({
      scope: 'wf',
      pageToken: 't2',
      fullSweep: true,
      savedAt: iso(5),
    });
  });

  it('is undefined when nothing was left out, or the listing cannot resume', () => {
    const resume = new ResumePoint();
    expect(nextCursor(plan(true), resume, () => at(5))).toBeUndefined();
    resume.noLaterThan({ scope: 'wf', pageToken: 't2', rank: 1 });
    expect(nextCursor(plan(false), resume, () => at(5))).toBeUndefined();
  });
});

describe('loadCursor and saveCursor', () => {
  const saved: ListCursor = { scope: 'wf', pageToken: 't2', fullSweep: false, savedAt: iso(0) };

  it('saves the next cursor, clears a used one, and writes nothing when there is neither', async () => {
    // Prepare
    const { state, store } = cursorStore(saved);
    const log = recordingLog();
    const deps = {
      store,
      service: 'entityresolution',
      tally: new CycleTally('entityresolution', log),
      log,
    } as const;

    // Act
    const loaded = await loadCursor(deps);
    await saveCursor(deps, loaded, undefined);
    await saveCursor(deps, undefined, undefined);
    await saveCursor(deps, undefined, { ...saved, pageToken: 't4' });

    // Assess
    expect(loaded).toEqual(saved);
    expect(state.writes).toEqual([undefined, { ...saved, pageToken: 't4' }]);
    expect(log.lines.map((line) => line.message)).toEqual(['the listing resumes in the next run']);
  });

  it('counts a failed read as no cursor and a failed write as an error, never throwing', async () => {
    // Prepare
    const { store } = cursorStore(saved, true);
    const tally = new CycleTally('entityresolution', recordingLog());
    const deps = { store, service: 'entityresolution', tally, log: recordingLog() } as const;

    // Act
    const loaded = await loadCursor(deps);
    await saveCursor(deps, saved, undefined);

    // Assess
    expect(loaded).toBeUndefined();
    expect(tally.report.errors).toEqual({ internal: 2 });
  });
});
