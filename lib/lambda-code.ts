import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BUNDLE_FILE } from './bundle-names.js';

export { BUNDLE_FILE, BUNDLE_HANDLER, PUBLISHER_BUNDLE, pollerBundle } from './bundle-names.js';

/**
 * The prebuilt Lambda bundles (scripts/bundle-lambdas.ts, run by `npm run build`). In the package they sit
 * at dist/bundles beside dist/lib; run from the sources (tests, `cdk synth` in the repository) this file is
 * lib/ and they are in dist/bundles of the checkout.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const CANDIDATES = [join(HERE, '..', 'bundles'), join(HERE, '..', 'dist', 'bundles')];

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
