// The healthimaging poller: one bundle carrying only its own service client (and S3 for manifests).
import { readHealthImagingSettings } from '../../contract/settings.js';
import { HealthImagingAdapter } from '../../services/healthimaging/adapter.js';
import { createPollHandler } from '../poll-handler.js';
import { storeFromEnv } from '../store-from-env.js';

// Import output manifests are read only under these s3://bucket/prefix locations; none means no S3 reads.
const { manifestLocations } = readHealthImagingSettings(process.env);

export const handler = createPollHandler({
  service: 'healthimaging',
  createAdapter: (init) => new HealthImagingAdapter({ ...init, manifestLocations }),
  createStore: storeFromEnv,
});
