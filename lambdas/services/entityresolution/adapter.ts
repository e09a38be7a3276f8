import {
  EntityResolutionClient,
  GetIdMappingJobCommand,
  type GetIdMappingJobOutput,
  ListIdMappingJobsCommand,
  ListIdMappingWorkflowsCommand,
} from '@aws-sdk/client-entityresolution';
import { baseClientConfig } from '../../aws/client-config.js';
import type { JobLocator, ListedJob, ListJobsOptions, ServiceAdapter } from '../../core/adapter.js';
import { type JobSnapshot, toCounters, toIsoUtc } from '../../core/snapshot.js';
import { AdapterBase, type AdapterOptions, type IdFields, type SnapshotFields } from '../adapter-kit.js';
import { entityResolutionDefinition, workflowNameOfArn } from './definition.js';

export type EntityResolutionAdapterOptions = AdapterOptions;

const IDS: IdFields = {
  jobId: 'jobId',
  status: 'status',
  missing: 'job without',
  scope: { field: 'workflowName', required: 'a workflow name is required' },
};

/**
 * Entity Resolution ID mapping jobs through the real `EntityResolutionClient`. The scope is the workflow
 * name; a workflow ARN is accepted wherever a scope is, and is keyed by its name when it names a workflow of
 * this adapter's region and account, so one job never gets two keys.
 */
export class EntityResolutionAdapter extends AdapterBase implements ServiceAdapter {
  private readonly client: EntityResolutionClient;

  constructor(options: EntityResolutionAdapterOptions) {
    super(entityResolutionDefinition, IDS, options);
    this.client = new EntityResolutionClient({
      ...baseClientConfig(options.settings),
      region: options.region,
    });
  }

  /** Every ID mapping workflow name (ListIdMappingWorkflows, all pages). */
  listScopes(): AsyncIterable<string> {
    return this.scopeIds({
      operation: 'ListIdMappingWorkflows',
      fetchPage: (token) =>
        this.client.send(
          new ListIdMappingWorkflowsCommand({
            maxResults: this.definition.maxPageSize,
            ...(token && { nextToken: token }),
          }),
        ),
      tokenOf: (page) => page.nextToken,
      itemsOf: (page) => page.workflowSummaries,
      idOf: (workflow) => workflow.workflowName,
      noIdWarning: 'ListIdMappingWorkflows returned a workflow without a name',
    });
  }

  /**
   * Every page of ListIdMappingJobs for one workflow. The API has no filters, so `options` is not used:
   * every job of the workflow is listed each time (the definition says so with `listFilters`).
   */
  async *listJobs(scope: string | undefined, options: ListJobsOptions = {}): AsyncIterable<ListedJob> {
    const workflow = this.requireScope(scope);
    const keyScope = this.scopeKey(workflow);
    yield* this.listedJobs(workflow, options, {
      fetchPage: (token) =>
        this.client.send(
          new ListIdMappingJobsCommand({
            workflowName: workflow,
            maxResults: this.definition.maxPageSize,
            ...(token && { nextToken: token }),
          }),
        ),
      tokenOf: (page) => page.nextToken,
      itemsOf: (page) => page.jobs,
      idsOf: (item) => ({ jobId: item.jobId, status: item.status }),
      snapshot: (item, jobId, rawStatus, observedAt) =>
        this.snapshotOf(
          { scope: keyScope, jobId, rawStatus, detail: 'summary', observedAt },
          { startedAt: toIsoUtc(item.startTime), endedAt: toIsoUtc(item.endTime) },
        ),
      keyScope,
    });
  }

  /** GetIdMappingJob, with the job's metrics under their AWS names. */
  async describeJob(job: JobLocator): Promise<JobSnapshot> {
    const workflow = this.requireScope(job.scope, job.jobId);
    const ref = this.describedJob(workflow, job.jobId);
    const response = await this.describeCall(ref, () =>
      this.client.send(new GetIdMappingJobCommand({ workflowName: workflow, jobId: job.jobId })),
    );
    if (!response.status) throw this.malformedDescribe('no status', ref);
    const seen = { scope: this.scopeKey(workflow), jobId: job.jobId, rawStatus: response.status };
    return this.snapshotOf({ ...seen, detail: 'full' }, describedFields(response));
  }

  /**
   * The scope a job is keyed by: the workflow name. An ARN of this region (and account, when known) is
   * reduced to its name; an ARN of another region or account stays whole, since the name alone would
   * claim the job for this adapter's account.
   */
  private scopeKey(workflow: string): string {
    const name = workflowNameOfArn(workflow);
    if (name === undefined) return workflow;
    const [, , , region, account] = workflow.split(':');
    const sameAccount = this.accountId === undefined || account === this.accountId;
    return region === this.region && sameAccount ? name : workflow;
  }
}

function describedFields(response: GetIdMappingJobOutput): SnapshotFields {
  const outputs = (response.outputSourceConfig ?? [])
    .map((output) => output.outputS3Path)
    .filter((path): path is string => Boolean(path));
  return {
    // AWS's `startTime` is set when the job is started (StartIdMappingJob), so queued jobs have it too.
    startedAt: toIsoUtc(response.startTime),
    endedAt: toIsoUtc(response.endTime),
    message: response.errorDetails?.errorMessage || undefined,
    jobType: response.jobType,
    metrics: toCounters(response.metrics ? { ...response.metrics } : undefined),
    outputLocation: outputs.length > 0 ? outputs.join(', ') : undefined,
  };
}
