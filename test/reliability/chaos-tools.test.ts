import { createServer, type Server, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { parseJobKey } from '../../lambdas/core/job-key.js';
import type { JobStatus } from '../../lambdas/core/status.js';
import { checkRun, type DeliveredEvent, fold, subsequenceIndexes } from '../../local/chaos/checker.js';
import { DEFAULT_RATES, planRound, type Targets } from '../../local/chaos/fault-plan.js';
import { LogCapture } from '../../local/chaos/log-capture.js';
import { NativePostOffice, nativeEventFor } from '../../local/chaos/native-events.js';
import { operationOf, TcpProxy } from '../../local/chaos/tcp-proxy.js';
import { Prng } from '../../local/simulator/prng.js';

/** The chaos run's own parts, checked on their own: if the checker is wrong, every figure is. */

const KEY = 'healthlake/us-east-1/123456789012/store/job-1';

function transition(version: number, to: string, status: JobStatus, from?: string): HistoryRecord {
  const key = parseJobKey(KEY);
  return {
    kind: 'transition',
    recordId: `id-${version}-${to}`,
    key,
    version,
    recordedAt: '2025-03-01T10:00:00.000Z',
    snapshot: { key, status, rawStatus: to, observedAt: '2025-03-01T10:00:00.000Z', detail: 'full' },
    ...(from && { from: { status: 'RUNNING', rawStatus: from } }),
    to: { status, rawStatus: to },
  };
}

function delivered(record: HistoryRecord, via: DeliveredEvent['via'] = 'bus', extra = ''): DeliveredEvent {
  return {
    detailType: 'Job Status Changed',
    via,
    detail: JSON.stringify({
      transitionId: record.recordId,
      jobKey: KEY,
      version: record.version,
      rawStatus: record.snapshot.rawStatus,
      extra,
    }),
  };
}

describe('checker', () => {
  const truth = [
    {
      jobKey: KEY,
      passed: ['SUBMITTED', 'IN_PROGRESS', 'IN_PROGRESS', 'COMPLETED'],
      observed: ['SUBMITTED', 'COMPLETED'],
    },
  ];

  it('folds repeats and matches subsequences greedily', () => {
    expect(fold(['A', 'A', 'B', 'A'])).toEqual(['A', 'B', 'A']);
    expect(subsequenceIndexes(['A', 'B', 'C'], ['A', 'C', 'B'])).toEqual({
      matched: [0, 2],
      unmatched: ['B'],
      unmatchedPositions: [2],
    });
  });

  it('passes a run that recorded and emitted every observable status, and counts the coalesced one', () => {
    const history = [
      transition(1, 'SUBMITTED', 'QUEUED'),
      transition(2, 'COMPLETED', 'SUCCEEDED', 'SUBMITTED'),
    ];
    const result = checkRun({ truth, history, delivered: history.map((record) => delivered(record)) });
    expect(result.problems).toEqual([]);
    expect(result.figures).toMatchObject({
      trueTransitions: 3,
      observableTransitions: 2,
      coalesced: 1,
      recordedTransitions: 2,
      emittedTransitions: 2,
      lost: 0,
      spurious: 0,
      regressed: 0,
    });
  });

  it('counts a missing record and a record never emitted as lost', () => {
    const history = [transition(1, 'SUBMITTED', 'QUEUED')];
    const result = checkRun({ truth, history, delivered: [] });
    expect(result.figures.lost).toBe(2);
    expect(result.figures.lostEvents).toBe(1);
    expect(result.problems.map((problem) => problem.kind).sort()).toEqual(['lost-event', 'lost-record']);
  });

  it('counts statuses out of order, unknown jobs and events without a record as spurious', () => {
    const history = [
      transition(1, 'COMPLETED', 'SUCCEEDED'),
      transition(2, 'SUBMITTED', 'QUEUED', 'COMPLETED'),
    ];
    const stranger = { ...transition(1, 'SUBMITTED', 'QUEUED'), recordId: 'nobody' };
    const result = checkRun({
      truth,
      history,
      delivered: [...history.map((record) => delivered(record)), delivered(stranger)],
    });
    expect(result.figures.spurious).toBe(2);
    expect(result.figures.regressed).toBe(1);
  });

  it('counts duplicates; a second id for one version or a changed detail is a problem', () => {
    const history = [
      transition(1, 'SUBMITTED', 'QUEUED'),
      transition(2, 'COMPLETED', 'SUCCEEDED', 'SUBMITTED'),
    ];
    const [first, second] = history as [HistoryRecord, HistoryRecord];
    const sameId = checkRun({
      truth,
      history,
      delivered: [delivered(first), delivered(first), delivered(second), delivered(second, 'dead-letter')],
    });
    expect(sameId.figures).toMatchObject({
      duplicateDeliveries: 2,
      duplicatesWithOtherId: 0,
      deadLettered: 1,
    });
    expect(sameId.problems).toEqual([]);
    const otherId = checkRun({
      truth,
      history,
      delivered: [
        delivered(first),
        delivered({ ...first, recordId: 'another' }),
        delivered(second, 'bus', 'x'),
      ],
    });
    expect(otherId.figures.duplicatesWithOtherId).toBe(1);
    expect(otherId.problems.map((problem) => problem.kind)).toContain('duplicate-other-id');
  });

  it('refuses ground truth that does not contain what the run claims to have observed', () => {
    expect(() =>
      checkRun({ truth: [{ jobKey: KEY, passed: ['A'], observed: ['B'] }], history: [], delivered: [] }),
    ).toThrow('does not contain its observed statuses');
  });
});

describe('fault plan', () => {
  const targets: Targets = {
    services: ['healthlake', 'entityresolution'],
    byService: new Map([
      ['healthlake', { describeOperation: 'D', listOperation: 'L', jobIds: ['j1', 'j2'], scopes: ['s1'] }],
      ['entityresolution', { describeOperation: 'G', listOperation: 'M', jobIds: ['k1'], scopes: ['w1'] }],
    ]),
  };

  it('is the same for the same seed, and different for another', () => {
    const plan = (seed: number) => planRound(new Prng(seed), targets);
    expect(plan(7)).toEqual(plan(7));
    expect(JSON.stringify([...Array(5)].map((_, i) => plan(i)))).not.toEqual(
      JSON.stringify([...Array(5)].map((_, i) => plan(i + 100))),
    );
  });

  it('aims call faults at known operations and targets, with bursts around the SDK attempts', () => {
    const rng = new Prng(1);
    for (let round = 0; round < 50; round += 1) {
      for (const fault of planRound(rng, targets).callFaults) {
        expect(['D', 'L', 'G', 'M']).toContain(fault.operation);
        expect(['j1', 'j2', 's1', 'k1', 'w1', undefined]).toContain(fault.target);
        expect(fault.times).toBeGreaterThanOrEqual(1);
        expect(fault.times).toBeLessThanOrEqual(DEFAULT_RATES.sdkMaxAttempts + 1);
        if (fault.kind === 'expired-token') expect(['L', 'M']).toContain(fault.operation);
      }
    }
  });
});

describe('native events', () => {
  it('are built only where AWS sends them, with the ids the poller reads', () => {
    expect(nativeEventFor('healthlake', { scope: 's', jobId: 'j' }, 'IN_PROGRESS')).toEqual({
      source: 'aws.healthlake',
      'detail-type': 'Import Job In Progress',
      detail: { datastoreId: 's', jobId: 'j' },
    });
    expect(nativeEventFor('healthlake', { scope: 's', jobId: 'j' }, 'CANCEL_SUBMITTED')).toBeUndefined();
    expect(nativeEventFor('entityresolution', { scope: 's', jobId: 'j' }, 'RUNNING')).toBeUndefined();
    expect(nativeEventFor('healthomics', { scope: 's', jobId: 'j' }, 'CANCELLED')?.detail).toMatchObject({
      referenceStoreId: 's',
      id: 'j',
    });
  });

  it('the post office duplicates, holds back and reverses, and delivers what it held later', () => {
    const post = new NativePostOffice(new Prng(3));
    const event = (jobId: string) => ({
      service: 'healthlake' as const,
      event: { source: 'aws.healthlake', 'detail-type': 'Import Job Queued', detail: { jobId } },
    });
    const first = post.take([event('a'), event('b'), event('c')], { duplicate: 1, late: 1, reorder: true });
    expect(first).toHaveLength(3);
    const rest = post.flush();
    expect(rest).toHaveLength(1);
    const ids = [...first, ...rest].map((delivery) => delivery.event.detail.jobId);
    expect(new Set(ids)).toEqual(new Set(['a', 'b', 'c']));
    expect(post.counts).toMatchObject({ duplicated: 1, delayed: 1, sent: 4 });
  });
});

describe('log capture', () => {
  it('captures whole lines written to stdout, in pieces or not, and gives back the JSON ones', () => {
    const capture = new LogCapture().start();
    try {
      process.stdout.write('{"level":"INFO","message":"one"}\nplain text\n{"level":');
      process.stdout.write('"WARN","message":"two"}\n');
    } finally {
      capture.stop();
    }
    expect(capture.lines).toEqual([
      '{"level":"INFO","message":"one"}',
      'plain text',
      '{"level":"WARN","message":"two"}',
    ]);
    expect(capture.records().map((record) => record.message)).toEqual(['one', 'two']);
    expect(capture.containing('plain')).toEqual(['plain text']);
  });
});

describe('TCP proxy', () => {
  let upstream: Server | undefined;
  let proxy: TcpProxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  });

  /** An upstream that answers every request with a fixed HTTP response. */
  async function start(): Promise<TcpProxy> {
    upstream = createServer((socket) => {
      socket.on('data', () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
    });
    await new Promise<void>((resolve) => upstream?.listen(0, '127.0.0.1', resolve));
    const address = upstream.address();
    proxy = new TcpProxy({
      host: '127.0.0.1',
      port: typeof address === 'object' && address ? address.port : 0,
    });
    await proxy.start();
    return proxy;
  }

  /** One request through the proxy: the response text, or the error code. */
  function request(port: number, target = 'DynamoDB_20120810.GetItem', timeoutMs = 300): Promise<string> {
    return new Promise((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1');
      const timer = setTimeout(() => {
        socket.destroy();
        resolve('timeout');
      }, timeoutMs);
      socket.on('connect', () =>
        socket.write(`POST / HTTP/1.1\r\nX-Amz-Target: ${target}\r\ncontent-length: 0\r\n\r\n`),
      );
      socket.on('data', (data) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(data.toString().includes('200 OK') ? 'ok' : 'other');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve(error.code ?? 'error');
      });
      socket.on('close', () => {
        clearTimeout(timer);
        resolve('closed');
      });
    });
  }

  it('reads the operation of a request from its X-Amz-Target header', () => {
    expect(
      operationOf(
        Buffer.from('POST / HTTP/1.1\r\nx-amz-target: DynamoDB_20120810.TransactWriteItems\r\n\r\n'),
      ),
    ).toBe('TransactWriteItems');
    expect(operationOf(Buffer.from('{"body": "continued"}'))).toBeUndefined();
  });

  it('passes traffic, refuses it during an outage, swallows it in a blackhole, and recovers', async () => {
    const p = await start();
    expect(await request(p.port)).toBe('ok');
    p.startOutage('refuse');
    expect(['ECONNRESET', 'closed']).toContain(await request(p.port));
    p.startOutage('blackhole');
    expect(await request(p.port)).toBe('timeout');
    p.restore();
    expect(await request(p.port)).toBe('ok');
    p.startOutage('refuse', 50);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await request(p.port)).toBe('ok');
    expect(p.stats.operations.GetItem).toBeGreaterThanOrEqual(3);
  });

  it('holds back a chosen response: the client never gets it', async () => {
    const p = await start();
    const seen: string[] = [];
    p.onResponse((operation) => {
      seen.push(operation.operation);
      return operation.operation === 'TransactWriteItems' ? 'hold' : 'forward';
    });
    expect(await request(p.port, 'DynamoDB_20120810.GetItem')).toBe('ok');
    expect(await request(p.port, 'DynamoDB_20120810.TransactWriteItems')).not.toBe('ok');
    expect(seen).toEqual(['GetItem', 'TransactWriteItems']);
    expect(p.stats.held).toBe(1);
  });
});
