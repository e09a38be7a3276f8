import type { ServiceFacts } from '../../core/service-definition.js';
import { healthImagingDefinition } from './definition.js';

/** AWS HealthImaging as deployed: what the stack, the events and local mode need, without the SDK. */
export const healthImagingFacts = {
  id: healthImagingDefinition.id,
  displayName: healthImagingDefinition.displayName,
  definition: healthImagingDefinition,
  handlerEntry: 'lambdas/services/healthimaging/handler.ts',
  iamActions: [
    'medical-imaging:ListDatastores',
    'medical-imaging:ListDICOMImportJobs',
    'medical-imaging:GetDICOMImportJob',
  ],
  endpointEnvSuffix: 'MEDICAL_IMAGING',
  enabledByDefault: true,
  defaultScheduleMinutes: 5,
  nativeEvents: {
    source: 'aws.medical-imaging',
    detailTypes: [
      'Import Job Submitted',
      'Import Job In Progress',
      'Import Job Completed',
      'Import Job Failed',
    ],
    scopeField: 'datastoreId',
    jobIdField: 'jobId',
  },
  scopeArn: (scope, place) =>
    place && `arn:${place.partition}:medical-imaging:${place.region}:${place.accountId}:datastore/${scope}`,
} as const satisfies ServiceFacts<'healthimaging'>;
