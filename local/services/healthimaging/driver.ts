import { defineDriver, snapshotNamedPatch, snapshotNamedSeed } from '../driver.js';
import { HealthImagingFake } from './fake.js';

/** Seeds HealthImaging's fake in the snapshot's own names. */
export const healthImagingDriver = defineDriver({
  createFake: (options) => new HealthImagingFake(options),
  addScope: (fake, id, name) => fake.addScope(id, name),
  submit: (fake, job, scope) => fake.addJob(snapshotNamedSeed(job, scope)),
  update: (fake, job, change, scope) => fake.updateJob(scope, job.jobId, snapshotNamedPatch(change)),
});
