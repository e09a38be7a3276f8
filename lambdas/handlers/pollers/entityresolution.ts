// Where local mode and the bundle-size measurement still load the entityresolution poller from; the entry itself is
// lambdas/services/entityresolution/handler.ts.
export { handler } from '../../services/entityresolution/handler.js';
