/**
 * Series coverage against the real node_exporter 1.5 on this host: for every collector the issue
 * names (and the others Lookout implements), which of node_exporter's series (name and label set)
 * Lookout's collector also exposes.
 * node_exporter runs once with those collectors enabled and is asked for one collector at a time
 * (`/metrics?collect[]=<name>`); its own `go_*`/`process_*`/`promhttp_*`/build series and the
 * `node_scrape_collector_*` series are left out. Prints a table per collector and the totals.
 *
 * Asserted: every collector Lookout implements covers ≥ 95% of node_exporter's series, Lookout
 * exposes no series node_exporter lacks, counters read after node_exporter's are not lower
 * (monotone), and ≥ 95% of the values agree within a tolerance (see `agree`; the machine is live,
 * so a few gauges may move between the two reads). Collectors Lookout lacks are printed as such.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTOR_NAMES, DEFAULT_MOUNT_POINTS_EXCLUDE, HostCollector } from '../../../src/hostmetrics/index.js';
import { freePort, haveProgram, waitFor } from '../../support/processes.js';

const BINARY = '/usr/bin/prometheus-node-exporter';

/** The collectors issue 7 asks for (node_exporter names). */
const ISSUE_COLLECTORS = [
  'cpu',
  'cpufreq',
  'diskstats',
  'entropy',
  'filefd',
  'filesystem',
  'loadavg',
  'meminfo',
  'netdev',
  'netstat',
  'os',
  'pressure',
  'sockstat',
  'stat',
  'textfile',
  'time',
  'uname',
  'vmstat',
];

/** The issue's collectors, then the other collectors Lookout implements. */
const COLLECTORS = [...ISSUE_COLLECTORS, ...COLLECTOR_NAMES.filter((c) => !ISSUE_COLLECTORS.includes(c))];

const NOT_COLLECTOR_SERIES = /^(go_|process_|promhttp_|node_exporter_build_info|node_scrape_collector_)/;

/** Series of a text body: `name{labels}` → value, with the family type of each. */
function series(body: string): { values: Map<string, number>; types: Map<string, string> } {
  const values = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of body.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
    } else if (line !== '' && !line.startsWith('#') && !NOT_COLLECTOR_SERIES.test(line)) {
      const cut = line.lastIndexOf(' ');
      values.set(line.slice(0, cut), Number(line.slice(cut + 1)));
    }
  }
  return { values, types };
}

function familyOf(key: string): string {
  const brace = key.indexOf('{');
  return brace < 0 ? key : key.slice(0, brace);
}

interface Row {
  collector: string;
  implemented: boolean;
  theirs: number;
  covered: number;
  extra: string[];
  notCovered: string[];
  counterDecreases: string[];
  /** Covered series whose values agree (see {@link agree}). */
  agreeing: number;
  disagreeing: string[];
}

/**
 * Whether Lookout's value (read just after node_exporter's) agrees with node_exporter's: counters
 * may only have grown, by at most 2% or 1000; gauges and untyped values may differ by 2% or 1.
 */
function agree(type: string | undefined, theirs: number, ours: number): boolean {
  if (Number.isNaN(theirs) || Number.isNaN(ours)) return Number.isNaN(theirs) && Number.isNaN(ours);
  const scale = Math.max(Math.abs(theirs), Math.abs(ours));
  if (type === 'counter') return ours >= theirs && ours - theirs <= Math.max(0.02 * scale, 1000);
  return Math.abs(ours - theirs) <= Math.max(0.02 * scale, 1);
}

