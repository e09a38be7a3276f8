import type { ServiceModule } from '../service-module.js';
import { HealthLakeAdapter } from './adapter.js';
import { healthLakeFacts } from './facts.js';

export const healthLakeService: ServiceModule<'healthlake'> = {
  facts: healthLakeFacts,
  createAdapter: (init) => new HealthLakeAdapter(init),
};
