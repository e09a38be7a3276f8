import { patternRule, type ServiceDefinition } from '../../core/service-definition.js';
import { JobStatus } from '../../core/status.js';

/**
 * HealthLake's id rule for DatastoreId and JobId (API reference): 1-32 characters of letters, separators,
 * digits and `_.:/=+-%@`. The `u` flag makes `\p{…}` mean Unicode properties.
 */
const HEALTHLAKE_ID = /^([\p{L}\p{Z}\p{N}_.:/=+\-%@]*)$/u;
const HEALTHLAKE_ID_TEXT = '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-%@]*)$';

/** AWS HealthLake FHIR import jobs, scoped by data store. */
export const healthLakeDefinition: ServiceDefinition<'healthlake'> = {
  id: 'healthlake',
  displayName: 'AWS HealthLake',
  describeOperation: 'DescribeFHIRImportJob',
  listOperation: 'ListFHIRImportJobs',
  scopeKind: 'data store',
  statusMap: {
    SUBMITTED: JobStatus.QUEUED,
    QUEUED: JobStatus.QUEUED,
    IN_PROGRESS: JobStatus.RUNNING,
    COMPLETED: JobStatus.SUCCEEDED,
    COMPLETED_WITH_ERRORS: JobStatus.SUCCEEDED_WITH_ERRORS,
    FAILED: JobStatus.FAILED,
    CANCEL_SUBMITTED: JobStatus.CANCELLING,
    CANCEL_IN_PROGRESS: JobStatus.CANCELLING,
    CANCEL_COMPLETED: JobStatus.CANCELLED,
    // The cancel request failed, not the job: the import goes on and will still end on its own, so it is
    // watched as running rather than given a terminal state AWS never reported.
    CANCEL_FAILED: JobStatus.RUNNING,
  },
  validateScopeId: patternRule(HEALTHLAKE_ID, 1, 32, HEALTHLAKE_ID_TEXT),
  validateJobId: patternRule(HEALTHLAKE_ID, 1, 32, HEALTHLAKE_ID_TEXT),
  // ListFHIRImportJobs also filters on SubmittedBefore and JobName; the poller needs only these two.
  listFilters: { status: true, submittedAfter: true },
  maxPageSize: 500,
  cancelStatuses: ['CANCEL_SUBMITTED', 'CANCEL_IN_PROGRESS', 'CANCEL_FAILED'],
  // No per-call figure is published today; about 10 per second is the older published figure.
  quotas: { describePerSecond: 10, listPerSecond: 10 },
};

/** Largest page ListFHIRDatastores accepts. */
export const HEALTHLAKE_MAX_DATASTORE_PAGE = 500;
