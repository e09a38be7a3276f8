import { SERVICE_IDS } from '../../lambdas/core/service-id.js';
import {
  duration,
  eventsLine,
  paint,
  plural,
  type Style,
  statusTable,
  subscriptionCounts,
} from './format.js';
import type { LocalRunner, RunOutcome, Verification } from './runner.js';

/** What the run did and where its history is, printed when it ends. */
export function summaryText(
  runner: LocalRunner,
  outcome: RunOutcome,
  verification: Verification | undefined,
  style: Style,
): string {
  const options = runner.options;
  const elapsed = Date.now() - runner.startedAt.getTime();
  const lines: string[] = [];
  const how =
    options.mode === 'simulator'
      ? `simulator, seed ${options.seed}, ${options.jobsPerService} jobs per service, speed ${options.speed}`
      : `your account ${runner.accountId || '(account unknown)'} in ${runner.region}`;
  const ended = {
    done: 'every job ended and every event was delivered',
    cycles: `after ${options.cycles ?? 0} cycles`,
    stopped: 'stopped',
    timeout: `gave up after the ${options.timeoutSeconds} s timeout`,
  }[outcome];
  lines.push(
    paint(style, 'bold', `Local mode summary (${how})`),
    `${runner.cycle} poll cycles every ${options.intervalSeconds} s in ${duration(elapsed)}: ${ended}.`,
    '',
    ...statusTable(runner, style),
    '',
  );

  const perService = SERVICE_IDS.filter((service) => runner.services.has(service)).map((service) => {
    const stats = runner.services.get(service);
    const calls = runner.simulator?.calls.get(service);
    const parts = [
      `${stats?.transitions ?? 0} transitions`,
      `${stats?.describes ?? 0} describes`,
      `cycle avg ${stats && stats.cycles > 0 ? Math.round(stats.totalMs / stats.cycles) : 0} ms, max ${stats?.maxMs ?? 0} ms`,
    ];
    if (calls) parts.push(`${calls.calls} API calls, ${calls.throttled} throttled (retried by the SDK)`);
    const errors = Object.entries(stats?.errors ?? {}).map(([kind, n]) => `${n} ${kind}`);
    if (stats?.crashes) errors.push(`${stats.crashes} failed invocations`);
    if (errors.length > 0) parts.push(paint(style, 'red', `errors: ${errors.join(', ')}`));
    return `  ${service.padEnd(17)} ${parts.join(' · ')}`;
  });
  lines.push(paint(style, 'bold', 'Pollers'), ...perService, '');

  const transitions = runner.history.filter((record) => record.kind === 'transition').length;
  const stalls = runner.history.filter((record) => record.kind === 'stall').length;
  lines.push(
    paint(style, 'bold', 'History and events'),
    `  recorded ${plural(transitions, 'status change')} and ${plural(stalls, 'stall')}; events: ${eventsLine(runner)}`,
  );
  if (runner.relay && !options.bus) lines.push(`  subscriptions: ${subscriptionCounts(runner)}`);
  if (verification) {
    const ok = verification.problems.length === 0;
    lines.push(
      ok
        ? paint(
            style,
            'green',
            `  ✓ checked against the simulator: all ${plural(verification.jobs, 'job')}, ${plural(verification.transitions, 'transition')} and ${plural(verification.stalls, 'stall')} recorded and published exactly once`,
          )
        : paint(style, 'red', `  ✗ ${verification.problems.length} differences from the simulator:`),
      ...verification.problems.slice(0, 20).map((problem) => `    ${problem}`),
    );
  }
  if (runner.errors.length > 0) {
    lines.push(
      `  ${runner.errors.length} errors during the run; the last: ${runner.errors.at(-1)?.source}: ${runner.errors.at(-1)?.message}`,
    );
  }
  lines.push('', paint(style, 'bold', 'Where the history is'), ...whereIsHistory(runner));
  return lines.join('\n');
}

/** Where the table is and the commands that read it after the run. */
export function whereIsHistory(runner: LocalRunner): string[] {
  const options = runner.options;
  const table = runner.tableName;
  if (options.table) {
    return [
      `  your table ${table} in ${runner.region}:`,
      `    npx job-status changes --since 1h --table ${table} --region ${runner.region}`,
      `    npm run report -- --table ${table} --region ${runner.region} --since 1d --out reports/account.html`,
    ];
  }
  if (!options.dataDir) {
    return [
      `  table ${table} lived in DynamoDB Local's memory and ended with this run.`,
      '  Keep it with --data-dir, e.g.: npm start -- --once --data-dir .local/run --reset',
    ];
  }
  return [
    `  table ${table} in DynamoDB Local's files under ${options.dataDir}`,
    `    npm run report -- --data-dir ${options.dataDir} --out reports/local.html`,
    `    npm start -- --serve --data-dir ${options.dataDir} --port 8000     # then, in another terminal:`,
    `    npx job-status changes --since 1d --table ${table} --endpoint-url http://127.0.0.1:8000`,
  ];
}
