import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { settingsEnvironment } from '../lambdas/contract/settings.js';
import { LAMBDA_BUILD_OPTIONS } from '../scripts/bundle-lambdas.js';
import { dec, int, table } from './report.js';

const ROOT = resolve(import.meta.dirname, '..');

export interface BundleFigures {
  readonly name: string;
  readonly bytes: number;
  /** Median over the runs: `import()` of the bundle in a fresh process (module load and init). */
  readonly importMs: number;
  /** The same with `NODE_OPTIONS=--enable-source-maps`, as the stack sets it. */
  readonly importWithSourceMapsMs: number;
  /** Median wall time of the whole fresh process (Node start, import, exit). */
  readonly processMs: number;
  /** The versions of each SDK core package the bundle carries: one entry per copy. */
  readonly sdkCore: Readonly<Record<SdkCorePackage, readonly string[]>>;
}

/** The SDK's core and credential chain: every client shares them, so a bundle should hold one copy each. */
export const SDK_CORE_PACKAGES = [
  '@aws-sdk/core',
  '@smithy/core',
  '@aws-sdk/credential-provider-node',
] as const;
export type SdkCorePackage = (typeof SDK_CORE_PACKAGES)[number];

/**
 * What the stack deploys: one bundle per service's handler entry and the publisher. Read from the folders,
 * not the registry, so that a checkout from before the service modules (`lambdas/handlers/pollers/`) can be
 * measured beside this one.
 */
export function lambdaEntries(root = ROOT): string[] {
  const services = join(root, 'lambdas/services');
  const modules = readdirSync(services).filter((name) => existsSync(join(services, name, 'handler.ts')));
  const pollers =
    modules.length > 0
      ? modules.map((name) => `lambdas/services/${name}/handler.ts`)
      : readdirSync(join(root, 'lambdas/handlers/pollers'))
          .filter((file) => file.endsWith('.ts'))
          .map((file) => `lambdas/handlers/pollers/${file}`);
  return [...pollers.sort(), 'lambdas/handlers/publisher.ts'];
}

/** `poller-<service>` for a poller entry of either layout, `publisher` for the publisher. */
export function bundleName(entry: string): string {
  const service = /^lambdas\/(?:services\/([^/]+)\/handler|handlers\/pollers\/([^/]+))\.ts$/.exec(entry);
  return service ? `poller-${service[1] ?? service[2]}` : 'publisher';
}

/**
 * Builds each entry with the options of the package's bundles (scripts/bundle-lambdas.ts: ESM, target
 * node24, minified, source map beside it, every dependency bundled, the AWS SDK included), then loads it in fresh `node` processes: the part of a cold start the code controls.
 * `root` is the checkout to build (another one, with its own node_modules, for a before/after).
 */
export async function measureBundles(runs = 5, root = ROOT): Promise<BundleFigures[]> {
  const out = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  try {
    const figures: BundleFigures[] = [];
    for (const entry of lambdaEntries(root)) {
      const name = bundleName(entry);
      const outfile = join(out, name, 'index.mjs');
      const result = await build({
        absWorkingDir: root,
        entryPoints: [join(root, entry)],
        metafile: true,
        outfile,
        ...LAMBDA_BUILD_OPTIONS,
      });
      const load = (sourceMaps: boolean) => {
        const samples = Array.from({ length: runs }, () => loadOnce(outfile, sourceMaps));
        return {
          importMs: median(samples.map((sample) => sample.importMs)),
          processMs: median(samples.map((sample) => sample.processMs)),
        };
      };
      const plain = load(false);
      const withMaps = load(true);
      figures.push({
        name,
        bytes: statSync(outfile).size,
        importMs: plain.importMs,
        importWithSourceMapsMs: withMaps.importMs,
        processMs: plain.processMs,
        sdkCore: sdkCoreCopies(result.metafile, root),
      });
    }
    return figures;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Each SDK core package's copies in a bundle, as the versions of the package folders esbuild read. */
export function sdkCoreCopies(metafile: Metafile, workingDir: string): Record<SdkCorePackage, string[]> {
  const bundle = Object.entries(metafile.outputs).find(([file]) => file.endsWith('.mjs'))?.[1];
  const inputs = Object.keys(bundle?.inputs ?? {});
  const copies = (pkg: SdkCorePackage) => {
    const marker = `node_modules/${pkg}/`;
    const folders = new Set<string>();
    for (const input of inputs) {
      const at = input.lastIndexOf(marker);
      if (at >= 0) folders.add(input.slice(0, at + marker.length));
    }
    return [...folders].map((folder) => versionAt(resolve(workingDir, folder))).sort();
  };
  return Object.fromEntries(SDK_CORE_PACKAGES.map((pkg) => [pkg, copies(pkg)])) as Record<
    SdkCorePackage,
    string[]
  >;
}

function versionAt(folder: string): string {
  return (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string }).version;
}

function loadOnce(file: string, sourceMaps: boolean): { importMs: number; processMs: number } {
  const script =
    'const t = performance.now(); await import(process.argv[1]); ' +
    'process.stdout.write(String(performance.now() - t));';
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', script, pathToFileURL(file).href],
    {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        ...settingsEnvironment({
          tableName: 'bench-jobs',
          eventBusName: 'bench-bus',
          deadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-dlq',
        }),
        ...(sourceMaps && { NODE_OPTIONS: '--enable-source-maps' }),
      },
    },
  );
  const processMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`loading ${file} failed: ${result.stderr}`);
  return { importMs: Number(result.stdout), processMs };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function printBundles(figures: readonly BundleFigures[]): void {
  console.log('\n## Lambda bundles\n');
  console.log(
    `Built with the stack's esbuild options, loaded ${5}× each in a fresh \`node\` (${process.version}); medians.\n`,
  );
  console.log(
    table(
      [
        'bundle',
        'size',
        'under 1 MB',
        'import ms',
        'import ms, --enable-source-maps',
        'whole process ms',
        'under 300 ms',
        ...SDK_CORE_PACKAGES.map((pkg) => `${pkg} copies`),
      ],
      figures.map((bundle) => [
        bundle.name,
        `${dec(bundle.bytes / 1024, 0)} KiB`,
        bundle.bytes < 1024 * 1024 ? 'yes' : '**no**',
        dec(bundle.importMs, 0),
        dec(bundle.importWithSourceMapsMs, 0),
        dec(bundle.processMs, 0),
        Math.max(bundle.importMs, bundle.importWithSourceMapsMs) < 300 ? 'yes' : '**no**',
        ...SDK_CORE_PACKAGES.map((pkg) => copiesCell(bundle.sdkCore[pkg])),
      ]),
    ),
  );
  console.log(`\n${int(figures.length)} bundles.`);
}

/** `1 (3.981.2)`; more than one copy in bold, as a finding. */
function copiesCell(versions: readonly string[]): string {
  const count = versions.length === 1 ? '1' : `**${versions.length}**`;
  return versions.length === 0 ? '0' : `${count} (${versions.join(', ')})`;
}

// `npx tsx bench/bundles.ts [checkout]`: only this part of the benchmark, for this or another checkout.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  printBundles(await measureBundles(5, resolve(process.argv[2] ?? ROOT)));
}
