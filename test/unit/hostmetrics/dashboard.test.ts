/**
 * The community "Node Exporter Full" dashboard (../shared/dashboards/node-exporter-full.json,
 * Grafana 1860) against Lookout's host collector, side by side with node_exporter 1.5 on this
 * host: four collections of each (stored 15 s apart, as the `node` job scrapes) go into two heads,
 * and every panel query is evaluated by Lookout's engine with the dashboard's variables set
 * (`$job` = node, `$node` = the instance, `$__rate_interval` = 1m).
 *
 * Printed: how many queries return data on node_exporter's series and on Lookout's, and the
 * queries only node_exporter answers with the metrics behind them. Asserted: every query that
 * returns data on node_exporter's series and uses only metrics of collectors Lookout implements
 * also returns data on Lookout's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParser, EntryType } from '../../../src/exposition/index.js';
import { COLLECTOR_NAMES, DEFAULT_MOUNT_POINTS_EXCLUDE, HostCollector } from '../../../src/hostmetrics/index.js';
import { fromObject, toObject } from '../../../src/model/labels.js';
import { Engine, parseExpr, walk } from '../../../src/promql/index.js';
import { Head } from '../../../src/tsdb/head.js';
import { freePort, haveProgram, ROOT, waitFor } from '../../support/processes.js';

const BINARY = '/usr/bin/prometheus-node-exporter';
const DASHBOARD = join(ROOT, '..', 'shared', 'dashboards', 'node-exporter-full.json');
const T0 = 1_700_000_000_000;
const STEP = 15_000;
const SCRAPES = 4;

interface Panel {
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every panel query of the dashboard, in panel order. */
function dashboardQueries(): string[] {
  const out: string[] = [];
  const visit = (p: Panel) => {
    for (const t of p.targets ?? []) if (t.expr) out.push(t.expr);
    for (const c of p.panels ?? []) visit(c);
  };
  for (const p of (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels) visit(p);
  return out;
}

/** Stores one text body in `head` at `t` with the target labels of the `node` job. */
function store(head: Head, body: string, t: number, instance: string): void {
  const app = head.appender();
  const p = createParser(Buffer.from(body), 'text');
  for (let e = p.next(); e !== EntryType.EOF; e = p.next()) {
    if (e !== EntryType.Series) continue;
    const ls = { ...toObject(p.labels()), instance, job: 'node' };
    app.append(app.seriesRef(fromObject(ls)), t, p.value());
  }
  app.commit();
}

/** Metric names a query selects. */
function metricNames(expr: string): string[] {
  const names = new Set<string>();
  walk(parseExpr(expr), (n) => {
    if (n.type === 'VectorSelector' && n.name !== '') names.add(n.name);
  });
  return [...names];
}

describe.skipIf(!haveProgram(BINARY))('Node Exporter Full dashboard on Lookout vs node_exporter 1.5', () => {
  const engine = new Engine();
  const theirs = new Head();
  const ours = new Head();
  /** Family name → the node_exporter collector that exposes it. */
  const collectorOf = new Map<string, string>();
  let child: ChildProcess | undefined;
  const queries = dashboardQueries();
  const results: { expr: string; theirs: boolean; ours: boolean; names: string[] }[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}/metrics`;
    // node_exporter's default collectors, with upstream defaults where Debian's build differs.
    child = spawn(BINARY, [`--web.listen-address=127.0.0.1:${port}`, '--collector.netdev.device-exclude=', `--collector.filesystem.mount-points-exclude=${DEFAULT_MOUNT_POINTS_EXCLUDE}`, '--collector.textfile.directory='], {
      stdio: 'ignore',
    });
    await waitFor('node_exporter', 30_000, async () => (await fetch(base)).ok);
    const lookout = new HostCollector();
    for (let i = 0; i < SCRAPES; i++) {
      store(theirs, await (await fetch(base)).text(), T0 + i * STEP, 'ne:9100');
      store(ours, await lookout.collect(), T0 + i * STEP, 'lookout:9100');
    }
    const enabled = /node_scrape_collector_success\{collector="([^"]+)"\}/g;
    const all = await (await fetch(base)).text();
    for (const [, collector] of all.matchAll(enabled)) {
      const body = await (await fetch(`${base}?collect[]=${collector}`)).text();
      for (const [, name] of body.matchAll(/^# TYPE (\S+)/gm)) if (!name!.startsWith('node_scrape_collector_')) collectorOf.set(name!, collector!);
    }
    const t = T0 + (SCRAPES - 1) * STEP;
    const answers = (head: Head, expr: string, instance: string) => {
      const q = expr.replaceAll('$node', instance).replaceAll('$job', 'node').replaceAll('$__rate_interval', '1m');
      const v = engine.instantQuery(head, q, t).value;
      return (v.type === 'vector' && v.samples.length > 0) || v.type === 'scalar';
    };
    for (const expr of queries) {
      const names = metricNames(expr.replaceAll('$__rate_interval', '1m'));
      results.push({ expr, names, theirs: answers(theirs, expr, 'ne:9100'), ours: answers(ours, expr, 'lookout:9100') });
    }
    const answeredByThem = results.filter((r) => r.theirs);
    const both = answeredByThem.filter((r) => r.ours);
    const missing = new Map<string, number>();
    for (const r of answeredByThem.filter((r) => !r.ours)) {
      const cs = [...new Set(r.names.map((n) => collectorOf.get(n) ?? '?'))].join('+');
      missing.set(cs, (missing.get(cs) ?? 0) + 1);
    }
    console.log(
      [
        `dashboard queries: ${queries.length}`,
        `return data on node_exporter 1.5 (default collectors): ${answeredByThem.length}`,
        `return data on Lookout: ${results.filter((r) => r.ours).length} (${both.length} of node_exporter's ${answeredByThem.length}, ${((100 * both.length) / answeredByThem.length).toFixed(1)}%)`,
        'answered only by node_exporter, by collector behind them:',
        ...[...missing].sort((a, b) => b[1] - a[1]).map(([c, n]) => `  ${c}: ${n}`),
      ].join('\n'),
    );
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('evaluates every query of the dashboard', () => {
    expect(results).toHaveLength(queries.length);
    expect(queries.length).toBeGreaterThan(200);
  });

  it('answers every query node_exporter answers whose metrics come from collectors Lookout implements', () => {
    const implemented = new Set<string>(COLLECTOR_NAMES);
    const gaps = results
      .filter((r) => r.theirs && !r.ours)
      .filter((r) => r.names.length > 0 && r.names.every((n) => implemented.has(collectorOf.get(n) ?? '')))
      .map((r) => r.expr);
    expect(gaps).toEqual([]);
  });

  it('answers the queries of the dashboard header (CPU busy, load, RAM, swap, root fs, CPU cores, uptime)', () => {
    expect(results.slice(4, 15).map((r) => [r.expr.slice(0, 40), r.ours])).toEqual(results.slice(4, 15).map((r) => [r.expr.slice(0, 40), true]));
  });
});
