import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backoffDelay, needsUpdate } from '../../../src/alertmanager/notify/pipeline.js';
import type { NflogEntry } from '../../../src/alertmanager/nflog.js';
import { ConfigError } from '../../../src/config/alertmanager.js';
import { Receiver, get, iso, metric, post, settle, startAm, until, type Harness } from './harness.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const T0 = Date.UTC(2024, 0, 3, 12); // a Wednesday, 12:00 UTC
const FAR = iso(T0 + 1000 * H);

describe('dedup (needsUpdate) as upstream', () => {
  const entry = (firing: string[], resolved: string[], timestamp = 0): NflogEntry => ({
    groupKey: 'g',
    receiver: { groupName: 'r', integration: 'webhook', idx: 0 },
    timestamp,
    firingAlerts: firing,
    resolvedAlerts: resolved,
    expiresAt: 1e12,
  });
  const set = (...xs: string[]) => new Set(xs);
  it('notifies new groups with firing alerts only', () => {
    expect(needsUpdate(undefined, set('a'), set(), true, H, 0)).toBe(true);
    expect(needsUpdate(undefined, set(), set('a'), true, H, 0)).toBe(false);
  });
  it('notifies new firing alerts, all-resolved groups, new resolved alerts (send_resolved) and after repeat_interval', () => {
    expect(needsUpdate(entry(['a'], []), set('a', 'b'), set(), false, H, M)).toBe(true);
    expect(needsUpdate(entry(['a'], []), set(), set('a'), false, H, M)).toBe(true);
    expect(needsUpdate(entry([], ['a']), set(), set('a'), false, H, M)).toBe(false);
    expect(needsUpdate(entry(['a', 'b'], []), set('a'), set('b'), true, H, M)).toBe(true);
    expect(needsUpdate(entry(['a', 'b'], []), set('a'), set('b'), false, H, M)).toBe(false);
    expect(needsUpdate(entry(['a'], []), set('a'), set(), false, H, H)).toBe(false);
    expect(needsUpdate(entry(['a'], []), set('a'), set(), false, H, H + 1)).toBe(true);
  });
  it('backs off as cenkalti/backoff defaults', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(750);
    expect(backoffDelay(2, () => 0.5)).toBe(1125);
    expect(backoffDelay(50, () => 0.5)).toBe(60_000);
  });
});

let rcv: Receiver;
let h: Harness | null = null;
beforeEach(async () => {
  rcv = await new Receiver().start();
});
afterEach(async () => {
  await h?.am.stop();
  h = null;
  await rcv.stop();
});

const base = (extra = '') => `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 1h
${extra}
receivers:
  - name: hook
    webhook_configs: [{url: '${rcv.url}/hook'}]
`;
const sentInstances = () => rcv.requests.map((r) => r.json.alerts.map((a: any) => `${a.labels.instance}:${a.status}`).join(','));

describe('mute stages at notification time', () => {
  it('does not send inhibited alerts, and sends them once the source resolves', async () => {
    h = await startAm(
      `${base()}inhibit_rules:
  - source_matchers: [severity=critical]
    target_matchers: [severity=warning]
    equal: [cluster]
`,
      { start: T0 },
    );
    await post(h.am, [
      { labels: { alertname: 'Disk', severity: 'warning', cluster: 'c1', instance: 'w1' }, endsAt: FAR },
      { labels: { alertname: 'Disk', severity: 'warning', cluster: 'c2', instance: 'w2' }, endsAt: FAR },
      { labels: { alertname: 'Node', severity: 'critical', cluster: 'c1', instance: 'n1' }, endsAt: FAR },
    ]);
    await h.clock.advance(10 * S);
    await until(() => rcv.requests.length === 2, 'two groups');
    expect(sentInstances().sort()).toEqual(['n1:firing', 'w2:firing']);
    const all = (await get(h.am, '/alerts')).body as any[];
    const byInstance = Object.fromEntries(all.map((x) => [x.labels.instance, x]));
    expect(byInstance.w1.status).toEqual({ inhibitedBy: [byInstance.n1.fingerprint], silencedBy: [], state: 'suppressed' });
    expect(byInstance.w2.status).toEqual({ inhibitedBy: [], silencedBy: [], state: 'active' });
    expect(((await get(h.am, '/alerts', 'inhibited=false')).body as any[]).map((x) => x.labels.instance).sort()).toEqual(['n1', 'w2']);
    await post(h.am, [{ labels: { alertname: 'Node', severity: 'critical', cluster: 'c1', instance: 'n1' }, endsAt: iso(h.clock.now()) }]);
    await h.clock.advance(M);
    await until(() => rcv.requests.length === 4, 'resolved source and uninhibited target');
    expect(sentInstances().slice(2).sort()).toEqual(['n1:resolved', 'w1:firing,w2:firing']);
  });

  it('does not send silenced alerts while the silence is active', async () => {
    h = await startAm(base(), { start: T0 });
    const sil = await h.am.handleApiV2({
      method: 'POST',
      path: '/silences',
      query: new URLSearchParams(),
      body: { matchers: [{ name: 'instance', value: 'a', isRegex: false }], startsAt: iso(T0), endsAt: iso(T0 + 30 * M), createdBy: 't', comment: 'c' },
    });
    const id = (sil.body as { silenceID: string }).silenceID;
    await post(h.am, [
      { labels: { alertname: 'Web', instance: 'a' }, endsAt: FAR },
      { labels: { alertname: 'Web', instance: 'b' }, endsAt: FAR },
    ]);
    await h.clock.advance(10 * S);
    await until(() => rcv.requests.length === 1, 'unsilenced alert');
    expect(sentInstances()).toEqual(['b:firing']);
    const [a] = (await get(h.am, '/alerts', 'filter=instance%3Da')).body as any[];
    expect(a.status).toEqual({ inhibitedBy: [], silencedBy: [id], state: 'suppressed' });
    expect(((await get(h.am, '/alerts', 'silenced=false')).body as any[]).map((x) => x.labels.instance)).toEqual(['b']);
    await h.am.handleApiV2({ method: 'DELETE', path: `/silence/${id}`, query: new URLSearchParams(), body: undefined });
    await h.clock.advance(M);
    await until(() => rcv.requests.length === 2, 'after expiry');
    expect(sentInstances()[1]).toBe('a:firing,b:firing');
  });

  it('honours mute_time_intervals and active_time_intervals of a route', async () => {
    h = await startAm(
      base(`  routes:
    - matchers: [team=night]
      active_time_intervals: [night]
    - matchers: [team=day]
      mute_time_intervals: [lunch]
time_intervals:
  - name: night
    time_intervals: [{times: [{start_time: '22:00', end_time: '24:00'}]}]
  - name: lunch
    time_intervals: [{times: [{start_time: '12:00', end_time: '13:00'}], weekdays: [wednesday]}]`).replace('repeat_interval: 1h', 'repeat_interval: 24h'),
      { start: T0 },
    );
    await post(h.am, [
      { labels: { alertname: 'N', team: 'night', instance: 'n' }, endsAt: FAR },
      { labels: { alertname: 'D', team: 'day', instance: 'd' }, endsAt: FAR },
    ]);
    await h.clock.advance(10 * S);
    await settle();
    expect(rcv.requests.length).toBe(0);
    await h.clock.advance(H);
    await until(() => rcv.requests.length === 1, 'after lunch');
    expect(sentInstances()).toEqual(['d:firing']);
    await h.clock.advance(9 * H);
    await until(() => rcv.requests.length === 2, 'at night');
    expect(sentInstances()[1]).toBe('n:firing');
  });
});

