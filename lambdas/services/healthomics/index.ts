import type { ServiceModule } from '../service-module.js';
import { HealthOmicsAdapter } from './adapter.js';
import { healthOmicsFacts } from './facts.js';

export const healthOmicsService: ServiceModule<'healthomics'> = {
  facts: healthOmicsFacts,
  createAdapter: (init) => new HealthOmicsAdapter(init),
};
