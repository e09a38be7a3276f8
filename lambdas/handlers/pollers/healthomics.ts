// The healthomics poller: one bundle carrying only its own service client.
import { HealthOmicsAdapter } from '../../services/healthomics/adapter.js';
import { createPollHandler } from '../poll-handler.js';
import { storeFromEnv } from '../store-from-env.js';

export const handler = createPollHandler({
  service: 'healthomics',
  createAdapter: (init) => new HealthOmicsAdapter(init),
  createStore: storeFromEnv,
});
