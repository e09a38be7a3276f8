import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  baseClientConfig,
  type ClientSettings,
  clientSettingsFromEnv,
} from '../../lambdas/aws/client-config.js';
import { restoreEnv } from '../services/support.js';

/** The variables the SDK reads for retries; each test starts with none of them set. */
const STANDARD_VARIABLES = ['AWS_MAX_ATTEMPTS', 'AWS_RETRY_MODE', 'AWS_CONFIG_FILE', 'AWS_PROFILE'];

/** What a real client resolves from the configuration: its attempts and its retry strategy's mode. */
async function resolvedRetry(settings: ClientSettings): Promise<{ maxAttempts: number; mode: string }> {
  const client = new DynamoDBClient(baseClientConfig(settings));
  try {
    const strategy = (await client.config.retryStrategy()) as { mode?: string };
    return { maxAttempts: await client.config.maxAttempts(), mode: strategy.mode ?? 'unknown' };
  } finally {
    client.destroy();
  }
}

describe('the SDK retry settings', () => {
  const saved = new Map<string, string | undefined>();
  let dir: string;

  beforeEach(() => {
    for (const name of STANDARD_VARIABLES) {
      saved.set(name, process.env[name]);
      delete process.env[name];
    }
    dir = mkdtempSync(join(tmpdir(), 'client-config-'));
    // No shared config file unless a test writes one: the machine's own must not decide.
    process.env.AWS_CONFIG_FILE = join(dir, 'none');
  });

  afterEach(() => {
    for (const [name, value] of saved) restoreEnv(name, value);
    rmSync(dir, { recursive: true, force: true });
  });

  function writeConfig(text: string): void {
    const file = join(dir, 'config');
    writeFileSync(file, text);
    process.env.AWS_CONFIG_FILE = file;
  }

  it('keeps the project defaults where nothing is set: 4 attempts, adaptive retry', async () => {
    expect(await resolvedRetry(clientSettingsFromEnv({}))).toEqual({ maxAttempts: 4, mode: 'adaptive' });
  });

  it('honours AWS_MAX_ATTEMPTS and AWS_RETRY_MODE', async () => {
    // Arrange
    process.env.AWS_MAX_ATTEMPTS = '7';
    process.env.AWS_RETRY_MODE = 'standard';

    // Act
    const retry = await resolvedRetry(clientSettingsFromEnv({}));

    // Assess
    expect(retry).toEqual({ maxAttempts: 7, mode: 'standard' });
  });

  it("honours the profile's max_attempts and retry_mode in the shared config file", async () => {
    // Arrange
    writeConfig('[default]\nmax_attempts = 2\n\n[profile ops]\nmax_attempts = 6\nretry_mode = standard\n');
    process.env.AWS_PROFILE = 'ops';

    // Act
    const retry = await resolvedRetry(clientSettingsFromEnv({}));

    // Assess
    expect(retry).toEqual({ maxAttempts: 6, mode: 'standard' });
  });

  it('lets the environment win over the shared config file, as every SDK client does', async () => {
    // Arrange
    writeConfig('[default]\nmax_attempts = 6\nretry_mode = standard\n');
    process.env.AWS_MAX_ATTEMPTS = '3';
    process.env.AWS_RETRY_MODE = 'adaptive';

    // Act
    const retry = await resolvedRetry(clientSettingsFromEnv({}));

    // Assess
    expect(retry).toEqual({ maxAttempts: 3, mode: 'adaptive' });
  });

  it("lets the project's own JOBS_SDK_MAX_ATTEMPTS, where set, win over the standard settings", async () => {
    // Arrange
    process.env.AWS_MAX_ATTEMPTS = '7';

    // Act
    const retry = await resolvedRetry(clientSettingsFromEnv({ JOBS_SDK_MAX_ATTEMPTS: '2' }));

    // Assess
    expect(retry).toEqual({ maxAttempts: 2, mode: 'adaptive' });
  });

  it('reads JOBS_SDK_MAX_ATTEMPTS only when set, and rejects one that is not a positive whole number', () => {
    expect(clientSettingsFromEnv({}).maxAttempts).toBeUndefined();
    expect(clientSettingsFromEnv({ JOBS_SDK_MAX_ATTEMPTS: '5' }).maxAttempts).toBe(5);
    expect(() => clientSettingsFromEnv({ JOBS_SDK_MAX_ATTEMPTS: '1.5' })).toThrow('JOBS_SDK_MAX_ATTEMPTS');
  });
});
