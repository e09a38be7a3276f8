import { type LifecycleModel, QUEUE, sequenceLabel, ticks, workTicks } from '../lifecycle.js';
import { jobOutputManifest } from './fake.js';

/**
 * HealthImaging: SUBMITTED → IN_PROGRESS → COMPLETED | FAILED. A partial success is COMPLETED on the API:
 * only the output manifest, written to S3 just before, counts the failed files.
 */

/** The bucket the simulated HealthImaging jobs write their output (and manifests) to. */
export const IMAGING_OUTPUT_BUCKET = 'sim-imaging-output';

const FAILURES = [
  'The input S3 location contains no DICOM P10 files.',
  'Access denied reading the input S3 location.',
];

const ID_CHARACTERS = '0123456789abcdefghijklmnopqrstuvwxyz';

function outputFolder(scope: string, jobId: string): string {
  return `${scope}-DicomImport-${jobId}`;
}

export const healthImagingLifecycle: LifecycleModel = {
  service: 'healthimaging',
  scopeNames: ['ct-archive', 'mri-research'],
  scopeId: (_name, rng) => rng.chars(32, ID_CHARACTERS),
  jobId: (rng) => rng.chars(32, ID_CHARACTERS),
  jobName: (rng, sequence) => `dicom-${rng.pick(['ct', 'mr', 'us', 'xr'])}-batch-${sequenceLabel(sequence)}`,
  locations: (job) => ({
    inputLocation: `s3://sim-dicom-input/${job.jobId}/`,
    outputLocation: `s3://${IMAGING_OUTPUT_BUCKET}/${outputFolder(job.scope ?? '', job.jobId)}/`,
  }),
  plan(rng, speed) {
    const outcome = rng.weighted({ succeeded: 60, partial: 20, failed: 20 });
    const size = rng.int(50, 2000);
    return {
      outcome,
      phases: [
        { rawStatus: 'SUBMITTED', ticks: ticks(rng, speed, ...QUEUE) },
        { rawStatus: 'IN_PROGRESS', ticks: workTicks(rng, speed), working: true },
        { rawStatus: outcome === 'failed' ? 'FAILED' : 'COMPLETED', ticks: 0 },
      ],
      size,
      failedUnits: outcome === 'partial' ? rng.int(1, Math.max(1, Math.floor(size / 20))) : 0,
      ...(outcome === 'failed' && { failureMessage: rng.pick(FAILURES) }),
    };
  },
  detail({ script, phaseIndex }) {
    const final = phaseIndex === script.phases.length - 1;
    return final && script.failureMessage ? { message: script.failureMessage } : {};
  },
  beforeFinal(job, rawStatus, s3) {
    if (rawStatus !== 'COMPLETED' || job.scope === undefined) return;
    const folder = outputFolder(job.scope, job.jobId);
    const failed = job.script.failedUnits;
    s3.put(
      IMAGING_OUTPUT_BUCKET,
      `${folder}/job-output-manifest.json`,
      jobOutputManifest(
        { scope: job.scope, jobId: job.jobId, outputLocation: `s3://${IMAGING_OUTPUT_BUCKET}/${folder}/` },
        {
          numberOfImportedFiles: job.script.size - failed,
          numberOfFilesWithCustomerError: failed,
          numberOfFilesWithServerError: 0,
          numberOfGeneratedImageSets: Math.max(1, Math.round((job.script.size - failed) / 200)),
        },
      ),
    );
  },
};
