import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CONTRACT = 'lambdas/contract';

/**
 * Folders whose files may name the settings' variables: the contract itself, the tests, the docs; dist/ is
 * the build of the sources.
 */
const NOT_SCANNED = new Set(['node_modules', '.local', '.git', 'cdk.out', 'dist', 'test', 'docs', CONTRACT]);
const SOURCE = /\.(ts|js|mjs|cjs)$/;

/** lib/'s one import from lambdas/ outside the contract: the service ids, which derive from the contract. */
const SERVICE_IDS_MODULE = 'lambdas/core/service-id.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir === '.' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory())
      return NOT_SCANNED.has(path) || NOT_SCANNED.has(entry.name) ? [] : sourceFiles(path);
    return SOURCE.test(entry.name) ? [path] : [];
  });
}

/** `JOBS_*` words in a text: a variable's name, unless it is an identifier the contract exports. */
function jobsWords(text: string, exported: ReadonlySet<string>): string[] {
  return [...text.matchAll(/\bJOBS_[A-Z0-9_]+\b/g)].map((match) => match[0]).filter((w) => !exported.has(w));
}

/** Names the contract modules export, and the keys of the objects they export. */
async function contractIdentifiers(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const file of readdirSync(join(ROOT, CONTRACT)).filter((name) => name.endsWith('.ts'))) {
    const module = (await import(join(ROOT, CONTRACT, file))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      names.add(name);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const key of Object.keys(value)) names.add(key);
      }
    }
  }
  return names;
}

/** The repository-relative files a source file imports or re-exports by a relative path. */
function relativeImports(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  return [...source.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']*)'/gms)].map((match) =>
    relative(ROOT, resolve(ROOT, dirname(file), (match[1] ?? '').replace(/\.js$/, '.ts'))),
  );
}

describe('the settings contract owns the variable names', () => {
  it('finds a variable name in a text, and passes the identifiers the contract exports', () => {
    const exported = new Set(['JOBS_TABLE_SCHEMA']);
    expect(jobsWords("env.JOBS_NEW_THING ?? 'JOBS_OTHER'; JOBS_TABLE_SCHEMA.sortKey", exported)).toEqual([
      'JOBS_NEW_THING',
      'JOBS_OTHER',
    ]);
  });

  it('leaves no JOBS_ variable name outside lambdas/contract/ (tests and docs aside)', async () => {
    // Arrange
    const exported = await contractIdentifiers();
    const files = sourceFiles('.');

    // Act
    const found = files.flatMap((file) =>
      jobsWords(readFileSync(join(ROOT, file), 'utf8'), exported).map((word) => `${file}: ${word}`),
    );

    // Assess
    expect(files.length).toBeGreaterThan(50);
    expect(found).toEqual([]);
  });
});

describe("lib/'s imports from lambdas/", () => {
  it('are contract modules only (and the service ids derived from them)', () => {
    // Arrange
    const files = sourceFiles('lib');

    // Act
    const imports = files.flatMap((file) =>
      relativeImports(file)
        .filter((target) => target.startsWith('lambdas/'))
        .map((target) => ({ file, target })),
    );
    const outside = imports.filter(
      ({ target }) => !target.startsWith(`${CONTRACT}/`) && target !== SERVICE_IDS_MODULE,
    );

    // Assess
    expect(imports.some(({ target }) => target.startsWith(`${CONTRACT}/`))).toBe(true);
    expect(outside).toEqual([]);
  });

  it('reach data only: the contract modules and everything they import load no package', () => {
    // Arrange
    const roots = readdirSync(join(ROOT, CONTRACT))
      .filter((name) => SOURCE.test(name))
      .map((name) => `${CONTRACT}/${name}`);
    const source = (file: string) => readFileSync(join(ROOT, file), 'utf8');

    // Act: every module the contract reaches (the services' facts and definitions among them)
    const reached = new Set<string>();
    const pending = [...roots];
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      if (reached.has(file)) continue;
      reached.add(file);
      pending.push(...relativeImports(file));
    }
    const packages = [...reached].flatMap((file) =>
      [...source(file).matchAll(/^(?:import|export)\s[^;]*?from\s+'([^'.][^']*)'/gms)].map(
        (match) => `${file}: ${match[1]}`,
      ),
    );

    // Assess
    expect(roots.length).toBeGreaterThanOrEqual(5);
    expect([...reached]).toContain('lambdas/services/healthlake/facts.ts');
    expect(packages).toEqual([]);
    expect(
      [...reached].filter((file) => /^lambdas\/services\/[^/]+\/(adapter|handler|index)\.ts$/.test(file)),
    ).toEqual([]);
  });
});
