import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { SERVICE_FACTS } from '../lambdas/contract/services.js';
import { BUNDLE_FILE, PUBLISHER_BUNDLE, pollerBundle } from '../lib/bundle-names.js';

/**
 * Builds the Lambda bundles the package ships (dist/bundles/<name>/index.mjs), so that a consumer's
 * `cdk synth` only copies a folder: no esbuild, no Docker, no file of this repository.
 */

const ROOT = resolve(import.meta.dirname, '..');

/**
 * The one set of esbuild options for every function: ESM for Node.js 24, minified, a source map beside it
 * (the stack sets `--enable-source-maps`). Every dependency is bundled, the AWS SDK too: the tested version
 * is the deployed one, and esbuild tree-shakes each bundle down to the one client its handler imports.
 */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  external: [],
  // ESM output: CommonJS dependencies inside the bundle still call require().
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** Each bundle's name and its entry, relative to the repository root. */
export function bundleEntries(): { name: string; entry: string }[] {
  return [
    ...SERVICE_FACTS.map((facts) => ({ name: pollerBundle(facts.id), entry: facts.handlerEntry })),
    { name: PUBLISHER_BUNDLE, entry: 'lambdas/handlers/publisher.ts' },
  ];
}

/** Builds every bundle into `outDir` (emptied first), or only the named ones. */
export async function bundleLambdas(
  outDir = join(ROOT, 'dist', 'bundles'),
  only?: readonly string[],
): Promise<string[]> {
  rmSync(outDir, { recursive: true, force: true });
  const names: string[] = [];
  for (const { name, entry } of bundleEntries().filter((bundle) => !only || only.includes(bundle.name))) {
    mkdirSync(join(outDir, name), { recursive: true });
    await build({
      ...LAMBDA_BUILD_OPTIONS,
      absWorkingDir: ROOT,
      entryPoints: [join(ROOT, entry)],
      outfile: join(outDir, name, BUNDLE_FILE),
    });
    names.push(name);
  }
  return names;
}

// `tsx scripts/bundle-lambdas.ts [outDir]` (part of `npm run build`).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const names = await bundleLambdas(process.argv[2] && resolve(process.argv[2]));
  console.log(`bundled ${names.length} functions: ${names.join(', ')}`);
}
