// The sixth service's Lambda entry, exactly as lambdas/services/<service>/handler.ts reads.
import { servicePoller } from '../../../lambdas/handlers/service-poller.js';
import type { ServiceModule } from '../../../lambdas/services/service-module.js';
import { sixthService } from './index.js';

export const handler = servicePoller(sixthService as unknown as ServiceModule);
