/**
 * `lookout alertmanager` as a user runs it next to the real `amtool` (Alertmanager 0.25's CLI):
 * silences are added, queried and expired with amtool, alerts listed with it (active and
 * silenced), and a restart on the same storage keeps the silence and does not re-send the
 * notification already delivered (notification log persisted). Everything on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, haveProgram, LOOKOUT_BIN, startNode, stopAll, waitFor, type Proc } from '../support/processes.js';

const AMTOOL = '/usr/bin/amtool';
const hasAmtool = haveProgram(AMTOOL);
const run = promisify(execFile);

let dir = '';
let sink: Server;
let port = 0;
let base = '';
/** Webhook notifications received: `status:alertname[instance=status,…]`. */
const notes: string[] = [];

beforeAll(async () => {
  if (!hasAmtool) return;
  dir = mkdtempSync(join(tmpdir(), 'lookout-amtool-'));
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const m = JSON.parse(body) as { status: string; groupLabels: Record<string, string>; alerts: { status: string; labels: Record<string, string> }[] };
      notes.push(`${m.status}:${m.groupLabels.alertname}[${m.alerts.map((a) => `${a.labels.instance}=${a.status}`).join(',')}]`);
      res.end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const addr = sink.address();
  const sinkURL = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`;
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs: [{url: '${sinkURL}'}]
`,
  );
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await stopAll();
  sink?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startAm(): Promise<Proc> {
  const p = startNode(LOOKOUT_BIN, [
    'alertmanager',
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  await waitFor('lookout alertmanager ready', 30_000, async () => (await fetch(`${base}/-/ready`)).ok);
  return p;
}

async function amtool(...args: string[]): Promise<string> {
  const { stdout } = await run(AMTOOL, [`--alertmanager.url=${base}`, ...args], { timeout: 30_000 });
  return stdout;
}

/** What Prometheus sends: every alert again, ending an hour from now. */
async function sendAlerts(instances: Record<string, string>): Promise<void> {
  const endsAt = new Date(Date.now() + 3600_000).toISOString();
  const body = Object.entries(instances).map(([instance, alertname]) => ({ labels: { alertname, instance }, endsAt }));
  const r = await fetch(`${base}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(r.status).toBe(200);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasAmtool)('amtool 0.25 against lookout alertmanager', () => {
  it('adds, queries and expires silences, lists alerts, and keeps state across a restart', { timeout: 180_000 }, async () => {
    let am = await startAm();

    const id = (await amtool('silence', 'add', 'alertname=Muted', '--comment=maintenance', '--duration=2h', '--author=tester')).trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const silences = JSON.parse(await amtool('silence', 'query', '-o', 'json')) as any[];
    expect(silences.map((s) => [s.id, s.status.state, s.createdBy, s.comment, s.matchers])).toEqual([
      [id, 'active', 'tester', 'maintenance', [{ name: 'alertname', value: 'Muted', isRegex: false, isEqual: true }]],
    ]);
    expect((await amtool('silence', 'query', '-q', 'alertname=Muted')).trim()).toBe(id);

    await sendAlerts({ a: 'Web', m: 'Muted' });
    await waitFor('the Web notification', 30_000, async () => notes.length >= 1);
    expect(notes).toEqual(['firing:Web[a=firing]']);

    const active = JSON.parse(await amtool('alert', 'query', '-o', 'json')) as any[];
    expect(active.map((a) => [a.labels.alertname, a.status.state])).toEqual([['Web', 'active']]);
    const silenced = JSON.parse(await amtool('alert', 'query', '--silenced', '-o', 'json')) as any[];
    expect(silenced.map((a) => [a.labels.alertname, a.status.state, a.status.silencedBy])).toEqual([['Muted', 'suppressed', [id]]]);
    expect(await amtool('alert', 'query')).toMatch(/^Alertname +Starts At +Summary +State *\nWeb +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC +active *\n$/);

    // Restart on the same storage: the silence is still there, and the notification already
    // delivered for Web is not sent again when Prometheus re-sends the alerts.
    await am.stop('SIGTERM');
    am = await startAm();
    expect((await amtool('silence', 'query', '-q')).trim()).toBe(id);
    await sendAlerts({ a: 'Web', m: 'Muted' });
    await sleep(5000);
    // A new alert in the Web group proves the group is being flushed: exactly one more notification.
    await sendAlerts({ a: 'Web', m: 'Muted', c: 'Web' });
    await waitFor('the changed Web group', 30_000, async () => notes.length >= 2);
    await sleep(3000);
    expect(notes).toEqual(['firing:Web[a=firing]', 'firing:Web[a=firing,c=firing]']);

    // Expiring the silence with amtool un-mutes the alert.
    await amtool('silence', 'expire', id);
    expect((await amtool('silence', 'query', '-q')).trim()).toBe('');
    expect((await amtool('silence', 'query', '--expired', '-q')).trim()).toBe(id);
    const after = await getJson<any[]>(`${base}/api/v2/silences`);
    expect(after.map((s) => [s.id, s.status.state])).toEqual([[id, 'expired']]);
    await waitFor('the Muted notification', 30_000, async () => notes.length >= 3);
    expect(notes[2]).toBe('firing:Muted[m=firing]');
    await am.stop('SIGTERM');
  });
});
