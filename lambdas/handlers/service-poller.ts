import type { ServiceModule } from '../services/service-module.js';
import { createPollHandler } from './poll-handler.js';
import { storeFromEnv } from './store-from-env.js';

/**
 * A service's poller as deployed: its adapter and the DynamoDB store, each from the function's environment
 * (the poll handler reads the stall threshold and the other poller settings itself). Every handler entry is
 * this call; local mode builds more instances the same way.
 */
export function servicePoller(service: ServiceModule, env: NodeJS.ProcessEnv = process.env) {
  return createPollHandler(
    {
      service: service.facts.id,
      createAdapter: (init) => service.createAdapter(init, env),
      createStore: (log) => storeFromEnv(log, env),
    },
    env,
  );
}
