import {
  EntityResolutionClient,
  GetIdMappingJobCommand,
  type GetIdMappingJobOutput,
  type JobSummary,
  ListIdMappingJobsCommand,
  ListIdMappingWorkflowsCommand,
} from '@aws-sdk/client-entityresolution';
import { callService } from '../../aws/call-service.js';
import { baseClientConfig, type ClientSettings } from '../../aws/client-config.js';
import { pages, resumeOf } from '../../aws/pages.js';
import type { JobLocator, ListedJob, ListJobsOptions, ServiceAdapter } from '../../core/adapter.js';
import { InvalidIdError, type JobRef, MalformedResponseError } from '../../core/errors.js';
import type { JobKey } from '../../core/job-key.js';
import { type Log, silentLog } from '../../core/ports.js';
import type { ServiceDefinition } from '../../core/service-definition.js';
import { definedOnly, type JobSnapshot, toCounters, toIsoUtc } from '../../core/snapshot.js';
import { normalizeStatus } from '../../core/status.js';
import { entityResolutionDefinition, workflowNameOfArn } from './definition.js';

export interface EntityResolutionAdapterOptions {
  readonly settings: ClientSettings;
  readonly region: string;
  readonly accountId?: string;
  readonly clock?: () => Date;
  readonly log?: Log;
}

const SERVICE = entityResolutionDefinition.id;

/**
 * Entity Resolution ID mapping jobs through the real `EntityResolutionClient`. The scope is the workflow
 * name; a workflow ARN is accepted wherever a scope is, and is keyed by its name when it names a workflow of
 * this adapter's region and account, so one job never gets two keys.
 */
export class EntityResolutionAdapter implements ServiceAdapter {
  readonly definition: ServiceDefinition = entityResolutionDefinition;
  private readonly client: EntityResolutionClient;
  private readonly region: string;
  private readonly accountId: string | undefined;
  private readonly clock: () => Date;
  private readonly log: Log;

  constructor(options: EntityResolutionAdapterOptions) {
    this.client = new EntityResolutionClient({
      ...baseClientConfig(options.settings),
      region: options.region,
    });
    this.region = options.region;
    this.accountId = options.accountId;
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log ?? silentLog;
  }

  /** Every ID mapping workflow name (ListIdMappingWorkflows, all pages). */
  async *listScopes(): AsyncIterable<string> {
    const listing = pages(
      { service: SERVICE, operation: 'ListIdMappingWorkflows' },
      (token) =>
        this.client.send(
          new ListIdMappingWorkflowsCommand({
            maxResults: this.definition.maxPageSize,
            ...(token && { nextToken: token }),
          }),
        ),
      (page) => page.nextToken,
    );
    for await (const page of listing) {
      for (const workflow of page.workflowSummaries ?? []) {
        if (workflow.workflowName) yield workflow.workflowName;
        else this.log.warn('ListIdMappingWorkflows returned a workflow without a name', { service: SERVICE });
      }
    }
  }

  /**
   * Every page of ListIdMappingJobs for one workflow. The API has no filters, so `options` is not used:
   * every job of the workflow is listed each time (the definition says so with `listFilters`).
   */
  async *listJobs(scope: string | undefined, options: ListJobsOptions = {}): AsyncIterable<ListedJob> {
    const workflow = this.requireScope(scope, undefined);
    const keyScope = this.scopeKey(workflow);
    const listing = pages(
      { service: SERVICE, operation: 'ListIdMappingJobs', job: { service: SERVICE, scope: workflow } },
      (token) =>
        this.client.send(
          new ListIdMappingJobsCommand({
            workflowName: workflow,
            maxResults: this.definition.maxPageSize,
            ...(token && { nextToken: token }),
          }),
        ),
      (page) => page.nextToken,
      resumeOf(options, undefined),
    );
    for await (const page of listing) {
      const observedAt = this.observedAt();
      for (const item of page.jobs ?? []) yield this.listed(keyScope, item, observedAt);
    }
  }

