/**
 * Alert transitions side by side with the real Prometheus (Debian 2.42): both scrape the same
 * target with the same rule file; the target's gauge goes high, then low again. Afterwards each
 * server's own `ALERTS` samples give when every alert turned pending, started firing and last
 * fired, measured from when that server first scraped the change. The same alert series must
 * appear in both, each transition must lie within one evaluation interval of Prometheus's
 * (group evaluation offsets and scrape offsets differ by design), and the durations set by `for`
 * and `keep_firing_for` must hold exactly in both. A backtest over Prometheus's stored history must
 * find its firing periods again, and Lookout loads the SLO rules of `slos.yml` beside its config.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtestRules } from '../../src/rules/backtest/evaluate.js';
import { loadFromPrometheusAPI } from '../../src/rules/backtest/source.js';
import { Head } from '../../src/tsdb/head.js';
import { freePort, haveProgram, LOOKOUT_BIN, query, startNode, startProgram, stopAll, waitFor, QUIET_ALERTMANAGER_FLAG } from '../support/processes.js';

const PROMETHEUS = '/usr/bin/prometheus';
const hasPrometheus = haveProgram(PROMETHEUS);
/** Evaluation interval of the rule group (ms). */
const EVAL_MS = 2000;

const RULES = `groups:
  - name: transitions
    rules:
      - alert: ValueHigh
        expr: transition_value > 5
        for: 4s
        labels: {severity: page}
        annotations: {summary: 'value is {{ $value }}'}
      - alert: ValueHighNow
        expr: transition_value > 5
      - alert: ValueHighSticky
        expr: transition_value > 5
        for: 2s
        keep_firing_for: 4s
`;

