import type { Context } from 'aws-lambda';
import { readHealthImagingSettings } from '../../lambdas/contract/settings.js';
import type { ServiceAdapter } from '../../lambdas/core/adapter.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import {
  createPollHandler,
  type PollerWiring,
  type PollResult,
} from '../../lambdas/handlers/poll-handler.js';
import { storeFromEnv } from '../../lambdas/handlers/store-from-env.js';
import { EntityResolutionAdapter } from '../../lambdas/services/entityresolution/adapter.js';
import { HealthImagingAdapter } from '../../lambdas/services/healthimaging/adapter.js';
import { HealthLakeAdapter } from '../../lambdas/services/healthlake/adapter.js';
import { HealthOmicsAdapter } from '../../lambdas/services/healthomics/adapter.js';
import { PanoramaAdapter } from '../../lambdas/services/panorama/adapter.js';

export type PollHandler = (event: unknown, context: Context) => Promise<PollResult>;

/** The deployed poller entries (`lambdas/handlers/pollers/<service>.ts`), each read at its first load. */
const ENTRIES: Readonly<Record<ServiceId, () => Promise<{ readonly handler: unknown }>>> = {
  healthlake: () => import('../../lambdas/handlers/pollers/healthlake.js'),
  healthimaging: () => import('../../lambdas/handlers/pollers/healthimaging.js'),
  healthomics: () => import('../../lambdas/handlers/pollers/healthomics.js'),
  entityresolution: () => import('../../lambdas/handlers/pollers/entityresolution.js'),
  panorama: () => import('../../lambdas/handlers/pollers/panorama.js'),
};

/** The deployed poller entry of a service, loaded as Lambda does (settings read from the environment now). */
export async function loadPoller(service: ServiceId): Promise<PollHandler> {
  return (await ENTRIES[service]()).handler as PollHandler;
}

/**
 * Another warm instance of a service's poller: the same wiring as its entry module, built again, as a
 * second Lambda execution environment would. Two or three of them polling at once is a chaos fault.
 */
export function anotherPoller(service: ServiceId): PollHandler {
  const createAdapter: PollerWiring['createAdapter'] = (init): ServiceAdapter => {
    switch (service) {
      case 'healthlake':
        return new HealthLakeAdapter(init);
      case 'healthimaging':
        return new HealthImagingAdapter({
          ...init,
          ...readHealthImagingSettings(process.env),
        });
      case 'healthomics':
        return new HealthOmicsAdapter(init);
      case 'entityresolution':
        return new EntityResolutionAdapter(init);
      case 'panorama':
        return new PanoramaAdapter(init);
    }
  };
  return createPollHandler({
    service,
    createAdapter,
    createStore: storeFromEnv,
  }) as PollHandler;
}
