import { defineDriver } from '../driver.js';
import { FakeEntityResolution } from './fake.js';

/** Seeds Entity Resolution's fake: ID mapping workflows, and jobs with their metrics once done. */
export const entityResolutionDriver = defineDriver({
  createFake: (options) => new FakeEntityResolution(options),
  /** The workflow name is the scope id; a workflow has no separate display name. */
  addScope: (fake, id) => fake.addScope(id),
  submit: (fake, job, scope) =>
    fake.addJob({
      workflowName: scope,
      jobId: job.jobId,
      status: job.rawStatus,
      startTime: job.submittedAt,
      ...(job.endedAt && { endTime: job.endedAt }),
      ...(job.message !== undefined && { errorMessage: job.message }),
      ...(job.outputLocation !== undefined && {
        outputSourceConfig: [{ outputS3Path: job.outputLocation }],
      }),
    }),
  update: (fake, job, change, scope) =>
    fake.updateJob(scope, job.jobId, {
      ...(change.rawStatus !== undefined && { status: change.rawStatus }),
      ...(change.endedAt && { endTime: change.endedAt }),
      ...(change.message !== undefined && { errorMessage: change.message }),
      ...(change.metrics && { metrics: change.metrics }),
    }),
});
