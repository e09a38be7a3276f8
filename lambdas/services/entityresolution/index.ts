import type { ServiceModule } from '../service-module.js';
import { EntityResolutionAdapter } from './adapter.js';
import { entityResolutionFacts } from './facts.js';

export const entityResolutionService: ServiceModule<'entityresolution'> = {
  facts: entityResolutionFacts,
  createAdapter: (init) => new EntityResolutionAdapter(init),
};
