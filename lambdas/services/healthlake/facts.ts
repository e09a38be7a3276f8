import type { ServiceFacts } from '../../core/service-definition.js';
import { healthLakeDefinition } from './definition.js';

/** AWS HealthLake as deployed: what the stack, the events and local mode need, without the SDK. */
export const healthLakeFacts = {
  id: healthLakeDefinition.id,
  displayName: healthLakeDefinition.displayName,
  definition: healthLakeDefinition,
  handlerEntry: 'lambdas/services/healthlake/handler.ts',
  iamActions: [
    'healthlake:ListFHIRDatastores',
    'healthlake:ListFHIRImportJobs',
    'healthlake:DescribeFHIRImportJob',
  ],
  endpointEnvSuffix: 'HEALTHLAKE',
  enabledByDefault: true,
  // FHIR imports run for minutes to hours; native events cover the fast path, so 5 minutes is a safety net.
  defaultScheduleMinutes: 5,
  nativeEvents: {
    source: 'aws.healthlake',
    detailTypes: [
      'Import Job Submitted',
      'Import Job Queued',
      'Import Job In Progress',
      'Import Job Completed',
      'Import Job Completed With Errors',
      'Import Job Failed',
    ],
    scopeField: 'datastoreId',
    jobIdField: 'jobId',
  },
  scopeArn: (scope, place) =>
    place && `arn:${place.partition}:healthlake:${place.region}:${place.accountId}:datastore/fhir/${scope}`,
} as const satisfies ServiceFacts<'healthlake'>;