describe.skipIf(!haveProgram(BINARY))('series coverage against node_exporter 1.5 on this host', () => {
  let child: ChildProcess | undefined;
  let base = '';
  const rows: Row[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(
      BINARY,
      [
        `--web.listen-address=127.0.0.1:${port}`,
        '--collector.disable-defaults',
        ...COLLECTORS.map((c) => `--collector.${c}`),
        // Upstream 1.5 defaults where Debian's build changes them (see node-exporter.test.ts).
        '--collector.netdev.device-exclude=',
        `--collector.filesystem.mount-points-exclude=${DEFAULT_MOUNT_POINTS_EXCLUDE}`,
        '--collector.textfile.directory=',
      ],
      { stdio: 'ignore' },
    );
    await waitFor('node_exporter', 30_000, async () => (await fetch(`${base}/metrics`)).ok);
    const implemented = new Set<string>(COLLECTOR_NAMES);
    for (const c of COLLECTORS) {
      const theirs = series(await (await fetch(`${base}/metrics?collect[]=${c}`)).text());
      const ours = implemented.has(c) ? series(await new HostCollector({ collectors: [c] }).collect()) : { values: new Map<string, number>(), types: new Map() };
      const row: Row = { collector: c, implemented: implemented.has(c), theirs: theirs.values.size, covered: 0, extra: [], notCovered: [], counterDecreases: [], agreeing: 0, disagreeing: [] };
      for (const [key, v] of theirs.values) {
        const mine = ours.values.get(key);
        if (mine === undefined) {
          row.notCovered.push(key);
          continue;
        }
        row.covered++;
        const type = theirs.types.get(familyOf(key));
        if (type === 'counter' && mine < v) row.counterDecreases.push(`${key}: ${v} then ${mine}`);
        if (agree(type, v, mine)) row.agreeing++;
        else row.disagreeing.push(`${key}: node_exporter ${v}, Lookout ${mine}`);
      }
      for (const key of ours.values.keys()) if (!theirs.values.has(key)) row.extra.push(key);
      rows.push(row);
    }
    const pct = (a: number, b: number) => (b === 0 ? '   -  ' : `${((100 * a) / b).toFixed(1).padStart(5)}%`);
    const lines = ['collector     node_exporter  Lookout  coverage  values agree'];
    for (const r of rows) {
      lines.push(
        `${r.collector.padEnd(12)}  ${String(r.theirs).padStart(13)}  ${String(r.covered).padStart(7)}  ${pct(r.covered, r.theirs)}    ${pct(r.agreeing, r.covered)}${r.implemented ? '' : '  (not implemented)'}`,
      );
    }
    const sum = (rs: Row[], f: (r: Row) => number) => rs.reduce((a, r) => a + f(r), 0);
    const impl = rows.filter((r) => r.implemented);
    lines.push(`implemented   ${String(sum(impl, (r) => r.theirs)).padStart(13)}  ${String(sum(impl, (r) => r.covered)).padStart(7)}  ${pct(sum(impl, (r) => r.covered), sum(impl, (r) => r.theirs))}`);
    const issue = rows.filter((r) => ISSUE_COLLECTORS.includes(r.collector));
    lines.push(`issue's list  ${String(sum(issue, (r) => r.theirs)).padStart(13)}  ${String(sum(issue, (r) => r.covered)).padStart(7)}  ${pct(sum(issue, (r) => r.covered), sum(issue, (r) => r.theirs))}`);
    const disagreeing = rows.flatMap((r) => r.disagreeing);
    if (disagreeing.length > 0) lines.push('values that differ beyond the tolerance:', ...disagreeing.map((d) => `  ${d}`));
    console.log(lines.join('\n'));
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('lists every collector of the issue, then the others Lookout implements', () => {
    expect(rows.map((r) => r.collector)).toEqual(COLLECTORS);
    expect(COLLECTORS.slice(0, ISSUE_COLLECTORS.length)).toEqual(ISSUE_COLLECTORS);
  });

  it('covers ≥ 95% of node_exporter series for every implemented collector', () => {
    for (const r of rows.filter((r) => r.implemented && r.theirs > 0)) {
      expect({ collector: r.collector, ok: r.covered / r.theirs >= 0.95, missing: r.notCovered.slice(0, 10) }).toEqual({ collector: r.collector, ok: true, missing: r.notCovered.slice(0, 10) });
    }
  });

  it('agrees on ≥ 95% of the values (counters grew by ≤ 2% or 1000, gauges within 2% or 1), printed per collector', () => {
    const covered = rows.reduce((a, r) => a + r.covered, 0);
    const agreeing = rows.reduce((a, r) => a + r.agreeing, 0);
    expect(agreeing / covered).toBeGreaterThanOrEqual(0.95);
  });

  it('exposes no series node_exporter lacks', () => {
    expect(rows.flatMap((r) => r.extra)).toEqual([]);
  });

  it('never reads a counter lower than node_exporter read it just before', () => {
    expect(rows.flatMap((r) => r.counterDecreases)).toEqual([]);
  });
});
