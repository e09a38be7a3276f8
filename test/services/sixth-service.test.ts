import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JobQueries } from '../../cli/queries.js';
import { renderReport } from '../../cli/report/render.js';
import { SERVICE_FACTS } from '../../lambdas/contract/services.js';
import type { HistoryRecord } from '../../lambdas/core/history.js';
import { isServiceId, SERVICE_IDS, type ServiceId } from '../../lambdas/core/service-id.js';
import { isPublishable, toEventEntry } from '../../lambdas/events/contract.js';
import type { PollResult } from '../../lambdas/handlers/poll-handler.js';
import { servicePoller } from '../../lambdas/handlers/service-poller.js';
import { registeredService } from '../../lambdas/services/registry.js';
import { anotherPoller, loadPoller } from '../../local/chaos/pollers.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { createJobsTable } from '../../local/jobs-table.js';
import {
  actionsOf,
  functionsByName,
  ofType,
  props,
  refId,
  roleStatements,
  synthesize,
} from '../cdk/support.js';
import { eventSchemas, serviceListMismatches } from '../events/schema-services.js';
import { startHistoryPublisher } from '../store/support.js';
import { sixthBackend } from './sixth/index.js';

/**
 * "A sixth service is two new folders and one line in each registry": a service defined only here
 * (test/services/sixth: its facts, and an adapter over an in-memory backend) added to the two registries
 * by one line each, exactly as a real one is added, then driven through the code that reads them.
 */
vi.mock('../../lambdas/contract/services.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../lambdas/contract/services.js')>();
  const { sixthFacts } = await import('./sixth/facts.js');
  const SERVICE_FACTS = [...real.SERVICE_FACTS, sixthFacts];
  return { ...real, SERVICE_FACTS, serviceFacts: (id: string) => real.factsOf(SERVICE_FACTS, id) };
});
// The package ships bundles of its own services only: the sixth's is built here, as scripts/bundle-lambdas.ts
// builds theirs (the script imports the bundle names, not this module), and the stack loads it like any other.
vi.mock('../../lib/lambda-code.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../lib/lambda-code.js')>();
  const { mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const lambda = await import('aws-cdk-lib/aws-lambda');
  const { bundleLambdas } = await import('../../scripts/bundle-lambdas.js');
  const dir = mkdtempSync(join(tmpdir(), 'sixth-bundle-'));
  await bundleLambdas(dir, [real.pollerBundle('sixth')]);
  return {
    ...real,
    bundleCode: (name: string) =>
      name === real.pollerBundle('sixth') ? lambda.Code.fromAsset(join(dir, name)) : real.bundleCode(name),
  };
});
vi.mock('../../lambdas/services/registry.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../lambdas/services/registry.js')>();
  const { sixthService } = await import('./sixth/index.js');
  const SERVICE_REGISTRY = [
    ...real.SERVICE_REGISTRY,
    { module: sixthService, loadHandler: () => import('./sixth/handler.js') },
  ] as typeof real.SERVICE_REGISTRY;
  return { ...real, SERVICE_REGISTRY, registeredService: (id: string) => real.entryOf(SERVICE_REGISTRY, id) };
});

const SIXTH = 'sixth' as ServiceId;
const ACCOUNT = '123456789012';
const TABLE = 'jobs-sixth-service-test';
type Handler = (event: unknown, context: Context) => Promise<PollResult>;

let ddb: DynamoDbLocal;
let queries: JobQueries;
let historyPublisher: Awaited<ReturnType<typeof startHistoryPublisher>>;

