import {
  addFigures,
  callsOf,
  emptyPollerFigures,
  type PollerFigures,
  type ScenarioResult,
  type ServiceResult,
} from './results.js';

/** Markdown tables, so the output can go into BENCHMARKS.md as it is. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
  return lines.join('\n');
}

export const int = (value: number): string => Math.round(value).toLocaleString('en-US');
export const dec = (value: number, digits = 1): string =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';
export const ratio = (a: number, b: number): string => (b > 0 ? dec(a / b, 2) : a > 0 ? '∞' : '–');

/** Per-cycle figures of one service (sums divided by the cycles), and a total row. */
function perCycle(scenario: ScenarioResult): {
  rows: (ServiceResult & { label: string })[];
  total: ServiceResult & { label: string };
} {
  const divide = (figures: PollerFigures | undefined): PollerFigures | undefined => {
    if (!figures) return undefined;
    const out = emptyPollerFigures();
    for (const key of Object.keys(out) as (keyof PollerFigures)[]) out[key] = figures[key] / scenario.cycles;
    return out;
  };
  const rows = scenario.services.map((service) => ({
    ...service,
    label: service.service,
    transitions: service.transitions / scenario.cycles,
    lowerBoundPages: service.lowerBoundPages / scenario.cycles,
    lowerBoundTotal: service.lowerBoundTotal / scenario.cycles,
    ours: divide(service.ours) as PollerFigures,
    naive: divide(service.naive),
  }));
  const ours = emptyPollerFigures();
  const naive = emptyPollerFigures();
  for (const row of rows) {
    addFigures(ours, row.ours);
    if (row.naive) addFigures(naive, row.naive);
  }
  const total = {
    label: '**total**',
    service: rows[0]?.service ?? 'healthlake',
    speedup: 0,
    active: rows.reduce((sum, row) => sum + row.active, 0),
    finished: rows.reduce((sum, row) => sum + row.finished, 0),
    transitions: rows.reduce((sum, row) => sum + row.transitions, 0),
    lowerBoundPages: rows.reduce((sum, row) => sum + row.lowerBoundPages, 0),
    lowerBoundTotal: rows.reduce((sum, row) => sum + row.lowerBoundTotal, 0),
    fullListingPages: rows.reduce((sum, row) => sum + row.fullListingPages, 0),
    ours,
    naive: rows.some((row) => row.naive) ? naive : undefined,
  } satisfies ServiceResult & { label: string };
  return { rows, total };
}

