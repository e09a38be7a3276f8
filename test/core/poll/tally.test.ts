import { describe, expect, it } from 'vitest';
import { InvalidIdError, MalformedResponseError, ServiceCallError } from '../../../lambdas/core/errors.js';
import type { TransitionRecord } from '../../../lambdas/core/history.js';
import { formatJobKey } from '../../../lambdas/core/job-key.js';
import { CycleTally } from '../../../lambdas/core/poll/tally.js';
import { keyOf, recordingLog, snapshot, stored } from './support.js';

const running = snapshot('a', 'RUNNING', { detail: 'full' });
const transition: TransitionRecord = {
  kind: 'transition',
  recordId: 'r1',
  key: keyOf('a'),
  version: 2,
  recordedAt: running.observedAt,
  snapshot: running,
  from: { status: 'QUEUED', rawStatus: 'QUEUED' },
  to: { status: 'RUNNING', rawStatus: 'RUNNING' },
};

describe('CycleTally', () => {
  it('counts each kind of record result and logs the transition and the conflicts', () => {
    // Prepare
    const log = recordingLog();
    const tally = new CycleTally('entityresolution', log);

    // Act
    tally.recorded({ kind: 'transition', record: transition }, running);
    tally.recorded({ kind: 'progress', written: true }, snapshot('b', 'RUNNING'));
    tally.recorded({ kind: 'progress', written: false }, snapshot('c', 'RUNNING'));
    tally.recorded({ kind: 'unchanged' }, snapshot('d', 'RUNNING'));
    tally.recorded({ kind: 'lost-race' }, snapshot('e', 'RUNNING'));
    const final = stored(snapshot('f', 'SUCCEEDED'), 0);
    tally.recorded(
      { kind: 'regression', current: final, observed: snapshot('f', 'RUNNING') },
      final.snapshot,
    );

    // Assess: deferred progress (c) moved the job too; unchanged, lost races and regressions did not.
    expect(tally.report).toMatchObject({
      transitions: 1,
      progressWrites: 1,
      unchanged: 1,
      lostRaces: 1,
      regressions: 1,
      incomplete: false,
    });
    expect([...tally.changed].sort()).toEqual(['a', 'b', 'c'].map((id) => formatJobKey(keyOf(id))));
    expect(log.lines.map((line) => [line.level, line.message])).toEqual([
      ['info', 'job status changed'],
      ['info', 'another poller recorded this change first'],
      ['warn', 'ignored a non-final status for a job already final'],
    ]);
    expect(log.lines[0]?.extra).toMatchObject({
      jobId: 'a',
      from: 'QUEUED',
      to: 'RUNNING',
      status: 'RUNNING',
    });
    expect(log.lines[2]?.extra).toMatchObject({ jobId: 'f', recorded: 'SUCCEEDED', observed: 'RUNNING' });
  });

  it('counts failures by the kind their class tells, each logged with its job and step', () => {
    // Prepare
    const log = recordingLog();
    const tally = new CycleTally('entityresolution', log);
    const throttled = new ServiceCallError({
      kind: 'throttled',
      service: 'entityresolution',
      operation: 'GetJob',
      detail: 'slow down',
    });

    // Act
    tally.fail(throttled, { service: 'entityresolution', scope: 'wf', jobId: 'a' }, 'refresh job');
    tally.fail(throttled, undefined, 'list scopes');
    tally.fail(new Error('boom'), { service: 'entityresolution' }, 'store read');

    // Assess
    expect(tally.report.errors).toEqual({ throttled: 2, internal: 1 });
    expect(log.lines[0]).toMatchObject({
      level: 'error',
      message: 'refresh job failed',
      extra: { jobId: 'a', scope: 'wf', errorKind: 'throttled' },
    });
    expect(log.lines[2]?.extra).toMatchObject({ errorKind: 'internal', error: 'boom' });
  });

  it('reports a bad list item once however many passes show it', () => {
    // Prepare
    const tally = new CycleTally('entityresolution', recordingLog());
    const job = { service: 'entityresolution', scope: 'wf', jobId: 'bad id' } as const;

    // Act
    tally.failListItem(new InvalidIdError(job, 'jobId', 'bad id', 'no spaces'));
    tally.failListItem(new InvalidIdError(job, 'jobId', 'bad id', 'no spaces'));
    tally.failListItem(new MalformedResponseError('entityresolution', 'ListJobs', 'no status'));
    tally.failListItem(new MalformedResponseError('entityresolution', 'ListJobs', 'no status'));

    // Assess: items without a job cannot be told apart, so each counts.
    expect(tally.report.errors).toEqual({ 'invalid-id': 1, malformed: 2 });
  });

  it('marks the cycle incomplete for work skipped or lists cut short, and counts the rest', () => {
    // Prepare
    const cutShort = new CycleTally('entityresolution', recordingLog());
    const skipping = new CycleTally('entityresolution', recordingLog());

    // Act
    cutShort.listsCutShort();
    skipping.skipped();
    skipping.skipped();
    skipping.scopeListed();
    skipping.jobListed();
    skipping.described(false);
    skipping.described(true);
    skipping.stallRecorded();
    const report = skipping.finish(Date.now() - 50);

    // Assess
    expect(cutShort.report).toMatchObject({ incomplete: true, skipped: 0 });
    expect(report).toMatchObject({
      service: 'entityresolution',
      incomplete: true,
      skipped: 2,
      scopes: 1,
      listed: 1,
      describes: 2,
      progressRefreshes: 1,
      stalls: 1,
    });
    expect(report.durationMs).toBeGreaterThanOrEqual(50);
  });
});
