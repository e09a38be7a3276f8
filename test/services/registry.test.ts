import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { SERVICE_FACTS } from '../../lambdas/contract/services.js';
import { silentLog } from '../../lambdas/core/ports.js';
import { isServiceId, SERVICE_IDS } from '../../lambdas/core/service-id.js';
import { SERVICE_REGISTRY } from '../../lambdas/services/registry.js';
import { reachOf } from './imports.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('the service registry', () => {
  it('derives the service ids from the facts, in their order', () => {
    // Assess
    expect(SERVICE_IDS).toEqual([
      'healthlake',
      'healthimaging',
      'healthomics',
      'entityresolution',
      'panorama',
    ]);
    expect(SERVICE_FACTS.map((facts) => facts.id)).toEqual(SERVICE_IDS);
    expect(SERVICE_IDS.every(isServiceId)).toBe(true);
    expect(isServiceId('lake')).toBe(false);
  });

  it('lists every service once, with the same facts as the data-only list, in the same order', () => {
    // Assess
    expect(SERVICE_REGISTRY.map((entry) => entry.module.facts)).toEqual(SERVICE_FACTS);
    for (const [index, entry] of SERVICE_REGISTRY.entries()) {
      expect(entry.module.facts).toBe(SERVICE_FACTS[index]);
      expect(entry.module.facts.definition.id).toBe(entry.module.facts.id);
      expect(entry.module.facts.displayName).toBe(entry.module.facts.definition.displayName);
    }
  });

  it("keeps each service's handler entry in its own folder, and loads it as Lambda would", async () => {
    // Arrange: an entry reads its settings when loaded; the table name is the one without a default.
    vi.stubEnv('JOBS_TABLE_NAME', 'jobs');
    onTestFinished(() => {
      vi.unstubAllEnvs();
    });

    for (const entry of SERVICE_REGISTRY) {
      // Arrange
      const { id, handlerEntry } = entry.module.facts;

      // Act
      const loaded = await entry.loadHandler();

      // Assess
      expect(handlerEntry).toBe(`lambdas/services/${id}/handler.ts`);
      expect(existsSync(resolve(ROOT, handlerEntry)), handlerEntry).toBe(true);
      expect(typeof loaded.handler, id).toBe('function');
    }
  });

  it("builds each service's adapter from the registry, with that service's definition", () => {
    // Arrange
    const settings = { maxAttempts: 1, requestTimeoutMs: 1000, endpoint: 'http://127.0.0.1:9' };

    for (const { module } of SERVICE_REGISTRY) {
      // Act
      const adapter = module.createAdapter({ settings, region: 'us-east-1', log: silentLog }, {});

      // Assess
      expect(adapter.definition).toBe(module.facts.definition);
    }
  });
});

describe('what the registry modules load', () => {
  it('keeps the facts lib/ reads at synth free of the SDK, Powertools and the CDK', () => {
    // Act
    const reach = reachOf('lambdas/contract/services.ts');

    // Assess
    expect(reach.packages).toEqual([]);
    expect(reach.files.filter((file) => file.endsWith('/adapter.ts'))).toEqual([]);
  });

  it('loads, from each handler entry, its own service client only and never the registry of all adapters', () => {
    for (const { id, handlerEntry } of SERVICE_FACTS) {
      // Act
      const reach = reachOf(handlerEntry);
      const adapters = reach.files.filter((file) => file.endsWith('/adapter.ts'));

      // Assess
      expect(reach.files, id).not.toContain('lambdas/services/registry.ts');
      expect(adapters, id).toEqual([`lambdas/services/${id}/adapter.ts`]);
    }
  });
});
