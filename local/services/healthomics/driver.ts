import { defineDriver } from '../driver.js';
import { FakeHealthOmics } from './fake.js';

/** Seeds HealthOmics' fake: reference stores, and import jobs with their per-source statuses. */
export const healthOmicsDriver = defineDriver({
  createFake: (options) => new FakeHealthOmics(options),
  addScope: (fake, id, name) => fake.addScope(id, name),
  submit: (fake, job, scope) =>
    fake.addJob({
      referenceStoreId: scope,
      id: job.jobId,
      status: job.rawStatus,
      creationTime: job.submittedAt,
      ...(job.endedAt && { completionTime: job.endedAt }),
      ...(job.message !== undefined && { statusMessage: job.message }),
    }),
  update: (fake, job, change, scope) =>
    fake.updateJob(scope, job.jobId, {
      ...(change.rawStatus !== undefined && { status: change.rawStatus }),
      ...(change.endedAt && { completionTime: change.endedAt }),
      ...(change.message !== undefined && { statusMessage: change.message }),
      ...(change.sources && { sources: change.sources }),
    }),
});
