import { readHealthImagingSettings } from '../../contract/settings.js';
import type { ServiceModule } from '../service-module.js';
import { HealthImagingAdapter } from './adapter.js';
import { healthImagingFacts } from './facts.js';

export const healthImagingService: ServiceModule<'healthimaging'> = {
  facts: healthImagingFacts,
  // Import output manifests are read only under these s3://bucket/prefix locations; none means no S3 reads.
  createAdapter: (init, env) => new HealthImagingAdapter({ ...init, ...readHealthImagingSettings(env) }),
};
