import { type LifecycleModel, QUEUE, ticks, workTicks } from '../lifecycle.js';

/** Entity Resolution ID mapping: QUEUED → RUNNING → SUCCEEDED | FAILED, with its metrics once done. */

export const entityResolutionLifecycle: LifecycleModel = {
  service: 'entityresolution',
  scopeNames: ['customer-matching', 'household-linking'],
  // A workflow's name is its id.
  scopeId: (name) => name,
  jobId: (rng) => rng.hex(32),
  jobName: () => undefined,
  locations: (job) => ({ outputLocation: `s3://sim-id-mapping-output/${job.jobId}/` }),
  plan(rng, speed) {
    const outcome = rng.weighted({ succeeded: 70, failed: 30 });
    return {
      outcome,
      phases: [
        { rawStatus: 'QUEUED', ticks: ticks(rng, speed, ...QUEUE) },
        { rawStatus: 'RUNNING', ticks: workTicks(rng, speed), working: true },
        { rawStatus: outcome === 'failed' ? 'FAILED' : 'SUCCEEDED', ticks: 0 },
      ],
      size: rng.int(1_000, 250_000),
      failedUnits: 0,
      ...(outcome === 'failed' && {
        failureMessage: rng.pick([
          'The schema mapping does not match the input table.',
          'Insufficient permissions on the AWS Glue table.',
        ]),
      }),
    };
  },
  detail({ script, phaseIndex }) {
    if (phaseIndex !== script.phases.length - 1) return {};
    if (script.outcome === 'failed') return script.failureMessage ? { message: script.failureMessage } : {};
    const mapped = Math.round(script.size * 0.83);
    return {
      metrics: {
        inputRecords: script.size,
        totalRecordsProcessed: script.size,
        recordsNotProcessed: 0,
        totalMappedRecords: mapped,
        totalMappedSourceRecords: mapped,
        totalMappedTargetRecords: Math.round(mapped * 0.97),
        uniqueRecordsLoaded: Math.round(script.size * 0.91),
      },
    };
  },
};
