import type { ServiceId } from '../core/service-id.js';
import { entityResolutionService } from './entityresolution/index.js';
import { healthImagingService } from './healthimaging/index.js';
import { healthLakeService } from './healthlake/index.js';
import { healthOmicsService } from './healthomics/index.js';
import { panoramaService } from './panorama/index.js';
import type { ServiceModule } from './service-module.js';

/** A service module and its deployed handler entry, loaded only when asked for (as Lambda does). */
export interface RegisteredService {
  readonly module: ServiceModule;
  loadHandler(): Promise<{ readonly handler: unknown }>;
}

/**
 * Every service with its adapter, for the code that runs pollers outside Lambda: local mode, the chaos run
 * and the benchmark. It loads every SDK client, so no handler entry imports it; the same order and ids as
 * lambdas/contract/services.ts (a test checks).
 */
export const SERVICE_REGISTRY: readonly RegisteredService[] = [
  { module: healthLakeService, loadHandler: () => import('./healthlake/handler.js') },
  { module: healthImagingService, loadHandler: () => import('./healthimaging/handler.js') },
  { module: healthOmicsService, loadHandler: () => import('./healthomics/handler.js') },
  { module: entityResolutionService, loadHandler: () => import('./entityresolution/handler.js') },
  { module: panoramaService, loadHandler: () => import('./panorama/handler.js') },
];

/** The registered service with this id. */
export function registeredService(id: ServiceId): RegisteredService {
  return entryOf(SERVICE_REGISTRY, id);
}

/** The entry of `list` with this id; throws for an id not in it (a caller that skipped `isServiceId`). */
export function entryOf(list: readonly RegisteredService[], id: string): RegisteredService {
  const found = list.find((entry) => entry.module.facts.id === id);
  if (!found) throw new Error(`no service "${id}" in the service registry`);
  return found;
}
