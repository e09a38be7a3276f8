import { describe, expect, it } from 'vitest';
import {
  applyEnvironment,
  defaultStallAfter,
  handlerEnvironment,
  type LocalEndpoints,
} from '../../local/runner/environment.js';
import { parseRunnerArgs, type RunnerOptions, UsageError } from '../../local/runner/options.js';

function options(argv: string[]): RunnerOptions {
  const parsed = parseRunnerArgs(argv, () => 0.5);
  if (parsed.help) throw new Error('expected options');
  return parsed.options;
}

const ENDPOINTS: LocalEndpoints = {
  dynamodb: 'http://127.0.0.1:8000',
  services: new Map([
    ['healthlake', 'http://127.0.0.1:9001'],
    ['healthimaging', 'http://127.0.0.1:9002'],
  ]),
  s3: 'http://127.0.0.1:9003',
  s3ManifestLocation: 's3://sim-imaging-output',
  events: 'http://127.0.0.1:9004',
  deadLetters: 'http://127.0.0.1:9005',
  deadLetterQueueUrl: 'http://127.0.0.1:9005/123456789012/job-events-dlq',
};

describe('local mode flags', () => {
  it('defaults to the simulator with every service and a random, printed seed', () => {
    const parsed = options([]);
    expect(parsed).toMatchObject({
      mode: 'simulator',
      services: ['healthlake', 'healthimaging', 'healthomics', 'entityresolution', 'panorama'],
      jobsPerService: 8,
      speed: 1,
      seed: 500_000,
      intervalSeconds: 2,
      once: false,
      plain: false,
    });
  });

  it('reads every simulator flag', () => {
    const parsed = options([
      '--jobs',
      '3',
      '--speed',
      '2.5',
      '--seed',
      '42',
      '--services',
      'healthomics,panorama',
      '--once',
      '--interval',
      '0.5',
      '--cycles',
      '7',
      '--data-dir',
      '.local/x',
      '--port',
      '8123',
      '--throttle-rate',
      '0',
      '--stall-after',
      'off',
      '--verbose',
    ]);
    expect(parsed).toMatchObject({
      jobsPerService: 3,
      speed: 2.5,
      seed: 42,
      services: ['healthomics', 'panorama'],
      once: true,
      intervalSeconds: 0.5,
      cycles: 7,
      dataDir: '.local/x',
      dynamoPort: 8123,
      throttleRate: 0,
      stallAfter: 'off',
      verbose: true,
      plain: true,
    });
  });

  it('polls the services the stack enables by default in real mode (Panorama only when asked)', () => {
    expect(options(['--real']).services).toEqual([
      'healthlake',
      'healthimaging',
      'healthomics',
      'entityresolution',
    ]);
    expect(options(['--real', '--services', 'panorama']).services).toEqual(['panorama']);
  });

  it.each([
    [['--jobs', '-1'], '--jobs'],
    [['--speed', '0'], '--speed'],
    [['--services', 'sagemaker'], 'Unknown service'],
    [['--table', 'jobs'], '--table belongs to --real'],
    [['--real', '--seed', '3'], 'is for the simulator'],
    [['--real', '--table', 't', '--bus', 'b'], '--bus works with the local table only'],
    [['--real', '--account', '12'], '12-digit'],
    [['--serve'], '--serve needs --data-dir'],
    [['--nope'], 'Unknown option'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseRunnerArgs(argv)).toThrow(UsageError);
    expect(() => parseRunnerArgs(argv)).toThrow(message);
  });
});

