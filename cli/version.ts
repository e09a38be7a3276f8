import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** `--version` as the AWS CLI prints it: the tool's and the runtime's versions. */
export function versionLine(): string {
  return `job-status/${packageVersion()} Node.js/${process.version} ${process.platform}/${process.arch}`;
}

/** The version in the package's package.json, found upwards from here (cli/ in the repository, dist/cli/ built). */
function packageVersion(): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { version?: string };
      if (manifest.version) return manifest.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}
