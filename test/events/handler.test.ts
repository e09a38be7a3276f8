import { afterEach, describe, expect, it, vi } from 'vitest';

describe('the publisher handler', () => {
  const savedEnv = { ...process.env };

  afterEach(() => {
    process.env = { ...savedEnv };
    vi.resetModules();
  });

  it.each(['JOBS_EVENT_BUS_NAME', 'JOBS_DLQ_URL'])(
    'fails its cold start when %s is missing',
    async (name) => {
      // Prepare
      process.env.JOBS_EVENT_BUS_NAME = 'jobs';
      process.env.JOBS_DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs-dlq';
      delete process.env[name];
      vi.resetModules();

      // Act / Assess
      await expect(import('../../lambdas/handlers/publisher.js')).rejects.toThrow(name);
    },
  );

  it('loads with both settings present', async () => {
    process.env.JOBS_EVENT_BUS_NAME = 'jobs';
    process.env.JOBS_DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs-dlq';
    vi.resetModules();

    const module = await import('../../lambdas/handlers/publisher.js');

    expect(typeof module.handler).toBe('function');
  });
});
