// Where local mode and the bundle-size measurement still load the healthomics poller from; the entry itself is
// lambdas/services/healthomics/handler.ts.
export { handler } from '../../services/healthomics/handler.js';