  /** GetIdMappingJob, with the job's metrics under their AWS names. */
  async describeJob(job: JobLocator): Promise<JobSnapshot> {
    const workflow = this.requireScope(job.scope, job.jobId);
    const ref: JobRef = { service: SERVICE, scope: workflow, jobId: job.jobId };
    const jobProblem = this.definition.validateJobId(job.jobId);
    if (jobProblem) throw new InvalidIdError(ref, 'jobId', job.jobId, jobProblem);

    const response = await callService(SERVICE, 'GetIdMappingJob', ref, () =>
      this.client.send(new GetIdMappingJobCommand({ workflowName: workflow, jobId: job.jobId })),
    );
    if (!response.status) throw new MalformedResponseError(SERVICE, 'GetIdMappingJob', 'no status', ref);
    return this.fullSnapshot(this.scopeKey(workflow), job.jobId, response.status, response);
  }

  private fullSnapshot(
    scope: string,
    jobId: string,
    rawStatus: string,
    response: GetIdMappingJobOutput,
  ): JobSnapshot {
    const outputs = (response.outputSourceConfig ?? [])
      .map((output) => output.outputS3Path)
      .filter((path): path is string => Boolean(path));
    return {
      key: this.key(scope, jobId),
      status: normalizeStatus(this.definition.statusMap, rawStatus),
      rawStatus,
      observedAt: this.observedAt(),
      detail: 'full',
      ...definedOnly({
        // AWS's `startTime` is set when the job is started (StartIdMappingJob), so queued jobs have it too.
        startedAt: toIsoUtc(response.startTime),
        endedAt: toIsoUtc(response.endTime),
        message: response.errorDetails?.errorMessage || undefined,
        metrics: toCounters(response.metrics ? { ...response.metrics } : undefined),
        outputLocation: outputs.length > 0 ? outputs.join(', ') : undefined,
      }),
    };
  }

  private listed(scope: string, item: JobSummary, observedAt: string): ListedJob {
    if (!item.jobId || !item.status) {
      const ref: JobRef = { service: SERVICE, scope, ...(item.jobId && { jobId: item.jobId }) };
      const missing = item.jobId ? 'status' : 'jobId';
      return {
        ok: false,
        error: new MalformedResponseError(SERVICE, 'ListIdMappingJobs', `job without ${missing}`, ref),
      };
    }
    const problem = this.definition.validateJobId(item.jobId);
    if (problem) {
      const ref: JobRef = { service: SERVICE, scope, jobId: item.jobId };
      return { ok: false, error: new InvalidIdError(ref, 'jobId', item.jobId, problem) };
    }
    return {
      ok: true,
      snapshot: {
        key: this.key(scope, item.jobId),
        status: normalizeStatus(this.definition.statusMap, item.status),
        rawStatus: item.status,
        observedAt,
        detail: 'summary',
        ...definedOnly({ startedAt: toIsoUtc(item.startTime), endedAt: toIsoUtc(item.endTime) }),
      },
    };
  }

  /** The workflow name or ARN, validated; ID mapping jobs always belong to a workflow. */
  private requireScope(scope: string | undefined, jobId: string | undefined): string {
    const ref: JobRef = {
      service: SERVICE,
      ...(scope !== undefined && { scope }),
      ...(jobId !== undefined && { jobId }),
    };
    if (scope === undefined) throw new InvalidIdError(ref, 'workflowName', '', 'a workflow name is required');
    const problem = this.definition.validateScopeId?.(scope);
    if (problem) throw new InvalidIdError(ref, 'workflowName', scope, problem);
    return scope;
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

  private key(scope: string, jobId: string): JobKey {
    return {
      service: SERVICE,
      region: this.region,
      ...(this.accountId !== undefined && { accountId: this.accountId }),
      scope,
      jobId,
    };
  }

  private observedAt(): string {
    return this.clock().toISOString();
  }
}
