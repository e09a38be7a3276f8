import { CANCEL, type LifecycleModel, type Phase, QUEUE, sequenceLabel, ticks, WORK } from '../lifecycle.js';

/**
 * HealthLake: SUBMITTED → QUEUED → IN_PROGRESS → COMPLETED | COMPLETED_WITH_ERRORS | FAILED, or
 * (cancel) … → CANCEL_SUBMITTED → CANCEL_IN_PROGRESS → CANCEL_COMPLETED. The progress report grows as the
 * files are scanned.
 */

const FAILURES = [
  'Import failed: the data access role cannot read the input S3 location.',
  'Import failed: the input files are not valid NDJSON.',
  'Import failed: the customer managed KMS key is disabled.',
];

const DATASETS = [
  'claims',
  'encounters',
  'labs',
  'pharmacy',
  'oncology',
  'cardiology',
  'radiology',
  'genomics',
];

export const healthLakeLifecycle: LifecycleModel = {
  service: 'healthlake',
  scopeNames: ['fhir-claims', 'fhir-clinical-notes'],
  scopeId: (_name, rng) => rng.hex(32),
  jobId: (rng) => rng.hex(32),
  jobName: (rng, sequence) => `${rng.pick(DATASETS)}-import-${sequenceLabel(sequence)}`,
  locations: (job) => ({
    inputLocation: `s3://sim-fhir-input/${job.jobName ?? job.jobId}/`,
    outputLocation: `s3://sim-fhir-output/${job.jobId}/`,
  }),
  plan(rng, speed) {
    const outcome = rng.weighted({ succeeded: 55, partial: 15, failed: 15, cancelled: 15 });
    const size = rng.int(20, 400);
    const phases: Phase[] = [
      { rawStatus: 'SUBMITTED', ticks: ticks(rng, speed, ...QUEUE) },
      { rawStatus: 'QUEUED', ticks: ticks(rng, speed, ...QUEUE) },
    ];
    if (outcome === 'cancelled') {
      // Cancelled while queued, or part-way through the import.
      if (rng.chance(0.6))
        phases.push({ rawStatus: 'IN_PROGRESS', ticks: ticks(rng, speed, 2, 5), working: true });
      phases.push(
        { rawStatus: 'CANCEL_SUBMITTED', ticks: ticks(rng, speed, ...CANCEL) },
        { rawStatus: 'CANCEL_IN_PROGRESS', ticks: ticks(rng, speed, ...CANCEL) },
        { rawStatus: 'CANCEL_COMPLETED', ticks: 0 },
      );
      return { outcome, phases, size, failedUnits: 0 };
    }
    phases.push({ rawStatus: 'IN_PROGRESS', ticks: ticks(rng, speed, ...WORK), working: true });
    const final = { succeeded: 'COMPLETED', partial: 'COMPLETED_WITH_ERRORS', failed: 'FAILED' }[outcome];
    phases.push({ rawStatus: final, ticks: 0 });
    return {
      outcome,
      phases,
      size,
      failedUnits: outcome === 'partial' ? rng.int(1, Math.max(1, Math.floor(size / 10))) : 0,
      ...(outcome === 'failed' && { failureMessage: rng.pick(FAILURES) }),
    };
  },
  detail({ script, phaseIndex, workDone }) {
    // Files are scanned, then their resources imported; errors appear as the scan reaches them.
    const files = Math.round(script.size * workDone);
    const resources = files * 120;
    const errors = Math.round(script.failedUnits * workDone) * 3;
    const progress = {
      TotalNumberOfScannedFiles: files,
      TotalSizeOfScannedFilesInMB: Math.round(files * 4.2 * 10) / 10,
      TotalNumberOfImportedFiles: Math.max(0, files - Math.round(script.failedUnits * workDone)),
      TotalNumberOfResourcesScanned: resources,
      TotalNumberOfResourcesImported: Math.max(0, resources - errors),
      TotalNumberOfResourcesWithCustomerError: errors,
      TotalNumberOfFilesReadWithCustomerError: Math.round(script.failedUnits * workDone),
    };
    const final = phaseIndex === script.phases.length - 1;
    const message = !final
      ? undefined
      : script.outcome === 'partial'
        ? `Import completed with errors: ${errors} resources failed validation.`
        : script.outcome === 'failed'
          ? script.failureMessage
          : script.outcome === 'cancelled'
            ? 'Import cancelled by request.'
            : undefined;
    // Nothing is scanned before the import starts: no report yet.
    return { ...(workDone > 0 && { progress }), ...(message !== undefined && { message }) };
  },
};
