import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Receiver, get, iso, metric, post, settle, startAm, until, type Harness } from './harness.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const T0 = Date.UTC(2024, 0, 1);
const FAR = iso(T0 + 1000 * H);

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

const config = (extra = '') => `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 1h
${extra}
receivers:
  - name: hook
    webhook_configs: [{url: '${rcv.url}/hook'}]
`;

const names = () => rcv.requests.map((r) => `${r.json.status}:${r.json.alerts.map((a: any) => `${a.labels.instance}=${a.status}`).join(',')}`);

describe('dispatcher timing (group_wait, group_interval, repeat_interval) on a manual clock', () => {
  it('waits group_wait, batches later alerts into group_interval flushes, repeats after repeat_interval', async () => {
    h = await startAm(config(), { start: T0 });
    await post(h.am, [{ labels: { alertname: 'Web', instance: 'a' }, startsAt: iso(T0), endsAt: FAR }]);
    await h.clock.advance(29 * S);
    expect(rcv.requests.length).toBe(0);
    await h.clock.advance(1 * S);
    await until(() => rcv.requests.length === 1, 'first notification');
    expect(names()).toEqual(['firing:a=firing']);
    expect(rcv.requests[0]!.json.groupKey).toBe('{}:{alertname="Web"}');

    await h.clock.advance(30 * S);
    await post(h.am, [{ labels: { alertname: 'Web', instance: 'b' }, startsAt: iso(T0 + M), endsAt: FAR }]);
    await h.clock.advance(4 * M);
    await settle();
    expect(rcv.requests.length).toBe(1);
    await h.clock.advance(M);
    await until(() => rcv.requests.length === 2, 'second notification');
    expect(names()[1]).toBe('firing:a=firing,b=firing');

    // Unchanged group: nothing until repeat_interval has passed since the last notification.
    for (let i = 0; i < 12; i++) await h.clock.advance(5 * M);
    await settle();
    expect(rcv.requests.length).toBe(2);
    await h.clock.advance(5 * M);
    await until(() => rcv.requests.length === 3, 'repeat notification');
    expect(names()[2]).toBe('firing:a=firing,b=firing');
  });

  it('sends resolved notifications and drops resolved alerts from the group', async () => {
    h = await startAm(config(), { start: T0 });
    await post(h.am, [
      { labels: { alertname: 'Web', instance: 'a' }, startsAt: iso(T0), endsAt: FAR },
      { labels: { alertname: 'Web', instance: 'b' }, startsAt: iso(T0), endsAt: FAR },
    ]);
    await h.clock.advance(30 * S);
    await until(() => rcv.requests.length === 1, 'first notification');
    // An explicit later endsAt cannot shorten a stored one (upstream merge); resolving needs endsAt <= now.
    await post(h.am, [{ labels: { alertname: 'Web', instance: 'a' }, startsAt: iso(T0), endsAt: iso(T0 + M) }]);
    expect(((await get(h.am, '/alerts')).body as any[]).map((a) => a.endsAt)).toEqual([FAR, FAR]);
    await post(h.am, [{ labels: { alertname: 'Web', instance: 'a' }, startsAt: iso(T0), endsAt: iso(h.clock.now()) }]);
    await h.clock.advance(5 * M);
    await until(() => rcv.requests.length === 2, 'partial resolve');
    expect(names()[1]).toBe('firing:a=resolved,b=firing');
    const groups = (await get(h.am, '/alerts/groups')).body as any[];
    expect(groups[0].alerts.map((a: any) => a.labels.instance)).toEqual(['b']);
    await post(h.am, [{ labels: { alertname: 'Web', instance: 'b' }, startsAt: iso(T0), endsAt: iso(h.clock.now()) }]);
    await h.clock.advance(5 * M);
    await until(() => rcv.requests.length === 3, 'full resolve');
    expect(names()[2]).toBe('resolved:b=resolved');
    expect(rcv.requests[2]!.json.alerts[0].endsAt).toBe(iso(T0 + 5 * M + 30 * S).replace('.000Z', 'Z'));
  });

  it('expires alerts without endsAt after resolve_timeout', async () => {
    h = await startAm(`global: {resolve_timeout: 2m}\n${config()}`, { start: T0 });
    await post(h.am, [{ labels: { alertname: 'Web', instance: 'a' } }]);
    const [alert] = (await get(h.am, '/alerts')).body as any[];
    expect(alert.endsAt).toBe(iso(T0 + 2 * M));
    await h.clock.advance(30 * S);
    await until(() => rcv.requests.length === 1, 'firing');
    await h.clock.advance(5 * M);
    await until(() => rcv.requests.length === 2, 'resolved by timeout');
    expect(names()[1]).toBe('resolved:a=resolved');
    expect((await get(h.am, '/alerts')).body).toEqual([]);
  });

  it('flushes at once when the first alert is older than group_wait', async () => {
    h = await startAm(config(), { start: T0 });
    await post(h.am, [{ labels: { alertname: 'Old', instance: 'a' }, startsAt: iso(T0 - H), endsAt: FAR }]);
    await h.clock.advance(0);
    await until(() => rcv.requests.length === 1, 'immediate flush');
  });

  it('keeps one group per route and group_by values, all labels with ...', async () => {
    h = await startAm(
      config(`  routes:
    - matchers: [team=db]
      group_by: ['...']
      continue: true
    - matchers: [team=db]
      group_by: [team]`),
      { start: T0 },
    );
    await post(h.am, [
      { labels: { alertname: 'A', team: 'db', instance: '1' }, endsAt: FAR },
      { labels: { alertname: 'A', team: 'db', instance: '2' }, endsAt: FAR },
      { labels: { alertname: 'B', team: 'web', instance: '3' }, endsAt: FAR },
    ]);
    const groups = (await get(h.am, '/alerts/groups')).body as any[];
    expect(groups.map((g) => [JSON.stringify(g.labels), g.alerts.length])).toEqual([
      ['{"team":"db"}', 2],
      ['{"alertname":"B"}', 1],
      ['{"alertname":"A","instance":"1","team":"db"}', 1],
      ['{"alertname":"A","instance":"2","team":"db"}', 1],
    ]);
    await h.clock.advance(30 * S);
    await until(() => rcv.requests.length === 4, 'four notifications');
  });

  it('retries failed notifications with backoff and counts them', async () => {
    h = await startAm(config(), { start: T0 });
    rcv.statuses.push(500, 502);
    await post(h.am, [{ labels: { alertname: 'Web', instance: 'a' }, endsAt: FAR }]);
    await h.clock.advance(30 * S);
    for (let i = 0; i < 20 && rcv.requests.length < 3; i++) {
      await settle(20);
      await h.clock.advance(S);
    }
    expect(rcv.requests.length).toBe(3);
    await settle();
    expect(await metric(h.registry, 'alertmanager_notifications_total', { integration: 'webhook' })).toBe(1);
    expect(await metric(h.registry, 'alertmanager_notifications_failed_total', { integration: 'webhook' })).toBe(0);
    expect(await metric(h.registry, 'alertmanager_notification_requests_total', { integration: 'webhook' })).toBe(3);
    expect(await metric(h.registry, 'alertmanager_notification_requests_failed_total', { integration: 'webhook' })).toBe(2);
  });

  it('gives up at the flush deadline (max(group_interval, 10s)) and counts a failed notification', async () => {
    h = await startAm(config().replace('group_interval: 5m', 'group_interval: 20s'), { start: T0 });
    for (let i = 0; i < 1000; i++) rcv.statuses.push(500);
    await post(h.am, [{ labels: { alertname: 'Web', instance: 'a' }, endsAt: FAR }]);
    await h.clock.advance(30 * S);
    // Run the clock to 25s after the first flush: its deadline (20s) has passed, the second flush (at +20s) is still retrying.
    for (let i = 0; i < 25; i++) {
      await settle(20);
      await h.clock.advance(S);
    }
    await settle(100);
    expect(await metric(h.registry, 'alertmanager_notifications_failed_total', { integration: 'webhook' })).toBe(1);
    expect(await metric(h.registry, 'alertmanager_notifications_total', { integration: 'webhook' })).toBe(2);
    expect(rcv.requests.length).toBeGreaterThan(2);
  });
});
