import { type IdRule, patternRule, type ServiceDefinition } from '../../core/service-definition.js';
import { JobStatus, type StatusMap } from '../../core/status.js';

/**
 * Every `ReferenceImportJobStatus` value. COMPLETED_WITH_FAILURES is partial success: some sources failed.
 * AWS's `ReferenceImportJobCompleted` waiter treats it as failure; we keep it as its own state.
 */
export const referenceImportJobStatusMap: StatusMap = {
  SUBMITTED: JobStatus.QUEUED,
  IN_PROGRESS: JobStatus.RUNNING,
  CANCELLING: JobStatus.CANCELLING,
  CANCELLED: JobStatus.CANCELLED,
  FAILED: JobStatus.FAILED,
  COMPLETED: JobStatus.SUCCEEDED,
  COMPLETED_WITH_FAILURES: JobStatus.SUCCEEDED_WITH_ERRORS,
};

/** Every `ReferenceImportJobItemStatus` value: the status of one `sources[]` item of a reference import. */
export const referenceImportItemStatusMap: StatusMap = {
  NOT_STARTED: JobStatus.QUEUED,
  IN_PROGRESS: JobStatus.RUNNING,
  FINISHED: JobStatus.SUCCEEDED,
  FAILED: JobStatus.FAILED,
};

/** Reference store ids and reference import job ids: digits only, 10-36 characters. */
export const omicsIdRule: IdRule = patternRule(/^[0-9]+$/, 10, 36, 'digits only, 10-36 characters');

/**
 * AWS HealthOmics reference import jobs, scoped by reference store. The reference store calls go to the
 * `control-storage-` host prefix (the adapter turns it off when an endpoint override is configured).
 */
export const healthOmicsDefinition: ServiceDefinition<'healthomics'> = {
  id: 'healthomics',
  displayName: 'AWS HealthOmics',
  describeOperation: 'GetReferenceImportJob',
  listOperation: 'ListReferenceImportJobs',
  scopeKind: 'reference store',
  statusMap: referenceImportJobStatusMap,
  validateScopeId: omicsIdRule,
  validateJobId: omicsIdRule,
  // `filter: { status, createdAfter, createdBefore }`; one status per call, so asking for several statuses
  // costs one list pass each. The list returns summaries: no `sources`, no status message.
  listFilters: { status: true, submittedAfter: true },
  maxPageSize: 100,
  cancelStatuses: ['CANCELLING'],
  // GetReferenceImportJob and ListReferenceImportJobs share ONE bucket of 5 requests per second
  // (ListReferenceStores has its own 5): either kind may use all of it, both together no more than 5.
  quotas: { describePerSecond: 5, listPerSecond: 5, sharedPerSecond: 5 },
};
