/**
 * Side by side with the real Alertmanager 0.25 (`/usr/bin/prometheus-alertmanager`): both get the
 * same config (three child routes, one with `continue`, an inhibit rule) and the same alert
 * sequence — fire, re-send, silenced, inhibited, resolve (which lifts an inhibition), flapping —
 * and send webhooks to local sinks. The notifications must match: same receivers and groups, same
 * alert sets with the same labels, fingerprints and resolved flags, in the same order per group,
 * and each in the same step of the sequence (steps are several group_interval ticks apart, so
 * this is "within one tick" without timing a slow machine). Everything on 127.0.0.1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, haveProgram, LOOKOUT_BIN, startNode, startProgram, stopAll, waitFor } from '../support/processes.js';

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const hasAlertmanager = haveProgram(ALERTMANAGER);

/** ms between the steps of the sequence: several group_interval (1 s) ticks. */
const STEP = 5000;

type Impl = 'real' | 'lookout';
interface Note {
  step: number;
  receiver: string;
  groupKey: string;
  payload: any;
}

let dir = '';
let sink: Server;
let step = 0;
const notes: Record<Impl, Note[]> = { real: [], lookout: [] };
const base: Record<Impl, string> = { real: '', lookout: '' };

function config(sinkURL: string, impl: Impl): string {
  const hook = (name: string) => `  - name: ${name}\n    webhook_configs: [{url: '${sinkURL}/${impl}/${name}'}]\n`;
  return `route:
  receiver: default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: [team="db"]
      receiver: db
      continue: true
    - matchers: [severity="critical"]
      receiver: pager
      group_by: [alertname, team]
    - matchers: ['team=~"web|db"']
      receiver: teams
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [team]
receivers:
${['default', 'db', 'pager', 'teams'].map(hook).join('')}`;
}

beforeAll(async () => {
  if (!hasAlertmanager) return;
  dir = mkdtempSync(join(tmpdir(), 'lookout-am-sbs-'));
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const [, impl, receiver] = req.url!.split('/') as [string, Impl, string];
      const payload = JSON.parse(body);
      notes[impl].push({ step, receiver, groupKey: payload.groupKey, payload });
      res.end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const addr = sink.address();
  const sinkURL = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const [rp, lp] = await Promise.all([freePort(), freePort()]);
  base.real = `http://127.0.0.1:${rp}`;
  base.lookout = `http://127.0.0.1:${lp}`;
  for (const impl of ['real', 'lookout'] as const) writeFileSync(join(dir, `${impl}.yml`), config(sinkURL, impl));
  startProgram(ALERTMANAGER, [
    `--config.file=${join(dir, 'real.yml')}`,
    `--storage.path=${join(dir, 'real')}`,
    `--web.listen-address=127.0.0.1:${rp}`,
    '--cluster.listen-address=',
  ]);
  startNode(LOOKOUT_BIN, ['alertmanager', `--config.file=${join(dir, 'lookout.yml')}`, `--storage.path=${join(dir, 'lookout')}`, `--web.listen-address=127.0.0.1:${lp}`]);
  for (const b of Object.values(base)) await waitFor(`${b} ready`, 30_000, async () => (await fetch(`${b}/-/ready`)).ok);
}, 60_000);

