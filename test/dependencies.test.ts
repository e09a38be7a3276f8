import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

interface PackageJson {
  readonly name: string;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}

interface LockFile {
  readonly packages: Record<string, { readonly version?: string; readonly dev?: boolean }>;
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as LockFile;

/** The packages the SDK clients share: one copy each, or a bundle carries the SDK's core twice. */
const SHARED_SDK_PACKAGES = ['@aws-sdk/core', '@aws-sdk/credential-provider-node', '@smithy/core'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(ROOT, dir, file));
}

/** Package names a file imports, and whether every import of it there is type-only. */
function importedPackages(file: string): Map<string, boolean> {
  const found = new Map<string, boolean>();
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^'.][^']*)'/gms)) {
    const specifier = match[2] ?? '';
    if (specifier.startsWith('node:')) continue;
    const parts = specifier.split('/');
    const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
    found.set(name, (found.get(name) ?? true) && match[1] !== undefined);
  }
  return found;
}

function copiesInLock(name: string): string[] {
  return Object.keys(lock.packages).filter(
    (path) => path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`),
  );
}

describe('declared dependencies', () => {
  it('declares every package the deployed code, the construct and the command import as a dependency', () => {
    // Arrange: types alone may come from a devDependency @types/ package.
    const files = ['lambdas', 'lib', 'cli'].flatMap(sourceFiles);

    // Act
    const undeclared = files.flatMap((file) =>
      [...importedPackages(file)]
        .filter(
          ([name, typeOnly]) =>
            manifest.dependencies[name] === undefined &&
            !(typeOnly && manifest.devDependencies[`@types/${name}`] !== undefined),
        )
        .map(([name]) => `${name} (${file.slice(ROOT.length + 1)})`),
    );

    // Assess
    expect(undeclared).toEqual([]);
  });

  it('declares every package the CDK app, the tools and the tests import', () => {
    // Arrange
    const files = ['bin', 'local', 'scripts', 'bench', 'test'].flatMap(sourceFiles);
    // The package itself too: the app imports it by name (an `exports` self-reference).
    const declared = { ...manifest.dependencies, ...manifest.devDependencies, [manifest.name]: 'self' };

    // Act
    const undeclared = files.flatMap((file) =>
      [...importedPackages(file)]
        .filter(([name]) => declared[name] === undefined && declared[`@types/${name}`] === undefined)
        .map(([name]) => `${name} (${file.slice(ROOT.length + 1)})`),
    );

    // Assess
    expect(undeclared).toEqual([]);
  });
});

describe('one AWS SDK core', () => {
  it.each(SHARED_SDK_PACKAGES)('holds one copy of %s in the lock', (name) => {
    expect(copiesInLock(name)).toEqual([`node_modules/${name}`]);
  });

  it('resolves every client to the same SDK core and credential chain (the HealthImaging client by override)', () => {
    // Arrange
    const clients = Object.keys(manifest.dependencies).filter(
      (name) => name.startsWith('@aws-sdk/client-') || name === '@aws-sdk/lib-dynamodb',
    );

    for (const shared of SHARED_SDK_PACKAGES.slice(0, 2)) {
      // Act
      const resolved = new Set(
        clients.map((client) =>
          dirname(createRequire(join(ROOT, 'node_modules', client, 'package.json')).resolve(shared)),
        ),
      );

      // Assess
      expect(resolved.size, shared).toBe(1);
    }
  });
});