function lambdaContext(): Context {
  return {
    functionName: 'poller',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:poller`,
    getRemainingTimeInMillis: () => 300_000,
    awsRequestId: 'req-1',
  } as Context;
}

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1' });
  await createJobsTable(client, TABLE);
  queries = new JobQueries({ client, tableName: TABLE, consistentRead: true });
  // The stack's stream publisher, which stores the history the pollers' writes carry.
  historyPublisher = await startHistoryPublisher({ local: ddb, client, tableName: TABLE });
  vi.stubEnv('JOBS_TABLE_NAME', TABLE);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', ddb.endpoint);
  vi.stubEnv('AWS_REGION', 'us-east-1');
});

afterAll(async () => {
  await historyPublisher?.stop();
  vi.unstubAllEnvs();
  await ddb?.stop();
});

describe('a sixth service added by one line in each registry', () => {
  it('becomes a service id everywhere ids are checked', () => {
    // Assess
    expect(SERVICE_IDS).toEqual([...SERVICE_FACTS.map((facts) => facts.id)]);
    expect(SERVICE_IDS.at(-1)).toBe('sixth');
    expect(isServiceId('sixth')).toBe(true);
  });

  it('is polled by the deployed poll handler into DynamoDB, and refreshed by its native event', async () => {
    // Arrange
    sixthBackend.projects.set(
      'alpha',
      new Map([
        ['export-1', 'ACTIVE'],
        ['export-2', 'PENDING'],
      ]),
    );
    const poll = servicePoller(registeredService(SIXTH).module) as Handler;

    // Act
    const first = await poll({ kind: 'poll' }, lambdaContext());
    sixthBackend.projects.get('alpha')?.set('export-1', 'DONE');
    const second = await poll({ kind: 'poll' }, lambdaContext());
    sixthBackend.projects.get('alpha')?.set('export-2', 'ACTIVE');
    const refresh = await poll(
      {
        source: 'aws.sixth',
        'detail-type': 'Export Job State Change',
        detail: { projectId: 'alpha', jobId: 'export-2' },
      },
      lambdaContext(),
    );

    // Assess
    expect(first).toMatchObject({ mode: 'cycle', transitions: 2, errors: {} });
    expect(second).toMatchObject({ mode: 'cycle', transitions: 1, errors: {} });
    expect(refresh).toMatchObject({ mode: 'refresh' });
    await historyPublisher.drain();
    const history = await queries.history(`sixth/us-east-1/${ACCOUNT}/alpha/export-1`);
    expect(history.items.map((r) => r.kind === 'transition' && [r.from?.status, r.to.status])).toEqual([
      [undefined, 'RUNNING'],
      ['RUNNING', 'SUCCEEDED'],
    ]);
    const running = (await queries.running({ service: SIXTH })).items;
    expect(running.map((job) => [job.snapshot.key.jobId, job.snapshot.rawStatus])).toEqual([
      ['export-2', 'ACTIVE'],
    ]);
  });

  it('gets its scope ARN in events, its name in the report, and a schema check that fails until the schemas name it', async () => {
    // Arrange
    await historyPublisher.drain();
    const history: HistoryRecord[] = [
      ...(await queries.history(`sixth/us-east-1/${ACCOUNT}/alpha/export-1`)).items,
      ...(await queries.history(`sixth/us-east-1/${ACCOUNT}/alpha/export-2`)).items,
    ];
    const [record] = history.filter(isPublishable);
    if (!record) throw new Error('no publishable record');

    // Act
    const entry = toEventEntry(record, 'bus');
    const html = renderReport({
      generatedAt: new Date(),
      source: 'test',
      history,
      jobs: (await queries.running({ service: SIXTH })).items,
    });

    // Assess
    expect(entry.Resources).toEqual([`arn:aws:sixth:us-east-1:${ACCOUNT}:project/alpha`]);
    expect(JSON.parse(entry.Detail)).toMatchObject({ service: 'sixth' });
    expect(html).toContain('AWS Sixth Service');
    for (const { file, schema } of eventSchemas()) {
      expect(serviceListMismatches(schema, SERVICE_IDS), file).toEqual([
        '/$defs/jobKey lacks "sixth"',
        '/$defs/service lacks "sixth"',
      ]);
    }
  });

  it('runs in local mode and the chaos run from the runtime registry', async () => {
    // Act
    const entry = await loadPoller(SIXTH);
    const another = anotherPoller(SIXTH);

    // Assess
    expect(typeof entry).toBe('function');
    expect(await another({ kind: 'poll' }, lambdaContext())).toMatchObject({ mode: 'cycle', errors: {} });
  });

  it('is deployed by the stack: its own function, its IAM actions, its schedule and its native-event rule', () => {
    // Act
    const synth = synthesize('Sixth', { services: [SIXTH] });
    const [id, fn] = functionsByName(synth.resources).get('job-poller-sixth') ?? [];
    const rules = ofType(synth.resources, 'AWS::Events::Rule').map(([, rule]) => props(rule));

    // Assess
    expect(id).toMatch(/SixthPoller/);
    expect(String(fn?.Description)).toBe(
      'Polls AWS Sixth Service jobs every 10 min and on native events; records changes',
    );
    const roleId = refId(fn?.Role);
    expect(actionsOf(roleStatements(synth.resources, roleId))).toEqual(
      expect.arrayContaining(['sixth:GetExportJob', 'sixth:ListExportJobs', 'sixth:ListProjects']),
    );
    expect(rules.map((rule) => rule.ScheduleExpression).filter(Boolean)).toEqual(['rate(10 minutes)']);
    expect(rules.map((rule) => rule.EventPattern).filter(Boolean)).toContainEqual({
      source: ['aws.sixth'],
      'detail-type': ['Export Job State Change'],
    });
  });
});
