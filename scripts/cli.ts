/** What the command-line tools share: the usage error they print with their help, and time flags. */

/** A mistake in the command line: the tool prints it with its usage and exits 2. */
export class UsageError extends Error {}

const RELATIVE = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** An ISO time, or a duration back from now: `30m`, `24h`, `7d`, `2w`. */
export function parseTime(value: string, now: Date, flag: string): Date {
  const relative = RELATIVE.exec(value.trim());
  if (relative) {
    const seconds = Number(relative[1]) * (UNIT_SECONDS[(relative[2] ?? 's').toLowerCase()] ?? 1);
    return new Date(now.getTime() - seconds * 1000);
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError(`${flag} must be an ISO time or a duration like 7d, 24h, 30m`);
  return new Date(time);
}
