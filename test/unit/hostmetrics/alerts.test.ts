/**
 * The article's system alerts (config/alerts.yml: HighCPUUsage, DiskAlmostFull, HighMemoryUsage)
 * evaluated by Lookout's PromQL engine over two collections of Lookout's host collector on this
 * host, stored one minute apart as the `node` job would scrape them. Each alert's expression must
 * evaluate, and the side of its threshold comparison (the measured quantity) must return one
 * sample per instance/filesystem, within the quantity's range — so the alerts can fire on real data
 * and stay silent otherwise.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { createParser, EntryType } from '../../../src/exposition/index.js';
import { HostCollector } from '../../../src/hostmetrics/index.js';
import { fromPairs } from '../../../src/model/labels.js';
import { Engine, parseExpr, unwrapParens } from '../../../src/promql/index.js';
import type { QueryValue } from '../../../src/promql/value.js';
import { Head } from '../../../src/tsdb/head.js';
import { ROOT } from '../../support/processes.js';

const T0 = 1_700_000_000_000;
const T1 = T0 + 60_000;

interface AlertRule {
  alert: string;
  expr: string;
}

/** The `system` group's alerting rules of config/alerts.yml, by name. */
function systemAlerts(): Map<string, string> {
  const doc = parseYaml(readFileSync(join(ROOT, 'config', 'alerts.yml'), 'utf8')) as { groups: { name: string; rules: AlertRule[] }[] };
  const group = doc.groups.find((g) => g.name === 'system')!;
  return new Map(group.rules.map((r) => [r.alert, r.expr]));
}

/** Appends one collection to the head at `t`, with the target labels of the default `node` job. */
function store(head: Head, body: string, t: number): void {
  const app = head.appender();
  const p = createParser(Buffer.from(body), 'text');
  for (let e = p.next(); e !== EntryType.EOF; e = p.next()) {
    if (e !== EntryType.Series) continue;
    const ls = [...p.labels(), 'instance', 'localhost:9100', 'job', 'node'];
    const pairs: string[] = [];
    const order = Array.from({ length: ls.length / 2 }, (_, i) => i).sort((a, b) => (ls[2 * a]! < ls[2 * b]! ? -1 : 1));
    for (const i of order) pairs.push(ls[2 * i]!, ls[2 * i + 1]!);
    app.append(app.seriesRef(fromPairs(pairs)), t, p.value());
  }
  app.commit();
}

function samples(v: QueryValue): { labels: Record<string, string>; v: number }[] {
  if (v.type !== 'vector') throw new Error(`expected a vector, got ${v.type}`);
  return v.samples.map((s) => {
    const labels: Record<string, string> = {};
    for (let i = 0; i < s.labels.length; i += 2) labels[s.labels[i]!] = s.labels[i + 1]!;
    return { labels, v: s.v };
  });
}

describe("the article's system alerts on Lookout's host collector", () => {
  const head = new Head();
  const engine = new Engine();
  const alerts = systemAlerts();

  beforeAll(async () => {
    const c = new HostCollector();
    store(head, await c.collect(), T0);
    await new Promise((r) => setTimeout(r, 200));
    store(head, await c.collect(), T1);
  });

  /** The alert's expression and the measured side of its top-level comparison. */
  function measured(name: string): { full: string; quantity: string } {
    const full = alerts.get(name);
    expect(full, `${name} in config/alerts.yml`).toBeDefined();
    const top = unwrapParens(parseExpr(full!));
    if (top.type !== 'BinaryExpr' || !['>', '<'].includes(top.op)) throw new Error(`${name}: not a threshold comparison`);
    return { full: full!, quantity: full!.slice(top.lhs.pos.start, top.lhs.pos.end) };
  }

  it('HighCPUUsage: CPU busy percent per instance, 0–100', () => {
    const { full, quantity } = measured('HighCPUUsage');
    const got = samples(engine.instantQuery(head, quantity, T1).value);
    expect(got.map((s) => s.labels)).toEqual([{ instance: 'localhost:9100' }]);
    expect(got[0]!.v).toBeGreaterThanOrEqual(0);
    expect(got[0]!.v).toBeLessThanOrEqual(100);
    expect(engine.instantQuery(head, full, T1).value.type).toBe('vector');
  });

  it('DiskAlmostFull: available share per filesystem, 0–1', () => {
    const { full, quantity } = measured('DiskAlmostFull');
    const got = samples(engine.instantQuery(head, quantity, T1).value);
    expect(got.length).toBeGreaterThan(0);
    for (const s of got) {
      expect(Object.keys(s.labels).sort()).toEqual(['device', 'fstype', 'instance', 'job', 'mountpoint']);
      expect(s.v).toBeGreaterThanOrEqual(0);
      expect(s.v).toBeLessThanOrEqual(1);
    }
    expect(got.map((s) => s.labels.mountpoint)).toContain('/');
    expect(engine.instantQuery(head, full, T1).value.type).toBe('vector');
  });

  it('HighMemoryUsage: used memory share, 0–1', () => {
    const { full, quantity } = measured('HighMemoryUsage');
    const got = samples(engine.instantQuery(head, quantity, T1).value);
    expect(got.map((s) => s.labels)).toEqual([{ instance: 'localhost:9100', job: 'node' }]);
    expect(got[0]!.v).toBeGreaterThan(0);
    expect(got[0]!.v).toBeLessThan(1);
    expect(engine.instantQuery(head, full, T1).value.type).toBe('vector');
  });
});
