import {
  applyPatch,
  epochSeconds,
  errors,
  type FakeRequest,
  paginate,
  queryPageSize,
  restJson1,
} from '../../fakes/fake-aws-server.js';
import { ScopedServiceFake, type ServiceFakeOptions } from '../../fakes/service-fake.js';

/**
 * A wire-level fake of the Entity Resolution ID mapping calls the aggregator makes (restJson1, dates as
 * epoch seconds): ListIdMappingWorkflows, ListIdMappingJobs (no filters), GetIdMappingJob. Routes and member
 * names are those of `@aws-sdk/client-entityresolution`. A workflow may be addressed by name or by ARN.
 */

export interface IdMappingOutputSource {
  readonly outputS3Path: string;
  readonly roleArn?: string;
  readonly KMSArn?: string;
}

export interface IdMappingJobSeed {
  readonly workflowName: string;
  /** 32 lowercase hex digits; generated when absent. */
  readonly jobId?: string;
  /** The raw `JobStatus`, or any other string to play a value AWS adds later. */
  readonly status: string;
  /** Defaults to the fake's clock. */
  readonly startTime?: Date;
  readonly endTime?: Date;
  /** `IdMappingJobMetrics` counters under their AWS names (inputRecords, totalMappedRecords, ...). */
  readonly metrics?: Readonly<Record<string, number>>;
  readonly errorMessage?: string;
  readonly outputSourceConfig?: readonly IdMappingOutputSource[];
  readonly jobType?: string;
}

export interface IdMappingJobRecord {
  readonly workflowName: string;
  readonly jobId: string;
  readonly status: string;
  readonly startTime: Date;
  readonly endTime?: Date;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly errorMessage?: string;
  readonly outputSourceConfig?: readonly IdMappingOutputSource[];
  readonly jobType?: string;
}

/** Fields to change; an explicit `undefined` removes an optional field. */
export type IdMappingJobPatch = {
  readonly [K in 'status' | 'endTime' | 'metrics' | 'errorMessage' | 'outputSourceConfig' | 'jobType']?:
    | IdMappingJobRecord[K]
    | undefined;
};

export interface IdMappingWorkflowRecord {
  readonly workflowName: string;
  readonly workflowArn: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type FakeEntityResolutionOptions = ServiceFakeOptions;

export const ENTITY_RESOLUTION_PAGE_MAX = 25;
const WORKFLOW_NAME = /^[a-zA-Z0-9_=+/-]{1,255}$/;
const WORKFLOW_ARN =
  /^arn:(aws|aws-us-gov|aws-cn):entityresolution:[a-z]{2}-[a-z]{1,10}-[0-9]:[0-9]{12}:idmappingworkflow\/([a-zA-Z0-9_-]{1,255})$/;
const JOB_ID = /^[a-f0-9]{32}$/;

export class FakeEntityResolution extends ScopedServiceFake<IdMappingWorkflowRecord, IdMappingJobRecord> {
  private sequence = 0;

  constructor(options: FakeEntityResolutionOptions = {}) {
    super(
      'entityresolution',
      restJson1({
        'GET /idmappingworkflows': 'ListIdMappingWorkflows',
        'GET /idmappingworkflows/{workflowName}/jobs': 'ListIdMappingJobs',
        'GET /idmappingworkflows/{workflowName}/jobs/{jobId}': 'GetIdMappingJob',
      }),
      options,
    );
    this.serve({
      ListIdMappingWorkflows: (request) => this.listWorkflows(request),
      ListIdMappingJobs: (request) => this.listJobs(request),
      GetIdMappingJob: (request) => this.getJobResponse(request),
    });
  }

  /** Adds an ID mapping workflow; `id` is its name (the second argument is not used: the name is the id). */
  addScope(id: string, _name?: string): IdMappingWorkflowRecord {
    if (!/^[a-zA-Z0-9_-]{1,255}$/.test(id)) throw new Error(`Invalid workflow name "${id}"`);
    if (this.scope(id)) throw new Error(`Workflow ${id} already exists`);
    const at = this.now();
    return this.putScope(id, {
      workflowName: id,
      workflowArn: `arn:aws:entityresolution:${this.region}:${this.accountId}:idmappingworkflow/${id}`,
      createdAt: at,
      updatedAt: at,
    });
  }

