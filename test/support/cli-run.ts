import { type CliIo, main } from '../../cli/main.js';

/** What one `job-status` invocation printed, and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs the command in-process with `io`'s environment and clock, capturing what it prints. */
export async function runCli(argv: readonly string[], io: Omit<CliIo, 'stdout' | 'stderr'>): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main([...argv], {
    ...io,
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
  });
  return { code, out, err };
}
