import { describe, expect, it } from 'vitest';
import { serviceFacts } from '../../lambdas/contract/services.js';
import { SERVICE_IDS } from '../../lambdas/core/service-id.js';
import { LOCAL_SERVICES } from '../../local/services/registry.js';
import { Prng } from '../../local/simulator/prng.js';

describe('the local registry', () => {
  it('lists every service once, under its own id', () => {
    expect(Object.keys(LOCAL_SERVICES)).toEqual([...SERVICE_IDS]);
    for (const service of SERVICE_IDS) {
      expect(LOCAL_SERVICES[service].id).toBe(service);
      expect(LOCAL_SERVICES[service].lifecycle.service).toBe(service);
    }
  });

  it.each(SERVICE_IDS)('%s: throttles the calls its poller makes and shows its display name', (service) => {
    const local = LOCAL_SERVICES[service];
    expect(local.operations).toContain(local.definition.listOperation);
    expect(local.operations).toContain(local.definition.describeOperation);
    expect(`AWS ${local.label}`).toBe(serviceFacts(service).displayName);
  });

  it.each(SERVICE_IDS)('%s: its driver seeds a job its lifecycle made into a fresh fake', (service) => {
    // Arrange
    const { lifecycle, createDriver } = LOCAL_SERVICES[service];
    const driver = createDriver({ region: 'us-east-1', accountId: '123456789012' });
    const rng = new Prng(3);
    const scopeName = lifecycle.scopeNames[0];
    const scope = scopeName === undefined ? undefined : lifecycle.scopeId(scopeName, rng);
    if (scope !== undefined && scopeName !== undefined) driver.addScope(scope, scopeName);
    const script = lifecycle.plan(rng, 1);
    const job = { ...(scope !== undefined && { scope }), jobId: lifecycle.jobId(rng) };

    // Act
    driver.submit({ ...job, rawStatus: script.phases[0]?.rawStatus ?? '', submittedAt: new Date() });
    driver.update(job, {
      ...lifecycle.detail({ script, phaseIndex: 0, fraction: 0, workDone: 0, jobId: job.jobId }),
    });

    // Assess
    expect(driver.scoped).toBe(lifecycle.scopeNames.length > 0);
    const fake = (driver as unknown as { fake: { jobs(): unknown[] } }).fake;
    expect(fake.jobs()).toHaveLength(1);
  });
});
