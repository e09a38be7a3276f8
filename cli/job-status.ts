#!/usr/bin/env node
import { ExitCode } from './errors.js';
import { main } from './main.js';

/** The `job-status` command (the package's bin). */

// Ctrl-C ends the command at once, with the exit code the AWS CLI gives it.
process.once('SIGINT', () => {
  process.stderr.write('\n');
  process.exit(ExitCode.INTERRUPTED);
});
process.exitCode = await main(process.argv.slice(2));
