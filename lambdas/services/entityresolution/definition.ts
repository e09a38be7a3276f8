import { type IdRule, patternRule, type ServiceDefinition } from '../../core/service-definition.js';
import { JobStatus, type StatusMap } from '../../core/status.js';

/** Every `JobStatus` value of Entity Resolution jobs (ID mapping jobs use the same enum). */
export const idMappingJobStatusMap: StatusMap = {
  QUEUED: JobStatus.QUEUED,
  RUNNING: JobStatus.RUNNING,
  SUCCEEDED: JobStatus.SUCCEEDED,
  FAILED: JobStatus.FAILED,
};

/** Job ids: 32 lowercase hex digits. */
export const idMappingJobIdRule: IdRule = patternRule(/^[a-f0-9]{32}$/, 32, 32, '^[a-f0-9]{32}$');

const WORKFLOW_NAME = /^[a-zA-Z0-9_=+/-]+$/;
const WORKFLOW_ARN =
  /^arn:(aws|aws-us-gov|aws-cn):entityresolution:[a-z]{2}-[a-z]{1,10}-[0-9]:[0-9]{12}:idmappingworkflow\/[a-zA-Z0-9_-]{1,255}$/;
/** CreateIdMappingWorkflow bounds a workflow name to 1-255 characters. */
const WORKFLOW_NAME_MAX = 255;

/**
 * The `workflowName` path parameter: a workflow name (`^[a-zA-Z_0-9-=+/]*$`, non-empty: an empty path
 * label cannot be sent) or an `idmappingworkflow` ARN.
 */
export const idMappingWorkflowRule: IdRule = (value) => {
  if (WORKFLOW_ARN.test(value)) return undefined;
  if (value.startsWith('arn:')) {
    return 'must be an ARN arn:<partition>:entityresolution:<region>:<account>:idmappingworkflow/<name>';
  }
  if (value.length < 1 || value.length > WORKFLOW_NAME_MAX) {
    return `must be 1-${WORKFLOW_NAME_MAX} characters (^[a-zA-Z_0-9-=+/]*$) or an idmappingworkflow ARN; got ${value.length}`;
  }
  return WORKFLOW_NAME.test(value)
    ? undefined
    : 'must match ^[a-zA-Z_0-9-=+/]*$ or be an idmappingworkflow ARN';
};

/** The workflow name inside an idmappingworkflow ARN, or undefined when the value is not such an ARN. */
export function workflowNameOfArn(value: string): string | undefined {
  return WORKFLOW_ARN.test(value) ? value.slice(value.indexOf(':idmappingworkflow/') + 19) : undefined;
}

/** AWS Entity Resolution ID mapping jobs, scoped by ID mapping workflow (the workflow NAME is the scope). */
export const entityResolutionDefinition: ServiceDefinition<'entityresolution'> = {
  id: 'entityresolution',
  displayName: 'AWS Entity Resolution',
  describeOperation: 'GetIdMappingJob',
  listOperation: 'ListIdMappingJobs',
  scopeKind: 'ID mapping workflow',
  statusMap: idMappingJobStatusMap,
  validateScopeId: idMappingWorkflowRule,
  validateJobId: idMappingJobIdRule,
  // ListIdMappingJobs takes only workflowName, maxResults and nextToken: no status or time filter, so every
  // poll lists every job of the workflow. Summaries carry id, status, start and end time only.
  listFilters: { status: false, submittedAfter: false },
  maxPageSize: 25,
  // Not published per call; AWS's general guidance is to plan for about 5 requests per second.
  quotas: { describePerSecond: 5, listPerSecond: 5 },
};