describe('state across restarts and reloads', () => {
  it('does not re-send after a restart within repeat_interval, and keeps silences', async () => {
    h = await startAm(base(), { start: T0 });
    const dir = h.dir;
    await post(h.am, [{ labels: { alertname: 'Web', instance: 'a' }, endsAt: FAR }]);
    const sil = await h.am.handleApiV2({
      method: 'POST',
      path: '/silences',
      query: new URLSearchParams(),
      body: { matchers: [{ name: 'instance', value: 'zzz', isRegex: false }], startsAt: iso(T0), endsAt: FAR, createdBy: 't', comment: 'keep' },
    });
    await h.clock.advance(10 * S);
    await until(() => rcv.requests.length === 1, 'first notification');
    await settle();
    await h.am.stop();
    const clock = h.clock;
    h = await startAm(base(), { dir, clock });
    await post(h.am, [{ labels: { alertname: 'Web', instance: 'a' }, endsAt: FAR }]);
    await h.clock.advance(10 * S);
    await settle(100);
    expect(rcv.requests.length).toBe(1);
    expect(((await get(h.am, '/silences')).body as any[]).map((s) => [s.id, s.comment])).toEqual([[(sil.body as any).silenceID, 'keep']]);
    await h.clock.advance(H);
    await until(() => rcv.requests.length === 2, 'repeat after restart');
  });

  it('reloads a changed config and keeps the old one when the new one is invalid', async () => {
    h = await startAm(base(), { start: T0 });
    expect(await metric(h.registry, 'alertmanager_config_last_reload_successful')).toBe(1);
    writeFileSync(h.configFile, base().replace('name: hook', 'name: hook2').replace('receiver: hook', 'receiver: hook2'));
    await h.am.reload();
    expect(((await get(h.am, '/receivers')).body as any[]).map((r) => r.name)).toEqual(['hook2']);
    writeFileSync(h.configFile, 'route: {receiver: nope}\nreceivers: []\n');
    await expect(h.am.reload()).rejects.toThrow(ConfigError);
    expect(await metric(h.registry, 'alertmanager_config_last_reload_successful')).toBe(0);
    expect(((await get(h.am, '/receivers')).body as any[]).map((r) => r.name)).toEqual(['hook2']);
  });

  it('refuses to start with an invalid config or template', async () => {
    await expect(startAm('route: {}\n')).rejects.toThrow('route: root route must specify a default receiver');
    const dir = mkdtempSync(join(tmpdir(), 'am-tmpl-'));
    writeFileSync(join(dir, 'bad-1.tmpl'), '{{ define "x" }}{{ .Foo ');
    // Located at the `templates:` entry (the line after the base config), not at 0:0.
    const line = base().split('\n').length;
    await expect(startAm(`${base()}templates: ['${dir}/bad-*.tmpl']\n`)).rejects.toThrow(
      new RegExp(`alertmanager\\.yml:${line}:13: templates\\[0\\]: failed to parse templates: template: bad-1\\.tmpl:1: unclosed action$`),
    );
  });
});
