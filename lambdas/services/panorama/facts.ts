import type { ServiceFacts } from '../../core/service-definition.js';
import { panoramaDefinition } from './definition.js';

/** AWS Panorama as deployed: what the stack, the events and local mode need, without the SDK. */
export const panoramaFacts = {
  id: panoramaDefinition.id,
  displayName: panoramaDefinition.displayName,
  definition: panoramaDefinition,
  handlerEntry: 'lambdas/services/panorama/handler.ts',
  iamActions: ['panorama:ListPackageImportJobs', 'panorama:DescribePackageImportJob'],
  endpointEnvSuffix: 'PANORAMA',
  enabledByDefault: false,
  defaultScheduleMinutes: 5,
  nativeEvents: undefined,
  deprecationNotice:
    'AWS ended support for AWS Panorama on 2026-05-31; its poller is deployed only because it was asked for.',
  // Jobs are account-wide: no scope, so no resource.
  scopeArn: () => undefined,
} as const satisfies ServiceFacts<'panorama'>;
