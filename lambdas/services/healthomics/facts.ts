import type { ServiceFacts } from '../../core/service-definition.js';
import { healthOmicsDefinition } from './definition.js';

/** AWS HealthOmics as deployed: what the stack, the events and local mode need, without the SDK. */
export const healthOmicsFacts = {
  id: healthOmicsDefinition.id,
  displayName: healthOmicsDefinition.displayName,
  definition: healthOmicsDefinition,
  handlerEntry: 'lambdas/services/healthomics/handler.ts',
  iamActions: ['omics:ListReferenceStores', 'omics:ListReferenceImportJobs', 'omics:GetReferenceImportJob'],
  endpointEnvSuffix: 'OMICS',
  enabledByDefault: true,
  // Get and List share 5 requests/second; native events carry the fast path.
  defaultScheduleMinutes: 5,
  nativeEvents: {
    source: 'aws.omics',
    detailTypes: ['Reference Import Job Status Change'],
    scopeField: 'referenceStoreId',
    jobIdField: 'id',
  },
  scopeArn: (scope, place) =>
    place && `arn:${place.partition}:omics:${place.region}:${place.accountId}:referenceStore/${scope}`,
} as const satisfies ServiceFacts<'healthomics'>;
