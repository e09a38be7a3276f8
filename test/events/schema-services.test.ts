import { describe, expect, it } from 'vitest';
import { SERVICE_IDS } from '../../lambdas/core/service-id.js';
import { eventSchemas, serviceListMismatches, serviceListsOf } from './schema-services.js';

describe('the event schemas and the service registry', () => {
  it('name exactly the registered services, in the service enum and the job key pattern of every schema', () => {
    // Arrange
    const schemas = eventSchemas();

    // Assess
    expect(schemas.map((s) => s.file).sort()).toEqual([
      'job-stalled.v1.schema.json',
      'job-status-changed.v1.schema.json',
    ]);
    for (const { file, schema } of schemas) {
      expect(
        serviceListsOf(schema).map((list) => list.at),
        file,
      ).toEqual(['/$defs/jobKey', '/$defs/service']);
      expect(serviceListMismatches(schema, SERVICE_IDS), file).toEqual([]);
    }
  });

  it('reports a service the registry has and a schema lacks, and one a schema has that is not registered', () => {
    // Arrange
    const [first] = eventSchemas();

    // Act
    const mismatches = serviceListMismatches(first?.schema, [...SERVICE_IDS.slice(1), 'sixth']);

    // Assess
    expect(mismatches).toEqual([
      '/$defs/jobKey lacks "sixth"',
      '/$defs/jobKey has unregistered "healthlake"',
      '/$defs/service lacks "sixth"',
      '/$defs/service has unregistered "healthlake"',
    ]);
  });
});
