// `npm start`: the aggregator on this machine (docs/local-mode.md). `npm start -- --help` lists the flags.
import { main } from '../local/runner/cli.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// The handlers' SDK clients live as long as their modules, as in Lambda: their idle sockets must not keep
// the process up after the summary. Nothing else is left running by then.
setTimeout(() => process.exit(code), 1_000).unref();
