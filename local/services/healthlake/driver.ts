import { defineDriver, snapshotNamedPatch, snapshotNamedSeed } from '../driver.js';
import { HealthLakeFake } from './fake.js';

/** Seeds HealthLake's fake in the snapshot's own names, with the progress report as it grows. */
export const healthLakeDriver = defineDriver({
  createFake: (options) => new HealthLakeFake(options),
  addScope: (fake, id, name) => fake.addScope(id, name),
  submit: (fake, job, scope) => fake.addJob(snapshotNamedSeed(job, scope)),
  update: (fake, job, change, scope) =>
    fake.updateJob(scope, job.jobId, {
      ...snapshotNamedPatch(change),
      ...(change.progress && { progress: change.progress }),
    }),
});
