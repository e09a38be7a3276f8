import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DetailType, EVENT_SOURCE } from '../../lambdas/contract/events.js';
import { EventSchemas, openApiDocument, registrySchemas, toOpenApi } from '../../lib/event-schemas.js';
import { JobStatusAggregatorStack } from '../../lib/job-status-aggregator-stack.js';
import { CDK_JSON_CONTEXT, type CfnResource, cfnLint, nagFindings, ofType, props } from './support.js';

type Json = Record<string, unknown>;

function schemasStack(id = 'Jobs'): { stack: Stack; resources: Record<string, CfnResource> } {
  const stack = new Stack(new App({ context: CDK_JSON_CONTEXT }), id);
  new EventSchemas(stack, 'EventSchemas');
  return { stack, resources: Template.fromStack(stack).toJSON().Resources as Record<string, CfnResource> };
}

const contentOf = (resource: CfnResource) => JSON.parse(String(props(resource).Content)) as Json;
const componentsOf = (content: Json) => (content.components as { schemas: Record<string, Json> }).schemas;

describe('the event schema registry', () => {
  it('holds one OpenAPI 3 schema per detail-type and major version, named by source, detail-type and version', () => {
    // Act
    const { resources } = schemasStack();

    // Assess
    const [[registryId, registry]] = ofType(resources, 'AWS::EventSchemas::Registry') as [
      [string, CfnResource],
    ];
    expect(props(registry).RegistryName).toBe('Jobs-job-events');
    const schemas = ofType(resources, 'AWS::EventSchemas::Schema').map(([, schema]) => props(schema));
    expect(schemas.map((schema) => schema.SchemaName).sort()).toEqual([
      'job-status-aggregator@JobStalled-v1',
      'job-status-aggregator@JobStatusChanged-v1',
    ]);
    for (const schema of schemas) {
      expect(schema.Type).toBe('OpenApi3');
      expect(schema.RegistryName).toEqual({ 'Fn::GetAtt': [registryId, 'RegistryName'] });
    }
  });

  it('describes the envelope as schema discovery does, with the detail from the JSON Schema', () => {
    const { resources } = schemasStack();
    const [, changed] = ofType(resources, 'AWS::EventSchemas::Schema').find(
      ([, schema]) => props(schema).SchemaName === 'job-status-aggregator@JobStatusChanged-v1',
    ) as [string, CfnResource];

    const content = contentOf(changed);
    const components = componentsOf(content);

    expect(content.openapi).toBe('3.0.0');
    expect(content.info).toMatchObject({ version: '1.0.0', title: 'JobStatusChanged' });
    expect(components.AWSEvent).toMatchObject({
      'x-amazon-events-source': EVENT_SOURCE,
      'x-amazon-events-detail-type': DetailType.STATUS_CHANGED,
      properties: { detail: { $ref: '#/components/schemas/JobStatusChanged' } },
    });
    const detail = components.JobStatusChanged as { required: string[]; properties: Record<string, Json> };
    const source = JSON.parse(
      readFileSync(new URL('../../schemas/job-status-changed.v1.schema.json', import.meta.url), 'utf8'),
    ) as { required: string[]; properties: Json };
    expect(detail.required).toEqual(source.required);
    expect(Object.keys(detail.properties)).toEqual(Object.keys(source.properties));
    expect(detail.properties.status).toEqual({ $ref: '#/components/schemas/Status' });
    expect(detail.properties.recordedAt).toEqual({ $ref: '#/components/schemas/Time' });
    expect(detail.properties.terminal).toMatchObject({ type: 'boolean', description: expect.any(String) });
    expect(components.Status).toMatchObject({ type: 'string', enum: expect.arrayContaining(['FAILED']) });
    // What OpenAPI 3.0 has no keyword for is left to the JSON Schema.
    const text = JSON.stringify(content);
    for (const keyword of ['$defs', '$schema', '"if"', 'dependentRequired', 'propertyNames', 'const']) {
      expect(text).not.toContain(keyword);
    }
  });

  it('converts what OpenAPI 3.0 lacks and refuses references it cannot follow', () => {
    expect(toOpenApi({ const: true })).toEqual({ enum: [true] });
    expect(toOpenApi({ enum: ['a', 'b'] })).toEqual({ enum: ['a', 'b'], type: 'string' });
    expect(toOpenApi({ properties: { if: { $ref: '#/$defs/jobId' } } })).toEqual({
      properties: { if: { $ref: '#/components/schemas/JobId' } },
    });
    expect(() => toOpenApi({ $ref: 'other.json#/x' })).toThrow(/only references to the schema's own \$defs/);
    expect(() => openApiDocument(DetailType.STALLED, 1, { $defs: { AWSEvent: {} } })).toThrow(/clashes/);
  });

  it('follows the schema files: a new major version is a schema of its own, a file of no detail-type an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'event-schemas-'));
    try {
      const v1 = readFileSync(new URL('../../schemas/job-stalled.v1.schema.json', import.meta.url), 'utf8');
      writeFileSync(join(dir, 'job-stalled.v1.schema.json'), v1);
      writeFileSync(join(dir, 'job-stalled.v2.schema.json'), v1);
      expect(registrySchemas(`${dir}/`).map((schema) => schema.schemaName)).toEqual([
        'job-status-aggregator@JobStalled-v1',
        'job-status-aggregator@JobStalled-v2',
      ]);
      writeFileSync(join(dir, 'job-finished.v1.schema.json'), v1);
      expect(() => registrySchemas(`${dir}/`)).toThrow(/job-finished\.v1\.schema\.json: name a schema/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes cfn-lint and cdk-nag AwsSolutions with nothing acknowledged', () => {
    const { stack } = schemasStack();
    const template = Template.fromStack(stack).toJSON() as Json;

    const lint = cfnLint([template]);

    expect(lint.output).toBe('');
    expect(lint.status).toBe(0);
    expect(nagFindings(stack, true)).toEqual([]);
  });

  it('is part of the aggregator stack', () => {
    // Bundling is not what this checks: skip it, so the stack synthesizes in a moment.
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stack = new JobStatusAggregatorStack(app, 'Aggregator', { settings: {} });

    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, CfnResource>;

    expect(ofType(resources, 'AWS::EventSchemas::Schema')).toHaveLength(Object.values(DetailType).length);
    expect(stack.aggregator.eventSchemas.registryName).toBe('Aggregator-job-events');
  });
});
