import { SettingsError } from '../../lib/settings.js';

/** The problems a bad setting reports, or a failure when it reports none. */
export function settingsProblems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof SettingsError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a SettingsError');
}
