import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cfnLint } from '../cdk/support.js';

/**
 * The package as a consumer gets it: `npm pack`, the tarball unpacked into a fresh app folder outside the
 * repository whose node_modules holds only aws-cdk-lib and constructs (linked from this checkout, no
 * network) and cdk-nag as the checker, then a CDK app there that embeds the construct.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE = 'aws-job-status-aggregator';
const work = mkdtempSync(join(tmpdir(), 'job-status-package-'));
const appDir = join(work, 'app');
const cliDir = join(work, 'cli');
const outdir = join(work, 'cdk.out');
let packedFiles: string[] = [];

/** A consumer's app: the construct from the package's public entry, cdk-nag's AwsSolutions on synth. */
const CONSUMER_APP = `
import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { JobStatusAggregator } from ${JSON.stringify(PACKAGE)};

const app = new App({ outdir: process.argv[2] });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const stack = new Stack(app, 'Consumer');
const jobs = new JobStatusAggregator(stack, 'Jobs', { services: ['healthlake', 'healthomics'] });
const queue = sqs.Queue.fromQueueArn(stack, 'Failures', 'arn:aws:sqs:eu-west-1:123456789012:job-failures');
jobs.subscribe('FailedJobs', { target: queue, statuses: ['FAILED'] });
app.synth();
`;

/** The same app in TypeScript, type-checked against the package's declarations. */
const CONSUMER_TS = `
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { JobStatusAggregator } from ${JSON.stringify(PACKAGE)};
import type { JobStatusChangedDetail } from ${JSON.stringify(`${PACKAGE}/events`)};

const stack = new Stack(new App(), 'Consumer');
const jobs = new JobStatusAggregator(stack, 'Jobs', { schedule: { healthlake: Duration.minutes(10) } });
jobs.grantRead(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
jobs.onJobStatusChanged('Failed', { statuses: ['FAILED'] });
const detail: Pick<JobStatusChangedDetail, 'jobKey' | 'status'> = { jobKey: 'k', status: 'FAILED' };
export { detail };
`;

function run(command: string, args: string[], cwd: string): { status: number; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

function linkFromCheckout(name: string): void {
  symlinkSync(realpathSync(join(ROOT, 'node_modules', name)), join(appDir, 'node_modules', name), 'dir');
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'bundles'))) {
    throw new Error('dist/ is missing: run `npm run build` before this test (npm test does).');
  }
  const packed = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT);
  expect(packed.status, packed.output).toBe(0);
  const [info] = JSON.parse(packed.output.slice(packed.output.indexOf('['))) as {
    filename: string;
    files: { path: string }[];
  }[];
  if (!info) throw new Error(`npm pack printed no package: ${packed.output}`);
  packedFiles = info.files.map((file) => file.path);

  const installed = join(appDir, 'node_modules', PACKAGE);
  mkdirSync(installed, { recursive: true });
  const unpacked = run(
    'tar',
    ['-xzf', join(work, info.filename), '-C', installed, '--strip-components=1'],
    work,
  );
  expect(unpacked.status, unpacked.output).toBe(0);
  for (const name of ['aws-cdk-lib', 'constructs', 'cdk-nag']) linkFromCheckout(name);
  writeFileSync(
    join(appDir, 'package.json'),
    JSON.stringify({ name: 'consumer', type: 'module', private: true }),
  );
  writeFileSync(join(appDir, 'app.mjs'), CONSUMER_APP);
  writeFileSync(join(appDir, 'app.ts'), CONSUMER_TS);
  const compilerOptions = {
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2023',
    types: [],
  };
  writeFileSync(join(appDir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['app.ts'] }));
  installCommand(installed, info.filename);
}, 150_000);

/**
 * The command as `npm install` leaves it: the package, its runtime dependencies (linked from this
 * checkout, as an offline install from the lockfile would place them) and the `.bin` link of its `bin`.
 */
function installCommand(unpacked: string, tarball: string): void {
  const modules = join(cliDir, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  // A copy, not a link: Node resolves a linked package's imports from where the link points.
  cpSync(unpacked, join(modules, PACKAGE), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    bin: Record<string, string>;
  };
  for (const name of Object.keys(manifest.dependencies)) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(realpathSync(join(ROOT, 'node_modules', name)), join(modules, name), 'dir');
  }
  for (const [command, file] of Object.entries(manifest.bin)) {
    symlinkSync(join('..', PACKAGE, file), join(modules, '.bin', command));
  }
  writeFileSync(
    join(cliDir, 'package.json'),
    JSON.stringify({ name: 'analyst', private: true, dependencies: { [PACKAGE]: `file:${tarball}` } }),
  );
}

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the built entry with type declarations, the bundles and the schemas, and no TypeScript source', () => {
    // Assess
    expect(packedFiles).toContain('dist/lib/index.js');
    expect(packedFiles).toContain('dist/lib/index.d.ts');
    expect(packedFiles).toContain('dist/lambdas/events/contract.d.ts');
    expect(packedFiles).toContain('dist/cli/job-status.js');
    expect(packedFiles).toContain('dist/bundles/publisher/index.mjs');
    expect(packedFiles).toContain('dist/bundles/poller-healthlake/index.mjs');
    expect(packedFiles).toContain('schemas/job-status-changed.v1.schema.json');
    expect(packedFiles.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(appDir, 'node_modules', PACKAGE, 'package.json'), 'utf8'));
    expect(manifest.private).toBeUndefined();
    expect(Object.keys(manifest.peerDependencies)).toEqual(['aws-cdk-lib', 'constructs']);
  });

  it('synthesizes a consumer stack with no esbuild, Docker or repository file, clean under cdk-nag and cfn-lint', () => {
    // Act
    const synth = run(process.execPath, ['app.mjs', outdir], appDir);

    // Assess: cdk-nag runs as a validation plugin, so an unacknowledged finding fails this synth.
    expect(synth.status, synth.output).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'Consumer.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties?: { Handler?: string; Code?: unknown } }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.map((fn) => fn.Properties?.Handler)).toEqual([
      'index.handler',
      'index.handler',
      'index.handler',
    ]);
    const assets = JSON.parse(readFileSync(join(outdir, 'Consumer.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
    };
    const folders = Object.values(assets.files)
      .map((file) => file.source.path)
      .filter((p) => p.startsWith('asset.'));
    expect(folders).toHaveLength(3);
    for (const folder of folders) expect(existsSync(join(outdir, folder, 'index.mjs'))).toBe(true);
    const lint = cfnLint([template]);
    expect(lint.status & 2, lint.output).toBe(0);
  }, 150_000);

  it('type-checks a TypeScript consumer against the shipped declarations', () => {
    // Act
    const tsc = run(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--project', 'tsconfig.json'],
      appDir,
    );

    // Assess
    expect(tsc.output).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);

  it('runs `npx job-status` from the installed package: built JavaScript, no tsx', () => {
    // Act
    const version = run('npx', ['--no', '--', 'job-status', '--version'], cliDir);
    const badOption = run('npx', ['--no', '--', 'job-status', 'running', '--output', 'xml'], cliDir);

    // Assess
    expect(version.output).toMatch(/^job-status\/0\.\d+\.\d+ Node\.js\/v24\./);
    expect(version.status).toBe(0);
    expect(badOption.status).toBe(252);
    expect(existsSync(join(cliDir, 'node_modules', 'tsx'))).toBe(false);
  }, 120_000);
});
