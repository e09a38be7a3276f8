import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** What a module loads when imported: the repository files it reaches and the packages they import. */
export interface Reach {
  /** Repository-relative paths, the start included. */
  readonly files: readonly string[];
  readonly packages: readonly string[];
}

/**
 * Follows a module's static value imports (`import type` loads nothing) through the repository, as a
 * bundler would, from a repository-relative path.
 */
export function reachOf(start: string): Reach {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(resolve(ROOT, file), 'utf8');
    for (const match of source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('node:')) continue;
      if (!specifier.startsWith('.')) {
        packages.add(specifier);
        continue;
      }
      const target = resolve(ROOT, dirname(file), specifier.replace(/\.js$/, '.ts'));
      if (existsSync(target)) visit(relative(ROOT, target));
    }
  };
  visit(start);
  return { files: [...files], packages: [...packages] };
}
