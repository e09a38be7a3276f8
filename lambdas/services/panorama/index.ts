import type { ServiceModule } from '../service-module.js';
import { PanoramaAdapter } from './adapter.js';
import { panoramaFacts } from './facts.js';

export const panoramaService: ServiceModule<'panorama'> = {
  facts: panoramaFacts,
  createAdapter: (init) => new PanoramaAdapter(init),
};
