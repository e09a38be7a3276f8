/**
 * The names of the Lambda bundles (one folder each under dist/bundles): shared by the bundle script, which
 * writes them, and lib/lambda-code.ts, which loads them. No CDK import, so the script needs none.
 */

/** The file inside each bundle folder; the handler is its `handler` export. */
export const BUNDLE_FILE = 'index.mjs';
export const BUNDLE_HANDLER = 'index.handler';
export const PUBLISHER_BUNDLE = 'publisher';

export function pollerBundle(service: string): string {
  return `poller-${service}`;
}
