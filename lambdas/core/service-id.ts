import { SERVICE_FACTS } from '../contract/services.js';

/** A service the aggregator watches: the id used in keys, events, settings and CLI flags. */
export type ServiceId = (typeof SERVICE_FACTS)[number]['id'];

/** Every service, in the registry's order (lambdas/contract/services.ts). */
export const SERVICE_IDS: readonly ServiceId[] = SERVICE_FACTS.map((facts) => facts.id);

export function isServiceId(value: unknown): value is ServiceId {
  return typeof value === 'string' && (SERVICE_IDS as readonly string[]).includes(value);
}
