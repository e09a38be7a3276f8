// Where local mode and the bundle-size measurement still load the panorama poller from; the entry itself is
// lambdas/services/panorama/handler.ts.
export { handler } from '../../services/panorama/handler.js';
