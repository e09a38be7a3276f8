// Where local mode and the bundle-size measurement still load the healthimaging poller from; the entry itself is
// lambdas/services/healthimaging/handler.ts.
export { handler } from '../../services/healthimaging/handler.js';
