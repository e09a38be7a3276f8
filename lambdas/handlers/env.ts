/** Reads environment settings once at module load; a bad value fails the cold start with its name. */
export class SettingsError extends Error {
  constructor(name: string, value: string, expected: string) {
    super(`Invalid setting ${name}="${value}": expected ${expected}`);
    this.name = 'SettingsError';
  }
}

export function requiredString(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '')
    throw new SettingsError(name, value ?? '', 'a non-empty value');
  return value.trim();
}

export function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new SettingsError(name, raw, 'a positive number');
  return value;
}

export function stringList(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
