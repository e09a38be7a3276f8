import { changesCommand } from './changes.js';
import type { Command } from './command.js';
import { getCommand } from './get.js';
import { historyCommand } from './history.js';
import { migrateCommand } from './migrate.js';
import { redriveCommand } from './redrive.js';
import { replayCommand } from './replay.js';
import { reportCommand } from './report.js';
import { runningCommand } from './running.js';
import { statusCommand } from './status.js';

/** The subcommands, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  getCommand,
  historyCommand,
  runningCommand,
  changesCommand,
  statusCommand,
  reportCommand,
  replayCommand,
  redriveCommand,
  migrateCommand,
];

export function commandNamed(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}