afterAll(async () => {
  await stopAll();
  sink?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** POSTs the same JSON to both; both must accept it. */
async function both(path: string, body: unknown): Promise<void> {
  const res = await Promise.all(
    Object.values(base).map((b) => fetch(`${b}/api/v2${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })),
  );
  expect(res.map((r) => r.status)).toEqual([200, 200]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A notification as compared: everything but the externalURL (each server has its own). */
function normalise(n: Note) {
  const { externalURL: _, ...rest } = n.payload;
  return { step: n.step, receiver: n.receiver, ...rest };
}

/** Notifications by receiver and group, in arrival order within each group. */
function byGroup(list: Note[]): Record<string, ReturnType<typeof normalise>[]> {
  const out: Record<string, ReturnType<typeof normalise>[]> = {};
  for (const n of list) (out[`${n.receiver} ${n.groupKey}`] ??= []).push(normalise(n));
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe.skipIf(!hasAlertmanager)('same notifications as Alertmanager 0.25', () => {
  it('fire, re-send, silenced, inhibited, resolve, flapping over three routes with continue', { timeout: 120_000 }, async () => {
    const t0 = Date.now();
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    const alert = (labels: Record<string, string>, startsAt: string, endsAt?: string) => ({ labels, startsAt, ...(endsAt ? { endsAt } : {}) });
    const disk = alert({ alertname: 'DiskFull', team: 'db', severity: 'critical', instance: 'db1' }, at(0));
    const slow = alert({ alertname: 'DiskSlow', team: 'db', severity: 'warning', instance: 'db1' }, at(0));
    const latency = alert({ alertname: 'HighLatency', team: 'web', severity: 'page', instance: 'web1' }, at(0));
    const muted = alert({ alertname: 'Muted', team: 'web', instance: 'web2' }, at(0));
    const flappy = (startsAt: string, endsAt?: string) => alert({ alertname: 'Flappy', team: 'other', instance: 'x' }, startsAt, endsAt);

    await both('/silences', {
      matchers: [{ name: 'alertname', value: 'Muted', isRegex: false, isEqual: true }],
      startsAt: at(0),
      endsAt: at(3600_000),
      createdBy: 'side-by-side',
      comment: 'silenced alert',
    });
    // Step 0: everything fires; DiskSlow is inhibited by DiskFull (same team), Muted is silenced.
    await both('/alerts', [disk, slow, latency, muted, flappy(at(0))]);
    await sleep(STEP);
    // Step 1: Prometheus re-sends the same alerts: nothing new to notify.
    step = 1;
    await both('/alerts', [disk, slow, latency, muted, flappy(at(0))]);
    await sleep(STEP);
    // Step 2: DiskFull resolves, which lifts the inhibition of DiskSlow.
    step = 2;
    await both('/alerts', [{ ...disk, endsAt: new Date().toISOString() }, slow, latency, muted, flappy(at(0))]);
    await sleep(STEP);
    // Step 3: Flappy resolves; step 4: it fires again (a new occurrence).
    step = 3;
    const flapEnd = new Date().toISOString();
    await both('/alerts', [slow, latency, muted, flappy(at(0), flapEnd)]);
    await sleep(STEP);
    step = 4;
    const again = new Date().toISOString();
    await both('/alerts', [slow, latency, muted, flappy(again)]);
    await sleep(STEP);
    step = 5;

    const real = byGroup(notes.real);
    const ours = byGroup(notes.lookout);
    // The real Alertmanager's answer is what the sequence is meant to exercise.
    const summary = (g: Record<string, ReturnType<typeof normalise>[]>) =>
      Object.fromEntries(Object.entries(g).map(([k, ns]) => [k, ns.map((n) => `${n.step}:${n.status}:${n.alerts.map((a: any) => `${a.labels.alertname}/${a.status}`).join(',')}`)]));
    expect(summary(real)).toEqual({
      'db {}/{team="db"}:{alertname="DiskFull"}': ['0:firing:DiskFull/firing', '2:resolved:DiskFull/resolved'],
      'db {}/{team="db"}:{alertname="DiskSlow"}': ['2:firing:DiskSlow/firing'],
      'default {}:{alertname="Flappy"}': ['0:firing:Flappy/firing', '3:resolved:Flappy/resolved', '4:firing:Flappy/firing'],
      'pager {}/{severity="critical"}:{alertname="DiskFull", team="db"}': ['0:firing:DiskFull/firing', '2:resolved:DiskFull/resolved'],
      'teams {}/{team=~"web|db"}:{alertname="DiskSlow"}': ['2:firing:DiskSlow/firing'],
      'teams {}/{team=~"web|db"}:{alertname="HighLatency"}': ['0:firing:HighLatency/firing'],
    });
    expect(ours).toEqual(real);
  });
});
