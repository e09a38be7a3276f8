import { SERVICE_FACTS } from '../contract/services.js';
import type { ServiceFacts } from './service-definition.js';
import type { ServiceId } from './service-id.js';

/**
 * The registry's facts by id, under the name local/runner and local/simulator still import. New code reads
 * `serviceFacts` from lambdas/contract/services.ts; this file goes once those importers do.
 */
export const SERVICE_CATALOG: Readonly<Record<ServiceId, ServiceFacts>> = catalogOf();

function catalogOf(): Record<ServiceId, ServiceFacts> {
  const catalog: Partial<Record<ServiceId, ServiceFacts>> = {};
  for (const facts of SERVICE_FACTS) catalog[facts.id] = facts;
  return catalog as Record<ServiceId, ServiceFacts>;
}
