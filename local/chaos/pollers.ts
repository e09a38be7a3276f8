import type { Context } from 'aws-lambda';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { PollResult } from '../../lambdas/handlers/poll-handler.js';
import { servicePoller } from '../../lambdas/handlers/service-poller.js';
import { registeredService } from '../../lambdas/services/registry.js';

export type PollHandler = (event: unknown, context: Context) => Promise<PollResult>;

/** The deployed poller entry of a service, loaded as Lambda does (settings read from the environment now). */
export async function loadPoller(service: ServiceId): Promise<PollHandler> {
  return (await registeredService(service).loadHandler()).handler as PollHandler;
}

/**
 * Another warm instance of a service's poller: the same wiring as its entry module, built again, as a
 * second Lambda execution environment would. Two or three of them polling at once is a chaos fault.
 */
export function anotherPoller(service: ServiceId): PollHandler {
  return servicePoller(registeredService(service).module) as PollHandler;
}