let dir: string;
let target: Server;
let value = 0;
const servers: Record<'prometheus' | 'lookout', string> = { prometheus: '', lookout: '' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Raw samples of a range-vector query at `time` (s): one entry per series. */
async function rawSeries(base: string, expr: string, time: number): Promise<{ metric: Record<string, string>; ts: number[]; vs: number[] }[]> {
  const r = await query(base, expr, time);
  if (r.status !== 'success') throw new Error(`${base}: ${expr}: ${JSON.stringify(r)}`);
  return r.data.result.map((s: { metric: Record<string, string>; values: [number, string][] }) => ({
    metric: s.metric,
    ts: s.values.map((v) => Math.round(v[0] * 1000)),
    vs: s.values.map((v) => Number(v[1])),
  }));
}

/** Per ALERTS series (`alertname/alertstate`): first and last sample time (ms) relative to the change times. */
async function transitions(base: string, time: number): Promise<Record<string, { first: number; last: number }>> {
  const [gauge] = await rawSeries(base, 'transition_value[2m]', time);
  if (!gauge) throw new Error(`${base} has no transition_value samples`);
  const up = gauge.ts[gauge.vs.findIndex((v) => v > 5)]!;
  const down = gauge.ts[gauge.vs.findIndex((v, i) => v <= 5 && gauge.ts[i]! > up)]!;
  const out: Record<string, { first: number; last: number }> = {};
  for (const s of await rawSeries(base, 'ALERTS{alertname=~"ValueHigh.*"}[2m]', time)) {
    const { alertname, alertstate, ...rest } = s.metric;
    out[`${alertname}/${alertstate} ${JSON.stringify(rest)}`] = { first: s.ts[0]! - up, last: s.ts[s.ts.length - 1]! - down };
  }
  return out;
}

beforeAll(async () => {
  if (!hasPrometheus) return;
  dir = mkdtempSync(join(tmpdir(), 'lookout-transitions-'));
  target = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`# TYPE transition_value gauge\ntransition_value ${value}\n`),
  );
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const addr = target.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  writeFileSync(join(dir, 'rules.yml'), RULES);
  // Lookout also reads slos.yml beside its config file (Prometheus ignores it).
  writeFileSync(
    join(dir, 'slos.yml'),
    'slos:\n  - service: transitions\n    name: low\n    objective: 99\n    sli:\n      events:\n        good: sum(count_over_time(transition_value[{{.window}}]))\n        total: sum(count_over_time(transition_value[{{.window}}]))\n',
  );
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: {scrape_interval: 500ms, evaluation_interval: ${EVAL_MS / 1000}s}\nrule_files: [rules.yml]\nscrape_configs:\n  - job_name: transitions\n    static_configs: [{targets: ['127.0.0.1:${port}']}]\n`,
  );
  const [pp, lp] = await Promise.all([freePort(), freePort()]);
  servers.prometheus = `http://127.0.0.1:${pp}`;
  servers.lookout = `http://127.0.0.1:${lp}`;
  startProgram(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom')}`, `--web.listen-address=127.0.0.1:${pp}`]);
  startNode(LOOKOUT_BIN, [
    'server',
    QUIET_ALERTMANAGER_FLAG,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'lookout')}`,
    `--web.listen-address=127.0.0.1:${lp}`,
    '--hostmetrics.enable=false',
  ]);
  for (const base of Object.values(servers)) {
    await waitFor(`${base} has scraped and evaluated its rules`, 60_000, async () => {
      const scraped = await query(base, 'count_over_time(transition_value[1m])');
      const rules: any = await (await fetch(`${base}/api/v1/rules`)).json();
      const evaluated = rules?.data?.groups?.[0]?.lastEvaluation ?? '0001-01-01T00:00:00Z';
      return Number(scraped?.data?.result?.[0]?.value?.[1] ?? 0) >= 2 && !evaluated.startsWith('0001');
    });
  }
  value = 10;
  await sleep(14_000);
  value = 0;
  await sleep(12_000);
}, 150_000);

afterAll(async () => {
  await stopAll();
  target?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasPrometheus)('alert transitions as Prometheus 2.42', () => {
  it('has the same ALERTS series, each transition within one evaluation interval', async () => {
    const time = Date.now() / 1000;
    const prom = await transitions(servers.prometheus, time);
    const ours = await transitions(servers.lookout, time);
    const names = Object.keys(prom).sort();
    expect(Object.keys(ours).sort()).toEqual(names);
    expect(names.map((n) => n.split(' ')[0])).toEqual([
      'ValueHigh/firing',
      'ValueHigh/pending',
      'ValueHighNow/firing',
      'ValueHighSticky/firing',
      'ValueHighSticky/pending',
    ]);
    // Within each server the evaluation grid is regular: `for` and `keep_firing_for` hold exactly.
    const key = (server: Record<string, { first: number; last: number }>, prefix: string) =>
      server[Object.keys(server).find((k) => k.startsWith(prefix + ' '))!]!;
    for (const server of [prom, ours]) {
      expect(key(server, 'ValueHigh/firing').first - key(server, 'ValueHigh/pending').first).toBe(4000);
      expect(key(server, 'ValueHighSticky/firing').first - key(server, 'ValueHighSticky/pending').first).toBe(2000);
      expect(key(server, 'ValueHighNow/firing').first).toBe(key(server, 'ValueHigh/pending').first);
      expect(key(server, 'ValueHighSticky/firing').last - key(server, 'ValueHighNow/firing').last).toBe(4000);
    }
    for (const n of names) {
      expect(Math.abs(ours[n]!.first - prom[n]!.first), `${n} starts: Lookout ${ours[n]!.first} ms, Prometheus ${prom[n]!.first} ms after the rise`).toBeLessThanOrEqual(EVAL_MS);
      expect(Math.abs(ours[n]!.last - prom[n]!.last), `${n} ends: Lookout ${ours[n]!.last} ms, Prometheus ${prom[n]!.last} ms after the fall`).toBeLessThanOrEqual(EVAL_MS);
    }
  });
});

describe.skipIf(!hasPrometheus)('backtest', () => {
  it("finds Prometheus's firing periods again from its stored history, within one evaluation interval", async () => {
    const toMs = Date.now();
    const [gauge] = await rawSeries(servers.prometheus, 'transition_value[2m]', toMs / 1000);
    const fromMs = gauge!.ts[0]!;
    const head = new Head();
    await loadFromPrometheusAPI({ url: servers.prometheus, exprs: ['transition_value > 5'], recorded: new Set(), fromMs, toMs, storage: head });
    const r = backtestRules({ storage: head, ruleFiles: [join(dir, 'rules.yml')], fromMs, toMs, defaultIntervalMs: EVAL_MS });
    const live = await rawSeries(servers.prometheus, 'ALERTS{alertstate="firing"}[2m]', toMs / 1000);
    expect(r.alerts.map((a) => a.alertname)).toEqual(['ValueHigh', 'ValueHighNow', 'ValueHighSticky']);
    for (const a of r.alerts) {
      const l = live.find((s) => s.metric.alertname === a.alertname)!;
      expect(a.firings).toHaveLength(1);
      const { startMs, endMs } = a.firings[0]!;
      // The backtest resolves an alert at the first evaluation that no longer fires it.
      expect(Math.abs(startMs - l.ts[0]!), `${a.alertname} fired`).toBeLessThanOrEqual(EVAL_MS);
      expect(Math.abs(endMs! - EVAL_MS - l.ts[l.ts.length - 1]!), `${a.alertname} resolved`).toBeLessThanOrEqual(EVAL_MS);
    }
  });
});

describe.skipIf(!hasPrometheus)('SLO rules', () => {
  it('loads the rules generated from slos.yml beside the config file', async () => {
    const rules: any = await (await fetch(`${servers.lookout}/api/v1/rules`)).json();
    const slo = rules.data.groups.find((g: { name: string }) => g.name === 'slo:transitions:low');
    expect(slo.rules.map((r: { name: string }) => r.name).slice(0, 2)).toEqual(['slo:sli_error:ratio_rate5m', 'slo:sli_error:ratio_rate30m']);
    expect(slo.rules.filter((r: { health: string }) => r.health !== 'ok')).toEqual([]);
    const remaining = await query(servers.lookout, 'slo:error_budget:remaining_ratio');
    expect(remaining.data.result.map((r: { metric: Record<string, string> }) => r.metric)).toEqual([
      { __name__: 'slo:error_budget:remaining_ratio', service: 'transitions', slo: 'low' },
    ]);
  });
});
