import type { HistoryRecord } from '../../lambdas/core/history.js';
import {
  clip,
  duration,
  eventsLine,
  paint,
  recordLine,
  type Style,
  statusTable,
  subscriptionCounts,
} from './format.js';
import type { LocalRunner, RunError } from './runner.js';

/** Where the view writes: a terminal (with its width and height) or any stream. */
export interface Screen {
  write(text: string): void;
  readonly columns?: number;
  readonly rows?: number;
}

/**
 * The live terminal view: redrawn in place (alternate screen, cursor hidden) after every cycle, every
 * recorded change and every second. No dependencies: a handful of ANSI sequences.
 */
export class LiveView {
  private readonly recent: HistoryRecord[] = [];
  private readonly errors: RunError[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private status = '';

  constructor(
    private readonly runner: LocalRunner,
    private readonly screen: Screen,
    private readonly style: Style,
  ) {
    runner.listen({
      record: (record) => {
        this.recent.push(record);
        if (this.recent.length > 200) this.recent.splice(0, 100);
        this.soon();
      },
      error: (error) => {
        this.errors.push(error);
        if (this.errors.length > 50) this.errors.splice(0, 25);
        this.soon();
      },
      event: () => this.soon(),
      cycle: () => this.soon(),
    });
  }

  start(): void {
    this.screen.write('\x1b[?1049h\x1b[?25l');
    this.draw();
    this.timer = setInterval(() => this.draw(), 1000);
  }

  /** A line at the bottom (e.g. "stopping…"). */
  say(status: string): void {
    this.status = status;
    this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    this.screen.write('\x1b[?25h\x1b[?1049l');
  }

  /** At most one redraw per 150 ms, however many changes arrive. */
  private soon(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.draw();
    }, 150);
  }

  private draw(): void {
    const width = Math.max(60, this.screen.columns ?? 120);
    const height = Math.max(20, this.screen.rows ?? 40);
    const lines = this.lines(height);
    this.screen.write(`\x1b[H${lines.map((line) => `${clip(line, width)}\x1b[K`).join('\n')}\x1b[J`);
  }

  lines(height: number): string[] {
    const { runner, style } = this;
    const options = runner.options;
    const head =
      options.mode === 'simulator'
        ? `simulator · seed ${options.seed} · ${options.jobsPerService} jobs/service · speed ${options.speed}`
        : `your account ${runner.accountId || '?'} · ${runner.region}`;
    const lines = [
      `${paint(style, 'bold', 'job-status-aggregator · local mode')} · ${head}   ${paint(style, 'bold', `cycle ${runner.cycle}`)} every ${options.intervalSeconds} s · ${duration(Date.now() - runner.startedAt.getTime())}`,
      paint(
        style,
        'dim',
        runner.dynamoEndpoint
          ? `table ${runner.tableName} @ DynamoDB Local ${runner.dynamoEndpoint}`
          : `table ${runner.tableName} (your deployed table, ${runner.region})`,
      ),
      '',
      ...statusTable(runner, style),
      '',
      `${paint(style, 'bold', 'events')}    ${eventsLine(runner)}`,
    ];
    if (runner.relay && !options.bus)
      lines.push(paint(style, 'dim', `          ${subscriptionCounts(runner)}`));
    const simulator = runner.simulator;
    if (simulator) {
      const arrived = simulator.watchedJobs().length;
      const planned = simulator.jobs().filter((job) => !job.finishedBeforeStart).length;
      const throttled = [...simulator.calls.values()].reduce((sum, stats) => sum + stats.throttled, 0);
      const calls = [...simulator.calls.values()].reduce((sum, stats) => sum + stats.calls, 0);
      const done = simulator.allFinished() ? paint(style, 'green', ' · every simulated job has ended') : '';
      lines.push(
        `${paint(style, 'bold', 'services')}  ${arrived}/${planned} jobs submitted · ${calls} API calls, ${throttled} throttled and retried${done}`,
      );
    }
    if (runner.dynamoEndpoint) {
      lines.push(
        paint(
          style,
          'dim',
          `query    npx job-status running --table ${runner.tableName} --endpoint-url ${runner.dynamoEndpoint}`,
        ),
      );
    }
    const errorLines = this.errors
      .slice(-3)
      .map((error) => paint(style, 'red', `${error.at.slice(11, 19)}  ${error.source}: ${error.message}`));
    const footer = [
      '',
      ...(errorLines.length > 0 ? [paint(style, 'bold', 'errors'), ...errorLines, ''] : []),
      paint(style, 'dim', this.status || 'Ctrl-C or q: stop, relay the last events and print the summary'),
    ];
    const room = Math.max(3, height - lines.length - footer.length - 2);
    lines.push('', paint(style, 'bold', 'recent changes'));
    const shown = this.recent.slice(-room);
    if (shown.length === 0) lines.push(paint(style, 'dim', 'waiting for the first poll cycle…'));
    lines.push(...shown.map((record) => recordLine(record, style)));
    return [...lines, ...footer];
  }
}

/** Line output for pipes, CI and `--once`: one line per change and per error, nothing redrawn. */
export function attachLineOutput(runner: LocalRunner, write: (line: string) => void, style: Style): void {
  runner.listen({
    record: (record) => write(recordLine(record, style)),
    error: (error) =>
      write(paint(style, 'red', `${error.at.slice(11, 19)}  ! ${error.source}: ${error.message}`)),
  });
}