export function printScenario(scenario: ScenarioResult, baseline: ScenarioResult | undefined): void {
  const title =
    scenario.finishedRatio > 0
      ? `${int(scenario.size)} active jobs per service, with ${int(scenario.size * scenario.finishedRatio)} finished jobs each (×${scenario.finishedRatio})`
      : `${int(scenario.size)} active jobs per service, no finished jobs`;
  console.log(`\n## ${title}\n`);
  const { rows, total } = perCycle(scenario);
  const all = [...rows, total];

  console.log('Our poller, API calls per cycle:\n');
  console.log(
    table(
      [
        'service',
        'transitions',
        'list pages',
        'describes',
        'of which progress refreshes',
        'calls',
        'lower bound',
        'calls / bound',
        'without refreshes / bound',
      ],
      all.map((row) => {
        const f = row.ours;
        return [
          row.label,
          int(row.transitions),
          int(f.listCalls + f.scopeCalls),
          int(f.describeCalls),
          int(f.refreshDescribes),
          int(callsOf(f)),
          int(row.lowerBoundTotal),
          ratio(callsOf(f), row.lowerBoundTotal),
          ratio(callsOf(f) - f.refreshDescribes, row.lowerBoundTotal),
        ];
      }),
    ),
  );
  console.log('\nOur poller, DynamoDB, events and time per cycle:\n');
  console.log(
    table(
      [
        'service',
        'write units',
        'WU / transition',
        'of which history WU',
        'bytes per current / history item',
        'unchanged jobs written',
        'events / transitions',
        'read units',
        'cycle s',
        'of which local s',
        'quota bound s',
        'time / bound',
        'refused by quota / reached poller',
        'runs',
      ],
      all.map((row) => {
        const f = row.ours;
        return [
          row.label,
          int(f.writeUnits),
          ratio(f.writeUnits, row.transitions),
          int(f.historyWriteUnits),
          `${int(f.currentItems > 0 ? f.currentBytes / f.currentItems : 0)} / ${int(f.historyItems > 0 ? f.historyBytes / f.historyItems : 0)}`,
          int(f.unchangedWritten),
          `${int(f.events)} / ${int(row.transitions)}`,
          int(f.readUnits),
          dec(f.realMs / 1000),
          dec((f.wallMs - f.serviceWallMs) / 1000),
          dec(f.boundMs / 1000),
          ratio(f.realMs, f.boundMs),
          `${int(f.overQuota)} / ${int(f.throttled)}`,
          row.label === '**total**' ? '' : `${dec(f.runs, 1)}${f.incomplete > 0 ? ' (unfinished)' : ''}`,
        ];
      }),
    ),
  );

  if (total.naive) {
    console.log('\nNaive poller (describe every job one by one, write every snapshot), per cycle:\n');
    console.log(
      table(
        [
          'service',
          'list pages',
          'describes',
          'calls',
          'write units',
          'events / transitions',
          'cycle s',
          'quota bound s',
          'refused by quota / reached poller',
          'other errors',
        ],
        all.map((row) => {
          const f = row.naive ?? emptyPollerFigures();
          return [
            row.label,
            int(f.listCalls + f.scopeCalls),
            int(f.describeCalls),
            int(callsOf(f)),
            int(f.writeUnits),
            `${int(f.events)} / ${int(row.transitions)}`,
            dec(f.realMs / 1000),
            dec(f.boundMs / 1000),
            `${int(f.overQuota)} / ${int(f.throttled)}`,
            int(f.errors),
          ];
        }),
      ),
    );
    console.log('\nOurs / naive:\n');
    console.log(
      table(
        ['service', 'calls', 'write units', 'cycle time'],
        all.map((row) => {
          const naive = row.naive ?? emptyPollerFigures();
          return [
            row.label,
            ratio(callsOf(row.ours), callsOf(naive)),
            ratio(row.ours.writeUnits, naive.writeUnits),
            ratio(row.ours.realMs, naive.realMs),
          ];
        }),
      ),
    );
  }

  if (!total.naive) {
    console.log('\nThe naive poller was not run in this scenario (`--naive-finished-max`, `--no-naive`).');
  }

  if (baseline) {
    const base = perCycle(baseline);
    console.log(
      `\nOur cycle with the finished jobs against the same ${int(scenario.size)} active jobs without them:\n`,
    );
    console.log(
      table(
        [
          'service',
          'calls',
          'calls without',
          'ratio',
          'cycle s',
          'cycle s without',
          'full sweep pages (every 6 h)',
        ],
        all.map((row) => {
          const other =
            row.label === '**total**' ? base.total : base.rows.find((b) => b.service === row.service);
          const without = other?.ours ?? emptyPollerFigures();
          return [
            row.label,
            int(callsOf(row.ours)),
            int(callsOf(without)),
            ratio(callsOf(row.ours), callsOf(without)),
            dec(row.ours.realMs / 1000),
            dec(without.realMs / 1000),
            int(row.fullListingPages),
          ];
        }),
      ),
    );
  }
  console.log(
    `\nBenchmark process during our cycles: CPU ${dec(scenario.ourCpuShare * 100, 0)} % of one core, ` +
      `peak heap ${dec(scenario.ourPeakHeapMb, 0)} MB (${dec(scenario.ourHeapGrowthMb, 0)} MB above the heap before them); during the naive cycles: CPU ${dec(scenario.naiveCpuShare * 100, 0)} %; ` +
      `peak RSS so far ${dec(scenario.maxRssMb, 0)} MB.`,
  );
}
