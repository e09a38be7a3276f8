import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobKey } from '../../lambdas/core/job-key.js';
import { parseRunnerArgs, type RunnerOptions, UsageError } from '../../local/runner/options.js';
import { LocalRunner, type RunOutcome, type Verification } from '../../local/runner/runner.js';
import { TenantWorld } from '../../local/simulator/tenant-world.js';

/**
 * `npm start -- --accounts 2 --regions 2 --once`: the hub's pollers watch four account-regions through
 * the local STS stand-in and the tenant routers, and every simulated job of every account and region is
 * recorded, under its own account and region, and published exactly once.
 */
const ARGS = [
  '--once',
  '--seed',
  '5',
  '--jobs',
  '2',
  '--speed',
  '8',
  '--interval',
  '0.5',
  '--timeout',
  '100',
];
const SERVICES = ['--services', 'healthlake,entityresolution,panorama'];

function runnerOptions(extra: string[]): RunnerOptions {
  const parsed = parseRunnerArgs([...ARGS, ...SERVICES, ...extra]);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.options;
}

describe('local mode with several accounts and regions', () => {
  const runner = new LocalRunner(runnerOptions(['--accounts', '2', '--regions', '2']));
  let outcome: RunOutcome;
  let verification: Verification;

  beforeAll(async () => {
    await runner.start();
    outcome = await runner.run();
    verification = await runner.verify();
  }, 150_000);

  afterAll(async () => {
    await runner.stop();
  });

  it('records every job of every account and region once, each under its own target', () => {
    // Assess
    expect(outcome).toBe('done');
    expect(verification.problems).toEqual([]);
    const world = runner.simulator;
    expect(world).toBeInstanceOf(TenantWorld);
    const tenants = new Set(
      (world?.watchedJobs() ?? []).map((job) => {
        const key = parseJobKey(job.jobKey);
        return `${key.accountId}:${key.region}`;
      }),
    );
    expect([...tenants].sort()).toEqual([
      '111111111111:eu-west-1',
      '111111111111:us-east-1',
      '123456789012:eu-west-1',
      '123456789012:us-east-1',
    ]);
    expect(verification.jobs).toBe(4 * 3 * 2);
    // The member account's role was assumed once per service and region, never for the hub's own account.
    const assumed = (world as TenantWorld).sts.assumed();
    expect(new Set(assumed.map((call) => call.roleArn))).toEqual(
      new Set(['arn:aws:iam::111111111111:role/JobStatusAggregatorRead']),
    );
    expect(assumed.length).toBe(3 * 2);
  });

  it('takes --accounts and --regions for the simulator only', () => {
    expect(runnerOptions(['--accounts', '3', '--regions', '2'])).toMatchObject({ accounts: 3, regions: 2 });
    expect(() => parseRunnerArgs(['--real', '--accounts', '2'])).toThrow(UsageError);
    expect(() => parseRunnerArgs(['--regions', '9'])).toThrow(UsageError);
  });
});
