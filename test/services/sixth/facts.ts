import {
  patternRule,
  type ServiceDefinition,
  type ServiceFacts,
} from '../../../lambdas/core/service-definition.js';
import { JobStatus } from '../../../lambdas/core/status.js';

/**
 * A made-up sixth service, defined only in the tests: what `lambdas/services/<service>/definition.ts` and
 * `facts.ts` would hold for a real one. Its jobs live in projects.
 */
export const sixthDefinition: ServiceDefinition<'sixth'> = {
  id: 'sixth',
  displayName: 'AWS Sixth Service',
  describeOperation: 'GetExportJob',
  listOperation: 'ListExportJobs',
  scopeKind: 'project',
  statusMap: { PENDING: JobStatus.QUEUED, ACTIVE: JobStatus.RUNNING, DONE: JobStatus.SUCCEEDED },
  validateScopeId: patternRule(/^[a-z0-9-]+$/, 1, 64, '[a-z0-9-]+, 1-64 characters'),
  validateJobId: patternRule(/^[a-z0-9-]+$/, 1, 64, '[a-z0-9-]+, 1-64 characters'),
  listFilters: { status: false, submittedAfter: false },
  maxPageSize: 100,
  quotas: { describePerSecond: 50, listPerSecond: 50 },
};

export const sixthFacts = {
  id: sixthDefinition.id,
  displayName: sixthDefinition.displayName,
  definition: sixthDefinition,
  handlerEntry: 'test/services/sixth/handler.ts',
  iamActions: ['sixth:ListProjects', 'sixth:ListExportJobs', 'sixth:GetExportJob'],
  endpointEnvSuffix: 'SIXTH',
  enabledByDefault: false,
  // Exports take hours; native events carry the fast path.
  defaultScheduleMinutes: 10,
  nativeEvents: {
    source: 'aws.sixth',
    detailTypes: ['Export Job State Change'],
    scopeField: 'projectId',
    jobIdField: 'jobId',
  },
  scopeArn: (scope, place) =>
    place && `arn:${place.partition}:sixth:${place.region}:${place.accountId}:project/${scope}`,
} as const satisfies ServiceFacts<'sixth'>;
