// Where local mode and the bundle-size measurement still load the healthlake poller from; the entry itself is
// lambdas/services/healthlake/handler.ts.
export { handler } from '../../services/healthlake/handler.js';
