import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import type { JobStatus } from '../../lambdas/core/status.js';
import type { Service, Status } from '../../lambdas/events/detail-types.generated.js';
import {
  combine,
  GENERATED_PATH,
  generateEventTypes,
  readSchemaFiles,
  type SchemaFile,
  typeNameOf,
} from '../../scripts/generate-event-types.js';

const committed = () => readFileSync(new URL(`../../${GENERATED_PATH}`, import.meta.url), 'utf8');

describe('the generated detail types', () => {
  it('are what `npm run generate` writes from the schemas now (run it after editing a schema)', async () => {
    expect(committed()).toBe(await generateEventTypes());
  });

  it('change when a schema gains a field, so a schema edit without regeneration fails the check above', async () => {
    // Prepare
    const files = readSchemaFiles().map((entry) =>
      entry.typeName === 'JobStatusChangedDetailV1'
        ? {
            ...entry,
            schema: {
              ...entry.schema,
              properties: { ...entry.schema.properties, replayedFrom: { type: 'string' as const } },
            },
          }
        : entry,
    );

    // Act
    const generated = await generateEventTypes(files);

    // Assess
    expect(generated).not.toBe(committed());
    expect(generated).toMatch(/export interface JobStatusChangedDetailV1 \{[^}]*replayedFrom\?: string;/);
  });

  it('declare the shared definitions once and name each detail by its file and major version', () => {
    const source = committed();
    expect(source.match(/export type Status =/g)).toHaveLength(1);
    expect(source.match(/export interface Counters \{/g)).toHaveLength(1);
    expect(source).toContain('export interface JobStatusChangedDetailV1 {');
    expect(source).toContain('export interface JobStalledDetailV1 {');
    expect(typeNameOf('job-status-changed.v2.schema.json')).toBe('JobStatusChangedDetailV2');
    expect(() => typeNameOf('job-status-changed.schema.json')).toThrow(/<detail-type>\.v<major>/);
  });

  it('refuse two schemas that define a shared name differently', () => {
    const [first, second] = readSchemaFiles() as [SchemaFile, SchemaFile];
    const changed = { ...second, schema: { ...second.schema, $defs: { ...second.schema.$defs, jobId: {} } } };
    expect(() => combine([first, changed])).toThrow(/\$defs\/jobId differs between .* and /);
  });

  it('have the same services and statuses as the domain', () => {
    expectTypeOf<Service>().toEqualTypeOf<ServiceId>();
    expectTypeOf<Status>().toEqualTypeOf<JobStatus>();
  });
});
