// The entityresolution poller: one bundle carrying only its own service client.
import { EntityResolutionAdapter } from '../../services/entityresolution/adapter.js';
import { createPollHandler } from '../poll-handler.js';
import { storeFromEnv } from '../store-from-env.js';

export const handler = createPollHandler({
  service: 'entityresolution',
  createAdapter: (init) => new EntityResolutionAdapter(init),
  createStore: storeFromEnv,
});
