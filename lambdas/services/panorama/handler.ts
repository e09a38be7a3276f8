// The panorama poller's Lambda entry: one bundle carrying only its own service client.
import { servicePoller } from '../../handlers/service-poller.js';
import { panoramaService } from './index.js';

export const handler = servicePoller(panoramaService);
