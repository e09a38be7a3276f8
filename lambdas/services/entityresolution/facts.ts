import type { ServiceFacts } from '../../core/service-definition.js';
import { entityResolutionDefinition } from './definition.js';

/** AWS Entity Resolution as deployed: what the stack, the events and local mode need, without the SDK. */
export const entityResolutionFacts = {
  id: entityResolutionDefinition.id,
  displayName: entityResolutionDefinition.displayName,
  definition: entityResolutionDefinition,
  handlerEntry: 'lambdas/services/entityresolution/handler.ts',
  iamActions: [
    'entityresolution:ListIdMappingWorkflows',
    'entityresolution:ListIdMappingJobs',
    'entityresolution:GetIdMappingJob',
  ],
  endpointEnvSuffix: 'ENTITYRESOLUTION',
  enabledByDefault: true,
  // No native events: the schedule is the only way to see a change, so poll more often.
  defaultScheduleMinutes: 2,
  nativeEvents: undefined,
  // A workflow ARN is accepted in place of its name; it is already the resource.
  scopeArn: (scope, place) => {
    if (scope.startsWith('arn:')) return scope;
    return (
      place &&
      `arn:${place.partition}:entityresolution:${place.region}:${place.accountId}:idmappingworkflow/${scope}`
    );
  },
} as const satisfies ServiceFacts<'entityresolution'>;
