/**
 * The backtest's notification counts side by side with the real Alertmanager 0.25: the same
 * alerts (firing and resolving on a schedule) are posted to `prometheus-alertmanager`, whose
 * webhook notifications are recorded, and given to the backtest's simulation of routing, grouping
 * and the notification log. Both must notify the same groups the same number of times, each
 * notification within 2 s of the other's (group_interval is 4 s).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Route } from '../../src/alertmanager/route.js';
import { parseAlertmanagerConfig } from '../../src/config/alertmanager.js';
import type { AlertHistory } from '../../src/rules/backtest/evaluate.js';
import { simulateNotifications } from '../../src/rules/backtest/notify.js';
import { freePort, haveProgram, startProgram, stopAll, waitFor } from '../support/processes.js';

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const hasAlertmanager = haveProgram(ALERTMANAGER);

/** Alerts and their firing periods, in seconds from the start. */
const SCHEDULE: { labels: Record<string, string>; from: number; to: number }[] = [
  { labels: { alertname: 'A', i: '1' }, from: 0, to: 10.5 },
  { labels: { alertname: 'B' }, from: 1, to: 3.5 },
  { labels: { alertname: 'A', i: '2' }, from: 2, to: 19.5 },
];
const END_S = 23;

let dir = '';
let sink: Server | undefined;

afterAll(async () => {
  await stopAll();
  sink?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasAlertmanager)('notification counts as Alertmanager 0.25', () => {
  it('notifies the same groups as often, at the same times', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-backtest-am-'));
    const received: { at: number; group: string }[] = [];
    sink = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ at: Date.now(), group: (JSON.parse(body) as { groupLabels: Record<string, string> }).groupLabels.alertname! });
        res.end();
      });
    });
    await new Promise<void>((r) => sink!.listen(0, '127.0.0.1', r));
    const a = sink.address();
    const sinkPort = typeof a === 'object' && a ? a.port : 0;
    const config = `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 4s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:${sinkPort}/
        send_resolved: true
`;
    writeFileSync(join(dir, 'am.yml'), config);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    startProgram(ALERTMANAGER, [
      `--config.file=${join(dir, 'am.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ]);
    await waitFor('alertmanager ready', 30_000, async () => (await fetch(`${base}/-/ready`)).ok);

    const post = async (labels: Record<string, string>, endsAt: number) => {
      const res = await fetch(`${base}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ labels, endsAt: new Date(endsAt).toISOString() }]),
      });
      expect(res.status).toBe(200);
    };
    const events = SCHEDULE.flatMap((s) => [
      { at: s.from, s, firing: true },
      { at: s.to, s, firing: false },
    ]).sort((x, y) => x.at - y.at);
    const start = Date.now();
    const history = new Map<(typeof SCHEDULE)[number], AlertHistory>();
    for (const e of events) {
      const wait = start + e.at * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const now = Date.now();
      await post(e.s.labels, e.firing ? now + 3600_000 : now);
      if (e.firing) history.set(e.s, { alertname: e.s.labels.alertname!, labels: e.s.labels, firings: [{ startMs: now, endMs: null }] });
      else history.get(e.s)!.firings[0]!.endMs = now;
    }
    await new Promise((r) => setTimeout(r, start + END_S * 1000 - Date.now()));

    const route = new Route(parseAlertmanagerConfig(config, 'am.yml').route);
    const simulated = simulateNotifications(route, [...history.values()], { toMs: start + END_S * 1000 });
    const real = (group: string) => received.filter((r) => r.group === group).map((r) => r.at);
    // A: A1 at 1 s, A2 joins (5 s), A1 resolved (13 s), all resolved (21 s); B: at 2 s, resolved at 6 s.
    expect(simulated.map((g) => [g.groupLabels.alertname, g.times.length])).toEqual([
      ['A', 4],
      ['B', 2],
    ]);
    for (const g of simulated) {
      const got = real(g.groupLabels.alertname!);
      expect(got.length, `notifications of group ${g.groupLabels.alertname}`).toBe(g.times.length);
      g.times.forEach((t, i) => expect(Math.abs(got[i]! - t), `notification ${i} of ${g.groupLabels.alertname}`).toBeLessThanOrEqual(2000));
    }
  }, 90_000);
});
