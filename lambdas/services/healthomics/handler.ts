// The healthomics poller's Lambda entry: one bundle carrying only its own service client.
import { servicePoller } from '../../handlers/service-poller.js';
import { healthOmicsService } from './index.js';

export const handler = servicePoller(healthOmicsService);