  addJob(seed: IdMappingJobSeed): IdMappingJobRecord {
    if (!this.scope(seed.workflowName)) {
      throw new Error(`Unknown workflow ${seed.workflowName}; addScope it first`);
    }
    const jobId = seed.jobId ?? this.nextId();
    if (!JOB_ID.test(jobId)) throw new Error(`Job ids are 32 lowercase hex digits, got "${jobId}"`);
    if (this.getJob(seed.workflowName, jobId)) {
      throw new Error(`Job ${seed.workflowName}/${jobId} already exists`);
    }
    const { jobId: _ignored, startTime, ...rest } = seed;
    const record: IdMappingJobRecord = { ...rest, jobId, startTime: startTime ?? this.now() };
    return this.putJob(seed.workflowName, jobId, record);
  }

  updateJob(scope: string, jobId: string, patch: IdMappingJobPatch): IdMappingJobRecord {
    const current = this.getJob(scope, jobId);
    if (!current) throw new Error(`Unknown job ${scope}/${jobId}`);
    return this.putJob(scope, jobId, applyPatch(current, patch));
  }

  private listWorkflows(request: FakeRequest): Record<string, unknown> {
    const { page, nextToken } = paginate(
      this.scopes(),
      request.query.get('nextToken') ?? undefined,
      queryPageSize(request, 'maxResults', ENTITY_RESOLUTION_PAGE_MAX),
      ENTITY_RESOLUTION_PAGE_MAX,
    );
    return {
      workflowSummaries: page.map((workflow) => ({
        workflowName: workflow.workflowName,
        workflowArn: workflow.workflowArn,
        createdAt: epochSeconds(workflow.createdAt),
        updatedAt: epochSeconds(workflow.updatedAt),
      })),
      ...(nextToken && { nextToken }),
    };
  }

  private listJobs(request: FakeRequest): Record<string, unknown> {
    const name = this.requireWorkflow(request.params.workflowName);
    const { page, nextToken } = paginate(
      this.jobsIn(name),
      request.query.get('nextToken') ?? undefined,
      queryPageSize(request, 'maxResults', ENTITY_RESOLUTION_PAGE_MAX),
      ENTITY_RESOLUTION_PAGE_MAX,
      name,
    );
    return {
      jobs: page.map((job) => ({
        jobId: job.jobId,
        status: job.status,
        startTime: epochSeconds(job.startTime),
        ...(job.endTime && { endTime: epochSeconds(job.endTime) }),
      })),
      ...(nextToken && { nextToken }),
    };
  }

  private getJobResponse(request: FakeRequest): Record<string, unknown> {
    const name = this.requireWorkflow(request.params.workflowName);
    const jobId = request.params.jobId ?? '';
    if (!JOB_ID.test(jobId)) throw errors.validation('jobId must match ^[a-f0-9]{32}$');
    const job = this.getJob(name, jobId);
    if (!job) throw errors.notFound(`Job ${jobId} of workflow ${name} not found`);
    return {
      jobId: job.jobId,
      status: job.status,
      startTime: epochSeconds(job.startTime),
      ...(job.endTime && { endTime: epochSeconds(job.endTime) }),
      ...(job.metrics && { metrics: { ...job.metrics } }),
      ...(job.errorMessage !== undefined && { errorDetails: { errorMessage: job.errorMessage } }),
      ...(job.outputSourceConfig && { outputSourceConfig: job.outputSourceConfig.map((o) => ({ ...o })) }),
      ...(job.jobType !== undefined && { jobType: job.jobType }),
    };
  }

  /** The workflow name from a name or an ARN path label; validated, and known. */
  private requireWorkflow(label: string | undefined): string {
    const value = label ?? '';
    const fromArn = WORKFLOW_ARN.exec(value)?.[2];
    if (fromArn === undefined && !WORKFLOW_NAME.test(value)) {
      throw errors.validation('workflowName must match ^[a-zA-Z_0-9-=+/]*$ or be an idmappingworkflow ARN');
    }
    const name = fromArn ?? value;
    const workflow = this.scope(name);
    if (!workflow || (fromArn !== undefined && workflow.workflowArn !== value)) {
      throw errors.notFound(`ID mapping workflow ${value} not found`);
    }
    return name;
  }

  private nextId(): string {
    this.sequence += 1;
    return this.sequence.toString(16).padStart(32, '0');
  }
}
