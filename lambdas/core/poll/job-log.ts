import type { JobLocator } from '../adapter.js';
import type { JobRef } from '../errors.js';
import type { TransitionRecord } from '../history.js';
import { describeJobKey, type JobKey } from '../job-key.js';
import type { Log, RecordResult } from '../ports.js';

/**
 * The fields every log line about a job carries. The service is the poller logger's persistent
 * `jobService` key, so it is not repeated here.
 */
export function jobFields(job: JobRef | undefined): Record<string, unknown> {
  if (!job) return {};
  const key: JobKey = {
    service: job.service,
    jobId: job.jobId ?? '',
    ...(job.scope && { scope: job.scope }),
  };
  return { scope: job.scope, jobId: job.jobId, job: job.jobId ? describeJobKey(key) : undefined };
}

/** The one log line per recorded transition; the dashboard's status widgets query exactly this message. */
export function logTransition(log: Log, record: TransitionRecord): void {
  log.info('job status changed', {
    ...jobFields(refOf(record.key)),
    from: record.from?.rawStatus,
    to: record.to.rawStatus,
    status: record.to.status,
  });
}

/** A terminal job reported as something else: the store ignored it; the conflict is logged. */
export function logRegression(
  log: Log,
  job: JobRef,
  result: Extract<RecordResult, { kind: 'regression' }>,
): void {
  log.warn('ignored a non-final status for a job already final', {
    ...jobFields(job),
    recorded: result.current.snapshot.rawStatus,
    observed: result.observed.rawStatus,
  });
}

export function locatorOf(key: JobKey): JobLocator {
  return { jobId: key.jobId, ...(key.scope !== undefined && { scope: key.scope }) };
}

export function refOf(key: JobKey): JobRef {
  return { service: key.service, jobId: key.jobId, ...(key.scope !== undefined && { scope: key.scope }) };
}
