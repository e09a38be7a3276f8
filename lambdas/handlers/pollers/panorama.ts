// The panorama poller: one bundle carrying only its own service client.
import { PanoramaAdapter } from '../../services/panorama/adapter.js';
import { createPollHandler } from '../poll-handler.js';
import { storeFromEnv } from '../store-from-env.js';

export const handler = createPollHandler({
  service: 'panorama',
  createAdapter: (init) => new PanoramaAdapter(init),
  createStore: storeFromEnv,
});
