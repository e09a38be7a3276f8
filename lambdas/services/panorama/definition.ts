import { patternRule, type ServiceDefinition } from '../../core/service-definition.js';
import { JobStatus, type StatusMap } from '../../core/status.js';

/**
 * Every `PackageImportJobStatus` value.
 *
 * PENDING maps to RUNNING, not QUEUED: it is the only non-terminal value the API has (PENDING | SUCCEEDED |
 * FAILED; there is no separate queued or in-progress state and no start time), so it covers the whole life
 * of the import from CreatePackageImportJob until it ends, and the import starts right away (there is no
 * queue to wait in). Mapping it to QUEUED would show a working import as "not started" and would keep a
 * stuck import out of stall detection, which watches RUNNING jobs.
 */
export const packageImportJobStatusMap: StatusMap = {
  PENDING: JobStatus.RUNNING,
  SUCCEEDED: JobStatus.SUCCEEDED,
  FAILED: JobStatus.FAILED,
};

/** Package import job ids: 1-255 characters of `[a-zA-Z0-9\-\_]`. */
export const packageImportJobIdRule = patternRule(/^[a-zA-Z0-9_-]+$/, 1, 255, '^[a-zA-Z0-9\\-\\_]+$');

/**
 * AWS Panorama package import jobs. AWS ended support for Panorama on 2026-05-31; the last published
 * `@aws-sdk/client-panorama` (3.1076.0) still works against the API contract, and a deployment enables this
 * service only when asked to. Job ids are account-wide: there are no scopes.
 */
export const panoramaDefinition: ServiceDefinition<'panorama'> = {
  id: 'panorama',
  displayName: 'AWS Panorama',
  describeOperation: 'DescribePackageImportJob',
  listOperation: 'ListPackageImportJobs',
  scopeKind: undefined,
  statusMap: packageImportJobStatusMap,
  validateScopeId: undefined,
  validateJobId: packageImportJobIdRule,
  // ListPackageImportJobs takes only MaxResults and NextToken: no status or time filter. Its summaries do
  // carry the status message, but no input or output configuration.
  listFilters: { status: false, submittedAfter: false },
  maxPageSize: 25,
  // No published per-call rates; kept as low as the other services' planning figure.
  quotas: { describePerSecond: 5, listPerSecond: 5 },
};
