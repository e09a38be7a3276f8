import { type LifecycleModel, SLOW_CHANCE, SLOW_WORK, ticks } from '../lifecycle.js';

/** Panorama package imports: PENDING → SUCCEEDED | FAILED. Its jobs live in no scope. */

export const panoramaLifecycle: LifecycleModel = {
  service: 'panorama',
  scopeNames: [],
  scopeId: () => {
    throw new Error('Panorama has no scopes');
  },
  jobId: (rng) => `pkg-import-${rng.hex(16)}`,
  jobName: (rng) => `edge-model-${rng.pick(['detector', 'counter', 'classifier'])}`,
  locations: (job) => ({ inputLocation: `s3://sim-panorama-packages/${job.jobId}/package.tar.gz` }),
  plan(rng, speed) {
    const outcome = rng.weighted({ succeeded: 75, failed: 25 });
    return {
      outcome,
      // PENDING is Panorama's only non-terminal status: the whole import.
      phases: [
        {
          rawStatus: 'PENDING',
          ticks: rng.chance(SLOW_CHANCE) ? ticks(rng, speed, ...SLOW_WORK) : ticks(rng, speed, 4, 10),
          working: true,
        },
        { rawStatus: outcome === 'failed' ? 'FAILED' : 'SUCCEEDED', ticks: 0 },
      ],
      size: 1,
      failedUnits: 0,
      ...(outcome === 'failed' && { failureMessage: 'The package manifest is not valid.' }),
    };
  },
  detail({ script, phaseIndex, jobId }) {
    if (phaseIndex !== script.phases.length - 1) return {};
    if (script.failureMessage) return { message: script.failureMessage };
    return {
      packageOutput: { packageId: `package-${jobId.slice(-12)}`, version: '1.0', patch: jobId.slice(-8) },
    };
  },
};
