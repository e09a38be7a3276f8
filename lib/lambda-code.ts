import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The prebuilt Lambda bundles (scripts/bundle-lambdas.ts, run by `npm run build`). In the package they sit
 * at dist/bundles beside dist/lib; run from the sources (tests, `cdk synth` in the repository) this file is
 * lib/ and they are in dist/bundles of the checkout.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const CANDIDATES = [join(HERE, '..', 'bundles'), join(HERE, '..', 'dist', 'bundles')];

/** The file inside each bundle folder; the handler is its `handler` export. */
export const BUNDLE_FILE = 'index.mjs';
export const BUNDLE_HANDLER = 'index.handler';
export const PUBLISHER_BUNDLE = 'publisher';

export function pollerBundle(service: string): string {
  return `poller-${service}`;
}

/** The folder of one bundle; a clear error when the bundles were never built. */
export function bundleDirectory(name: string): string {
  for (const dir of CANDIDATES) {
    const folder = join(dir, name);
    if (existsSync(join(folder, BUNDLE_FILE))) return folder;
  }
  throw new Error(
    `job-status-aggregator: the Lambda bundle "${name}" is missing (looked in ${CANDIDATES.join(' and ')}). In a checkout of the repository, run \`npm run build\` first.`,
  );
}

/** The function code of one bundle: an asset of its folder (index.mjs and its source map). */
export function bundleCode(name: string): lambda.Code {
  return lambda.Code.fromAsset(bundleDirectory(name));
}
