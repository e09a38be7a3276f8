// The healthimaging poller: one bundle carrying only its own service client (and S3 for manifests).
import { HealthImagingAdapter } from '../../services/healthimaging/adapter.js';
import { stringList } from '../env.js';
import { createPollHandler } from '../poll-handler.js';
import { stallAfterSecondsFromEnv } from '../stall-from-env.js';
import { storeFromEnv } from '../store-from-env.js';

// Import output manifests are read only under these s3://bucket/prefix locations; none means no S3 reads.
const manifestLocations = stringList(process.env, 'JOBS_IMAGING_MANIFEST_LOCATIONS');

export const handler = createPollHandler({
  service: 'healthimaging',
  createAdapter: (init) => new HealthImagingAdapter({ ...init, manifestLocations }),
  createStore: storeFromEnv,
  stallAfterSeconds: stallAfterSecondsFromEnv('healthimaging'),
});