describe('the handlers environment in local mode', () => {
  it('points every client of the simulator mode at this machine, with throwaway credentials', () => {
    // Act
    const environment = handlerEnvironment(options(['--interval', '2']), {}, ENDPOINTS, {
      region: 'us-east-1',
      tableName: 'jobs-local',
    });

    // Assess
    expect(environment.set).toMatchObject({
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ENDPOINT_URL_HEALTHLAKE: 'http://127.0.0.1:9001',
      AWS_ENDPOINT_URL_MEDICAL_IMAGING: 'http://127.0.0.1:9002',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9003',
      AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:9004',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9005',
      JOBS_TABLE_NAME: 'jobs-local',
      JOBS_EVENT_BUS_NAME: 'job-events',
      JOBS_DLQ_URL: ENDPOINTS.deadLetterQueueUrl,
      JOBS_IMAGING_MANIFEST_LOCATIONS: 's3://sim-imaging-output',
      JOBS_SCHEDULE_SECONDS: '2',
      JOBS_STALL_AFTER_SECONDS: '48',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    expect(environment.unset).toEqual(expect.arrayContaining(['AWS_PROFILE', 'AWS_SESSION_TOKEN']));
  });

  it("leaves the service clients to the user's credentials and endpoints in real mode", () => {
    // Act
    const environment = handlerEnvironment(
      options(['--real']),
      { AWS_PROFILE: 'dev' },
      {
        dynamodb: 'http://127.0.0.1:8000',
        events: 'http://127.0.0.1:9004',
        deadLetters: ENDPOINTS.deadLetters,
        deadLetterQueueUrl: ENDPOINTS.deadLetterQueueUrl,
      },
      { region: 'eu-west-1', tableName: 'jobs-local' },
    );

    // Assess
    expect(Object.keys(environment.set).filter((name) => name.startsWith('AWS_ENDPOINT_URL_'))).toEqual([
      'AWS_ENDPOINT_URL_SQS',
      'AWS_ENDPOINT_URL_DYNAMODB',
      'AWS_ENDPOINT_URL_EVENTBRIDGE',
    ]);
    expect(environment.set.AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(environment.set.JOBS_QUOTA_MULTIPLIER).toBeUndefined();
    expect(environment.set.JOBS_STALL_AFTER_SECONDS).toBe('3600');
    expect(environment.unset).toEqual([]);
  });

  it('sends events to the named bus of the account with --bus, and keeps a deployed table with --table', () => {
    const withBus = handlerEnvironment(
      options(['--real', '--bus', 'prod-jobs']),
      {},
      {
        dynamodb: 'http://127.0.0.1:8000',
        deadLetters: ENDPOINTS.deadLetters,
        deadLetterQueueUrl: ENDPOINTS.deadLetterQueueUrl,
      },
      { region: 'eu-west-1', tableName: 'jobs-local' },
    );
    expect(withBus.set.JOBS_EVENT_BUS_NAME).toBe('prod-jobs');
    expect(withBus.set.AWS_ENDPOINT_URL_EVENTBRIDGE).toBeUndefined();

    const withTable = handlerEnvironment(
      options(['--real', '--table', 'Stack-JobsTable-1']),
      {},
      { deadLetters: ENDPOINTS.deadLetters, deadLetterQueueUrl: ENDPOINTS.deadLetterQueueUrl },
      { region: 'eu-west-1', tableName: 'Stack-JobsTable-1' },
    );
    expect(withTable.set.JOBS_TABLE_NAME).toBe('Stack-JobsTable-1');
    expect(withTable.set.AWS_ENDPOINT_URL_DYNAMODB).toBeUndefined();
  });

  it('lets the shell override the tuning defaults', () => {
    const environment = handlerEnvironment(
      options([]),
      { JOBS_QUOTA_MULTIPLIER: '1', JOBS_STALL_AFTER_SECONDS: 'off' },
      ENDPOINTS,
      { region: 'us-east-1', tableName: 'jobs-local' },
    );
    expect(environment.set.JOBS_QUOTA_MULTIPLIER).toBeUndefined();
    expect(environment.set.JOBS_STALL_AFTER_SECONDS).toBeUndefined();
  });

  it('scales the default stall threshold with speed and interval', () => {
    expect(defaultStallAfter({ mode: 'simulator', speed: 1, intervalSeconds: 2 })).toBe('48');
    expect(defaultStallAfter({ mode: 'simulator', speed: 4, intervalSeconds: 0.5 })).toBe('3');
  });

  it('applies an environment and gives the old one back', () => {
    const env: NodeJS.ProcessEnv = { AWS_PROFILE: 'dev', AWS_REGION: 'eu-west-1' };
    const restore = applyEnvironment(
      { set: { AWS_REGION: 'us-east-1', JOBS_TABLE_NAME: 't' }, unset: ['AWS_PROFILE'] },
      env,
    );
    expect(env).toEqual({ AWS_REGION: 'us-east-1', JOBS_TABLE_NAME: 't' });
    restore();
    expect(env).toEqual({ AWS_PROFILE: 'dev', AWS_REGION: 'eu-west-1' });
  });
});
