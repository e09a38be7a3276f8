// Tests never reach real AWS: fake credentials and a fixed region for every SDK client.
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.AWS_REGION ??= 'us-east-1';
process.env.POWERTOOLS_DEV ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// Metrics are embedded-metric-format lines on stdout; the tests assert the cycle report they come from.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
