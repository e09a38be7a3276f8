import type { ServiceFacts } from '../core/service-definition.js';
import { entityResolutionFacts } from '../services/entityresolution/facts.js';
import { healthImagingFacts } from '../services/healthimaging/facts.js';
import { healthLakeFacts } from '../services/healthlake/facts.js';
import { healthOmicsFacts } from '../services/healthomics/facts.js';
import { panoramaFacts } from '../services/panorama/facts.js';

/**
 * The services the aggregator watches, in the order every list shows them: the one list of their facts.
 * Data only (definitions, IAM actions, schedules, handler entries): the CDK stack reads it at synth, so it
 * loads no SDK and no Powertools. `ServiceId` derives from it; `lambdas/services/registry.ts` adds each
 * service's adapter for the code that builds one.
 */
export const SERVICE_FACTS = [
  healthLakeFacts,
  healthImagingFacts,
  healthOmicsFacts,
  entityResolutionFacts,
  panoramaFacts,
] as const satisfies readonly ServiceFacts[];

/** The facts of one service. */
export function serviceFacts<Id extends (typeof SERVICE_FACTS)[number]['id']>(id: Id): ServiceFacts<Id> {
  return factsOf(SERVICE_FACTS, id);
}

/** The entry of `list` with this id; throws for an id not in it (a caller that skipped `isServiceId`). */
export function factsOf<Id extends string>(list: readonly ServiceFacts[], id: Id): ServiceFacts<Id> {
  const found = list.find((facts) => facts.id === id);
  if (!found) throw new Error(`no service "${id}" in the service registry`);
  return found as ServiceFacts<Id>;
}
