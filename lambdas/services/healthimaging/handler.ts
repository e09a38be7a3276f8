// The healthimaging poller's Lambda entry: one bundle carrying only its own service client (and S3 for manifests).
import { servicePoller } from '../../handlers/service-poller.js';
import { healthImagingService } from './index.js';

export const handler = servicePoller(healthImagingService);
