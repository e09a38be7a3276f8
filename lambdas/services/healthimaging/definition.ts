import { patternRule, type ServiceDefinition } from '../../core/service-definition.js';
import { JobStatus } from '../../core/status.js';

/** AWS HealthImaging (`medical-imaging`) DICOM import jobs, scoped by data store. */
export const healthImagingDefinition: ServiceDefinition<'healthimaging'> = {
  id: 'healthimaging',
  displayName: 'AWS HealthImaging',
  describeOperation: 'GetDICOMImportJob',
  listOperation: 'ListDICOMImportJobs',
  scopeKind: 'data store',
  statusMap: {
    SUBMITTED: JobStatus.QUEUED,
    IN_PROGRESS: JobStatus.RUNNING,
    // COMPLETED can hide failed files; the adapter reads the job's output manifest to tell (see adapter.ts).
    COMPLETED: JobStatus.SUCCEEDED,
    FAILED: JobStatus.FAILED,
  },
  validateScopeId: patternRule(/^[0-9a-z]{32}$/, 32, 32, '[0-9a-z]{32}'),
  validateJobId: patternRule(/^[0-9a-z]+$/, 1, 32, '[0-9a-z]+, 1-32 characters'),
  // ListDICOMImportJobs filters on jobStatus only; there is no time filter.
  listFilters: { status: true, submittedAfter: false },
  maxPageSize: 50,
  // GetDICOMImportJob 25/s (burst 50), ListDICOMImportJobs 10/s (burst 20); ListDatastores is 5/s.
  quotas: { describePerSecond: 25, listPerSecond: 10 },
};

/** Largest page ListDatastores accepts. */
export const HEALTHIMAGING_MAX_DATASTORE_PAGE = 50;

/** The file HealthImaging writes under a job's `outputS3Uri` with the counts of imported and failed files. */
export const JOB_OUTPUT_MANIFEST = 'job-output-manifest.json';
