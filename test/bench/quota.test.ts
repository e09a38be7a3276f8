import { afterEach, describe, expect, it } from 'vitest';
import { callStretches, RunningClock, realTimeOf, type Stretch } from '../../bench/timing.js';
import { type CallRecord, FakeAwsServer } from '../../local/fakes/fake-aws-server.js';

/** The benchmark's plumbing: the fakes' per-operation quotas and the real-time reconstruction. */

const servers: FakeAwsServer[] = [];

async function startServer(): Promise<FakeAwsServer> {
  const server = new FakeAwsServer(
    'bench-test',
    { kind: 'awsJson1_0', targetPrefix: 'Bench' },
    { Describe: () => ({ ok: true }), List: () => ({ items: [] }), Other: () => ({}) },
  );
  await server.start();
  servers.push(server);
  return server;
}

async function call(server: FakeAwsServer, operation: string): Promise<{ status: number; type: string }> {
  const response = await fetch(server.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `Bench.${operation}` },
    body: '{}',
  });
  const body = (await response.json()) as { __type?: string };
  return { status: response.status, type: body.__type ?? '' };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe('FakeAwsServer.setQuota', () => {
  it('serves the burst, then answers ThrottlingException until the rate refills the bucket', async () => {
    const server = await startServer();
    server.setQuota('Describe', { ratePerSecond: 1, burst: 2 });

    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(await call(server, 'Describe'));
    const other = await call(server, 'Other');

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 400]);
    expect(answers[2]?.type).toBe('ThrottlingException');
    expect(other.status).toBe(200);
    expect(server.calls.map((record) => record.overQuota ?? false)).toEqual([false, false, true, false]);
  });

  it('makes operations named together share one bucket, and refills on request', async () => {
    const server = await startServer();
    server.setQuota(['Describe', 'List'], { ratePerSecond: 1, burst: 1 });

    expect((await call(server, 'List')).status).toBe(200);
    expect((await call(server, 'Describe')).type).toBe('ThrottlingException');
    server.refillQuotas();
    expect((await call(server, 'Describe')).status).toBe(200);
    server.setQuota(['Describe', 'List'], undefined);
    expect((await call(server, 'List')).status).toBe(200);
  });
});

describe('realTimeOf', () => {
  const record = (receivedAt: number, answeredAt: number, operation = 'Describe'): CallRecord => ({
    operation,
    params: {},
    body: {},
    query: {},
    status: 200,
    receivedAt,
    answeredAt,
  });

  it('scales the stretches bound by the service and counts the rest as measured', () => {
    // A 100 ms run: calls cover 10-20 and 30-40 (each with a 5 ms pacing slot before it), overlapping ones once.
    const calls = [record(15, 20), record(16, 19), record(35, 40)];

    const time = realTimeOf(
      callStretches(calls, () => 5),
      { from: 0, to: 100 },
      10,
    );

    expect(time.serviceWallMs).toBe(20);
    expect(time.realMs).toBe(20 * 10 + 80);
  });

  it('is followed closely while the run goes on, whichever stream a stretch comes from', () => {
    // Calls land in the log when answered; quota slots are published when reserved. Both arrive late.
    const calls: CallRecord[] = [];
    const slots: Stretch[] = [];
    const clock = new RunningClock(calls, slots, 0, 10);
    slots.push({ from: 0, to: 10 }, { from: 10, to: 20 });
    calls.push(record(10, 12));
    slots.push({ from: 20, to: 30 });
    calls.push(record(20, 22), record(30, 34));

    const live = clock.realElapsedMs(50);
    const after = realTimeOf([...callStretches(calls), ...slots], { from: 0, to: 50 }, 10);

    expect(after.serviceWallMs).toBe(34);
    expect(live).toBe(after.realMs);
  });
});
