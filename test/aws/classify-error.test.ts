import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifySdkError } from '../../lambdas/aws/classify-error.js';
import { ServiceCallError, ServiceErrorKind } from '../../lambdas/core/errors.js';
import { HealthLakeAdapter } from '../../lambdas/services/healthlake/adapter.js';
import { FakeAwsServer, FakeServiceError } from '../../local/fakes/fake-aws-server.js';
import { failure } from '../services/support.js';

/** The error names smithy's retry strategy counts as throttling (its THROTTLING_ERROR_CODES). */
const SMITHY_THROTTLING_NAMES = [
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
];
/** An error as smithy's classifiers take it (their type wants `cause` to be an Error, never unknown). */
const asSmithyError = (error: object) => error as Parameters<typeof isTransientError>[0];
const STORE = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

/** A HealthLake endpoint (awsJson 1.0: every error is a 400 or a 500, named only in the body) that fails. */
let answer: FakeServiceError = new FakeServiceError('ThrottlingException', 400, 'Rate exceeded');
const server = new FakeAwsServer(
  'healthlake',
  { kind: 'awsJson1_0', targetPrefix: 'HealthLake' },
  {
    DescribeFHIRImportJob: () => {
      throw answer;
    },
  },
);

beforeAll(async () => {
  await server.start();
});

afterAll(async () => {
  await server.stop();
});

/** The kind the real HealthLake adapter reports when the service answers `name` with `status`. */
async function kindOfAnswer(name: string, status: number): Promise<ServiceErrorKind> {
  answer = new FakeServiceError(name, status, `${name} from the fake`);
  const adapter = new HealthLakeAdapter({
    settings: { endpoint: server.endpoint, maxAttempts: 1, requestTimeoutMs: 5_000 },
    region: 'us-east-1',
  });
  const error = await failure(adapter.describeJob({ scope: STORE, jobId: 'job-1' }));
  expect(error).toBeInstanceOf(ServiceCallError);
  expect(((error as ServiceCallError).cause as Error).name).toBe(name);
  return (error as ServiceCallError).kind;
}

/** A Node.js socket failure the way the HTTP handler rejects with it. */
function socketError(code: string, name = 'Error'): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code, name });
}

describe('classifySdkError through a real adapter', () => {
  it('reports each of the 14 names smithy counts as throttling as throttled', async () => {
    // Prepare: the list is the one smithy's retry strategy uses; a name it drops fails here.
    for (const name of SMITHY_THROTTLING_NAMES) {
      expect(isThrottlingError(asSmithyError({ name, $metadata: {} }))).toBe(true);
    }

    // Act
    const kinds: Record<string, ServiceErrorKind> = {};
    for (const name of SMITHY_THROTTLING_NAMES) kinds[name] = await kindOfAnswer(name, 400);

    // Assess
    expect(kinds).toEqual(
      Object.fromEntries(SMITHY_THROTTLING_NAMES.map((name) => [name, ServiceErrorKind.THROTTLED])),
    );
  });

  it('reports a service quota refusal as throttled, as the poller always has', async () => {
    expect(await kindOfAnswer('ServiceQuotaExceededException', 400)).toBe(ServiceErrorKind.THROTTLED);
  });

  it('reports a RequestTimeoutException answer, transient for smithy, as timeout', async () => {
    expect(await kindOfAnswer('RequestTimeoutException', 400)).toBe(ServiceErrorKind.TIMEOUT);
  });

  it('keeps the domain kinds for the service errors smithy does not retry', async () => {
    expect(await kindOfAnswer('ResourceNotFoundException', 400)).toBe(ServiceErrorKind.NOT_FOUND);
    expect(await kindOfAnswer('AccessDeniedException', 400)).toBe(ServiceErrorKind.ACCESS_DENIED);
    expect(await kindOfAnswer('ValidationException', 400)).toBe(ServiceErrorKind.VALIDATION);
    expect(await kindOfAnswer('ConflictException', 400)).toBe(ServiceErrorKind.VALIDATION);
    expect(await kindOfAnswer('InternalServerException', 500)).toBe(ServiceErrorKind.SERVER);
  });
});

describe('classifySdkError on the transient failures smithy knows', () => {
  it('reports every socket failure smithy retries as network, even renamed to TimeoutError', () => {
    const codes = [
      'ECONNRESET',
      'ECONNREFUSED',
      'EPIPE',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'ENOTFOUND',
      'EAI_AGAIN',
    ];
    for (const code of codes) {
      expect(isTransientError(asSmithyError(socketError(code)))).toBe(true);
      expect({ code, kind: classifySdkError(socketError(code)) }).toEqual({ code, kind: 'network' });
      expect({ code, kind: classifySdkError(socketError(code, 'TimeoutError')) }).toEqual({
        code,
        kind: 'network',
      });
    }
  });

  it('reports a socket failure found down the cause chain as network', () => {
    const wrapped = new Error('request failed', { cause: socketError('EHOSTUNREACH') });
    expect(classifySdkError(wrapped)).toBe(ServiceErrorKind.NETWORK);
  });

  it('reports the timeouts as timeout', () => {
    expect(classifySdkError(socketError('ETIMEDOUT', 'TimeoutError'))).toBe(ServiceErrorKind.TIMEOUT);
    expect(classifySdkError(Object.assign(new Error('slow'), { name: 'TimeoutError' }))).toBe('timeout');
    expect(classifySdkError(Object.assign(new Error('slow'), { name: 'RequestTimeout' }))).toBe('timeout');
  });

  it('reports the transient 5xx answers as server, whatever their body holds', () => {
    for (const status of [500, 502, 503, 504]) {
      const error = Object.assign(new Error('unavailable'), {
        name: 'ServiceUnavailableException',
        code: 'Unavailable',
        $metadata: { httpStatusCode: status },
      });
      expect({ status, kind: classifySdkError(error) }).toEqual({ status, kind: 'server' });
    }
  });

  it('reports a 429 without a known name as throttled', () => {
    const error = Object.assign(new Error('slow down'), {
      name: 'Unknown',
      $metadata: { httpStatusCode: 429 },
    });
    expect(classifySdkError(error)).toBe(ServiceErrorKind.THROTTLED);
  });

  it('reports an aborted call and a thrown non-error as other', () => {
    expect(classifySdkError(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe('other');
    expect(classifySdkError('boom')).toBe(ServiceErrorKind.OTHER);
  });
});
