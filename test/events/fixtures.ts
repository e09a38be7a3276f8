import {
  historyRecordId,
  type ProgressRecord,
  type StallRecord,
  type StatusPair,
  type TransitionRecord,
} from '../../lambdas/core/history.js';
import type { JobKey } from '../../lambdas/core/job-key.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { JobSnapshot } from '../../lambdas/core/snapshot.js';
import type { JobStatus } from '../../lambdas/core/status.js';

/** History records as the store writes them, one realistic job per service. */

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

export const KEYS = {
  healthlake: {
    service: 'healthlake',
    region: REGION,
    accountId: ACCOUNT,
    scope: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    jobId: 'c0ffee1234567890c0ffee1234567890',
  },
  healthimaging: {
    service: 'healthimaging',
    region: REGION,
    accountId: ACCOUNT,
    scope: '0123456789abcdefghij0123456789ab',
    jobId: 'a1b2c3d4e5f6',
  },
  healthomics: {
    service: 'healthomics',
    region: REGION,
    accountId: ACCOUNT,
    scope: '1234567890',
    jobId: '9876543210',
  },
  entityresolution: {
    service: 'entityresolution',
    region: REGION,
    accountId: ACCOUNT,
    scope: 'customer-id-mapping',
    jobId: '0123456789abcdef0123456789abcdef',
  },
  panorama: { service: 'panorama', region: REGION, accountId: ACCOUNT, jobId: 'package-import-1a2b3c' },
} as const satisfies Record<ServiceId, JobKey>;

export function jobKey(service: ServiceId, jobId?: string): JobKey {
  return jobId ? { ...KEYS[service], jobId } : KEYS[service];
}

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
export const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

export function snapshot(
  key: JobKey,
  status: JobStatus,
  rawStatus: string,
  extra: Partial<JobSnapshot> = {},
) {
  return {
    key,
    jobName: `${key.service}-nightly-import`,
    status,
    rawStatus,
    submittedAt: at(0),
    ...(status !== 'QUEUED' && { startedAt: at(1) }),
    observedAt: at(10),
    detail: 'full',
    ...extra,
  } satisfies JobSnapshot as JobSnapshot;
}

export function transition(
  key: JobKey,
  from: StatusPair | undefined,
  to: StatusPair,
  version: number,
  extra: Partial<JobSnapshot> = {},
): TransitionRecord {
  return {
    kind: 'transition',
    recordId: historyRecordId(key, version, 'transition', to.rawStatus),
    key,
    version,
    recordedAt: at(10 + version),
    snapshot: snapshot(key, to.status, to.rawStatus, extra),
    ...(from && { from }),
    to,
  };
}

export function stall(key: JobKey, version: number, stalledForSeconds = 5400): StallRecord {
  return {
    kind: 'stall',
    recordId: historyRecordId(key, version, 'stall'),
    key,
    version,
    recordedAt: at(120),
    snapshot: snapshot(key, 'RUNNING', 'IN_PROGRESS', { progress: { scannedFiles: 10, importedFiles: 4 } }),
    lastChangeAt: at(30),
    stalledForSeconds,
  };
}

export function progress(key: JobKey, version: number): ProgressRecord {
  return {
    kind: 'progress',
    recordId: historyRecordId(key, version, 'progress'),
    key,
    version,
    recordedAt: at(20),
    snapshot: snapshot(key, 'RUNNING', 'IN_PROGRESS', { progress: { scannedFiles: 5 } }),
  };
}

export const pair = (status: JobStatus, rawStatus: string): StatusPair => ({ status, rawStatus });

/** One transition per service: each service's own raw values, with progress, metrics and sources. */
export function transitionsOfEveryService(): TransitionRecord[] {
  return [
    transition(
      KEYS.healthlake,
      pair('RUNNING', 'IN_PROGRESS'),
      pair('SUCCEEDED_WITH_ERRORS', 'COMPLETED_WITH_ERRORS'),
      3,
      {
        endedAt: at(9),
        message: 'Import completed with errors. See the output location.',
        progress: { TotalNumberOfScannedFiles: 12, TotalNumberOfResourcesWithCustomerError: 2 },
      },
    ),
    transition(KEYS.healthimaging, pair('QUEUED', 'SUBMITTED'), pair('RUNNING', 'IN_PROGRESS'), 2),
    transition(KEYS.healthomics, pair('RUNNING', 'IN_PROGRESS'), pair('FAILED', 'FAILED'), 4, {
      endedAt: at(9),
      message: 'Source 2: invalid FASTA header',
      sources: [
        { name: 'chr1', rawStatus: 'FINISHED', status: 'SUCCEEDED' },
        { name: 'chr2', rawStatus: 'FAILED', status: 'FAILED', message: 'invalid FASTA header' },
        { name: 'chr3', rawStatus: 'FINISHED', status: 'SUCCEEDED' },
      ],
    }),
    transition(KEYS.entityresolution, pair('RUNNING', 'RUNNING'), pair('SUCCEEDED', 'SUCCEEDED'), 3, {
      endedAt: at(9),
      metrics: {
        inputRecords: 1000,
        totalRecordsProcessed: 1000,
        recordsNotProcessed: 0,
        totalMappedRecords: 950,
      },
    }),
    // First sighting: no `from`.
    transition(KEYS.panorama, undefined, pair('QUEUED', 'PENDING'), 1),
  ];
}
