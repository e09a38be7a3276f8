import { describe, expect, it } from 'vitest';
import { parseOptions, UsageError } from '../../bench/options.js';
import { SERVICE_IDS } from '../../lambdas/core/service-id.js';

/** The message of the UsageError `argv` is refused with; fails the test when it parses. */
function refusal(argv: readonly string[]): string {
  try {
    parseOptions(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('bench parseOptions', () => {
  it('keeps every default when no flag is given', () => {
    expect(parseOptions([])).toEqual({
      sizes: [100, 1000, 10000],
      services: SERVICE_IDS,
      changeRate: 0.05,
      finishedRatio: 10,
      latencyMs: 30,
      cycles: 1,
      wallRate: 50,
      naiveWallRate: 200,
      maxRuns: 6,
      naive: true,
      naiveFinishedMaxSize: 1000,
      bundles: true,
      seed: 1,
      verbose: false,
    });
  });

  it('reads every flag', () => {
    const options = parseOptions([
      '--sizes',
      '10,1_000',
      '--services',
      'healthlake,panorama',
      '--change-rate',
      '0.5',
      '--finished-ratio',
      '0',
      '--latency-ms',
      '2.5',
      '--cycles',
      '3',
      '--wall-rate',
      '7',
      '--naive-wall-rate',
      '9',
      '--max-runs',
      '2',
      '--no-naive',
      '--naive-finished-max',
      '50',
      '--no-bundles',
      '--seed',
      '42',
      '--verbose',
    ]);
    expect(options).toEqual({
      sizes: [10, 1000],
      services: ['healthlake', 'panorama'],
      changeRate: 0.5,
      finishedRatio: 0,
      latencyMs: 2.5,
      cycles: 3,
      wallRate: 7,
      naiveWallRate: 9,
      maxRuns: 2,
      naive: false,
      naiveFinishedMaxSize: 50,
      bundles: false,
      seed: 42,
      verbose: true,
    });
  });

  it('lets --quick and --sizes override each other in order, and a repeated flag take its last value', () => {
    expect(parseOptions(['--quick']).sizes).toEqual([100, 1000]);
    expect(parseOptions(['--sizes', '5', '--quick']).sizes).toEqual([100, 1000]);
    expect(parseOptions(['--quick', '--sizes', '5']).sizes).toEqual([5]);
    expect(parseOptions(['--seed', '2', '--seed', '3']).seed).toBe(3);
  });

  it('takes a wall rate of 0 as the slowest rate, 1', () => {
    expect(parseOptions(['--wall-rate', '0', '--naive-wall-rate', '0'])).toMatchObject({
      wallRate: 1,
      naiveWallRate: 1,
    });
  });

  it('refuses bad values, unknown flags and services, naming the flag', () => {
    expect(refusal(['--sizes', '10,0'])).toBe('--sizes: expected a positive integer');
    expect(refusal(['--cycles', '1.5'])).toBe('--cycles: expected a positive integer');
    expect(refusal(['--latency-ms=-1'])).toBe('--latency-ms: expected a number ≥ 0');
    expect(refusal(['--latency-ms', '-1'])).toMatch(/--latency-ms/);
    expect(refusal(['--change-rate', '2'])).toBe('--change-rate: expected a share between 0 and 1');
    expect(refusal(['--services', 'healthlake,s3'])).toBe('unknown service s3');
    expect(refusal(['--fast'])).toMatch(/--fast/);
    expect(refusal(['--seed'])).toMatch(/--seed/);
    expect(refusal(['extra'])).toMatch(/extra/);
  });

  it('answers --help and -h with an empty UsageError, so the usage is printed without a complaint', () => {
    expect(refusal(['--help'])).toBe('');
    expect(refusal(['-h'])).toBe('');
  });
});
