// The healthlake poller: one bundle carrying only its own service client.
import { HealthLakeAdapter } from '../../services/healthlake/adapter.js';
import { createPollHandler } from '../poll-handler.js';
import { storeFromEnv } from '../store-from-env.js';

export const handler = createPollHandler({
  service: 'healthlake',
  createAdapter: (init) => new HealthLakeAdapter(init),
  createStore: storeFromEnv,
});
