import { afterEach, describe, expect, it } from 'vitest';
import { VERSION_INFO } from '../../../src/alertmanager/api.js';
import { get, iso, metric, post, startAm, type Harness } from './harness.js';

const T0 = Date.UTC(2026, 10, 29, 22, 46, 56, 985);
const CONFIG = `route:
  receiver: default
  group_by: [alertname]
  routes:
    - matchers: ['severity="page"']
      receiver: pager
receivers:
  - name: default
    slack_configs: [{api_url: 'http://127.0.0.1:1/secret-hook', channel: '#x'}]
  - name: pager
inhibit_rules:
  - source_matchers: [severity="page"]
    target_matchers: [severity="warn"]
    equal: [alertname]
`;

let h: Harness | null = null;
afterEach(async () => {
  await h?.am.stop();
  h = null;
});

const call = (method: string, path: string, body?: unknown, query = '') =>
  h!.am.handleApiV2({ method, path, query: new URLSearchParams(query), body });

// Alerts and the responses a real Alertmanager 0.25 gave for them (same fingerprints, shapes, order).
const ALERTS = [
  {
    labels: { alertname: 'A<b>&', job: 'api', severity: 'warn', tags: 'gum,latency' },
    annotations: { summary: 'hi' },
    startsAt: '2026-11-29T22:00:00.123456Z',
    generatorURL: 'http://prom/x',
  },
  { labels: { alertname: 'A<b>&', severity: 'page' } },
];
const WARN = {
  annotations: { summary: 'hi' },
  endsAt: '2026-11-29T22:51:56.985Z',
  fingerprint: '183e1f4d68fb6c93',
  receivers: [{ name: 'default' }],
  startsAt: '2026-11-29T22:00:00.123Z',
  status: { inhibitedBy: ['f1f49a5e4415ab9d'], silencedBy: [], state: 'suppressed' },
  updatedAt: '2026-11-29T22:46:56.985Z',
  generatorURL: 'http://prom/x',
  labels: { alertname: 'A<b>&', job: 'api', severity: 'warn', tags: 'gum,latency' },
};
const PAGE = {
  annotations: {},
  endsAt: '2026-11-29T22:51:56.985Z',
  fingerprint: 'f1f49a5e4415ab9d',
  receivers: [{ name: 'pager' }],
  startsAt: '2026-11-29T22:46:56.985Z',
  status: { inhibitedBy: [], silencedBy: [], state: 'active' },
  updatedAt: '2026-11-29T22:46:56.985Z',
  labels: { alertname: 'A<b>&', severity: 'page' },
};

describe('API v2 alerts', () => {
  it('stores posted alerts and lists them as upstream does', async () => {
    h = await startAm(CONFIG, { start: T0 });
    expect(await post(h.am, ALERTS)).toEqual({ status: 200, body: undefined });
    const res = await get(h.am, '/alerts');
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toBe(JSON.stringify([WARN, PAGE]));
    expect((await get(h.am, '/alerts/groups')).body).toEqual([
      { alerts: [WARN], labels: { alertname: 'A<b>&' }, receiver: { name: 'default' } },
      { alerts: [PAGE], labels: { alertname: 'A<b>&' }, receiver: { name: 'pager' } },
    ]);
    expect(await metric(h.registry, 'alertmanager_alerts_received_total', { status: 'firing', version: 'v2' })).toBe(2);
    expect(await metric(h.registry, 'alertmanager_alerts', { state: 'suppressed' })).toBe(1);
    expect(await metric(h.registry, 'alertmanager_alerts', { state: 'active' })).toBe(1);
    expect(await metric(h.registry, 'alertmanager_dispatcher_aggregation_groups')).toBe(2);
  });

  it('filters by matchers (quoted commas, case 12), receiver regex and state flags', async () => {
    h = await startAm(CONFIG, { start: T0 });
    await post(h.am, ALERTS);
    const fps = async (q: string) => ((await get(h!.am, '/alerts', q)).body as any[]).map((a) => a.fingerprint);
    expect(await fps('filter=tags%3D%22gum%2Clatency%22')).toEqual(['183e1f4d68fb6c93']);
    expect(await fps('filter=alertname%3D~%22A.*%22&filter=severity!%3Dwarn')).toEqual(['f1f49a5e4415ab9d']);
    expect(await fps('filter=job%3D%22%22')).toEqual(['f1f49a5e4415ab9d']);
    expect(await fps('receiver=pag.*')).toEqual(['f1f49a5e4415ab9d']);
    expect(await fps('inhibited=false')).toEqual(['f1f49a5e4415ab9d']);
    expect(await fps('active=false')).toEqual(['183e1f4d68fb6c93']);
    expect(await fps('active=foo')).toEqual(['183e1f4d68fb6c93']);
    expect(await get(h.am, '/alerts', 'filter=tags%3D%22gum')).toEqual({ status: 400, body: 'matcher value contains unescaped double quote: "gum' });
    expect(await get(h.am, '/alerts', 'receiver=(')).toEqual({
      status: 400,
      body: 'failed to parse receiver param: error parsing regexp: missing closing ): `^(?:()$`',
    });
    expect(((await get(h.am, '/alerts/groups', 'receiver=default')).body as any[]).map((g) => g.receiver.name)).toEqual(['default']);
  });

  it('rejects invalid alerts with upstream status codes and texts', async () => {
    h = await startAm(CONFIG, { start: T0 });
    expect(
      await post(h.am, [
        { labels: { 'alert-name': 'x' } },
        { labels: {} },
        { labels: { a: 'b' }, startsAt: '2026-11-29T22:00:00Z', endsAt: '2026-11-29T21:00:00Z' },
        { labels: { ok: 'yes', empty: '' } },
      ]),
    ).toEqual({
      status: 400,
      body: 'invalid label set: invalid name "alert-name"; at least one label pair required; start time must be before end time',
    });
    expect(((await get(h.am, '/alerts')).body as any[]).map((a) => a.labels)).toEqual([{ ok: 'yes' }]);
    expect(await metric(h.registry, 'alertmanager_alerts_invalid_total', { version: 'v2' })).toBe(3);
    expect(await post(h.am, { labels: {} })).toEqual({
      status: 400,
      body: { code: 400, message: 'parsing alerts body from "" failed, because json: cannot unmarshal object into Go value of type models.PostableAlerts' },
    });
    expect(await post(h.am, [{ annotations: {} }])).toEqual({ status: 422, body: { code: 602, message: '0.labels in body is required' } });
    expect((await post(h.am, [{ labels: { a: 'b' }, startsAt: 'yesterday' }])).status).toBe(400);
    expect(await post(h.am, '[{"labels":{"s":"from a string body"}}]')).toEqual({ status: 200, body: undefined });
  });

  it('accepts in-process alerts through postAlerts and throws the 400 text', async () => {
    h = await startAm(CONFIG, { start: T0 });
    await h.am.postAlerts([{ labels: { alertname: 'X' }, endsAt: iso(T0 + 1000) }]);
    expect(((await get(h.am, '/alerts')).body as any[]).map((a) => [a.labels.alertname, a.startsAt, a.endsAt])).toEqual([
      ['X', '2026-11-29T22:46:57.985Z', '2026-11-29T22:46:57.985Z'],
    ]);
    await expect(h.am.postAlerts([{ labels: {} }])).rejects.toThrow('at least one label pair required');
  });
});

describe('API v2 silences', () => {
  const SIL = (over: object = {}) => ({
    matchers: [{ name: 'alertname', value: 'Web', isRegex: false }],
    startsAt: '2020-01-01T00:00:00Z',
    endsAt: iso(T0 + 3600_000),
    createdBy: 'me',
    comment: 'c',
    ...over,
  });

  it('creates, lists, filters, gets and expires silences', async () => {
    h = await startAm(CONFIG, { start: T0 });
    const created = await call('POST', '/silences', SIL());
    expect(created.status).toBe(200);
    const id = (created.body as { silenceID: string }).silenceID;
    const pending = (
      (await call('POST', '/silences', SIL({ matchers: [{ name: 'job', value: 'a.*', isRegex: true, isEqual: false }], startsAt: iso(T0 + 60_000), comment: 'pending one' })))
        .body as { silenceID: string }
    ).silenceID;
    const active = {
      id,
      status: { state: 'active' },
      updatedAt: '2026-11-29T22:46:56.985Z',
      comment: 'c',
      createdBy: 'me',
      endsAt: '2026-11-29T23:46:56.985Z',
      matchers: [{ isEqual: true, isRegex: false, name: 'alertname', value: 'Web' }],
      startsAt: '2026-11-29T22:46:56.985Z',
    };
    expect((await call('GET', '/silences')).body).toEqual([
      active,
      {
        id: pending,
        status: { state: 'pending' },
        updatedAt: '2026-11-29T22:46:56.985Z',
        comment: 'pending one',
        createdBy: 'me',
        endsAt: '2026-11-29T23:46:56.985Z',
        matchers: [{ isEqual: false, isRegex: true, name: 'job', value: 'a.*' }],
        startsAt: '2026-11-29T22:47:56.985Z',
      },
    ]);
    expect((await call('GET', '/silences', undefined, 'filter=alertname%3DWeb')).body).toEqual([active]);
    expect(await call('GET', '/silences', undefined, 'filter=foo')).toEqual({ status: 400, body: 'bad matcher format: foo' });
    expect(await call('GET', `/silence/${id}`)).toEqual({ status: 200, body: active });
    expect(await metric(h.registry, 'alertmanager_silences', { state: 'pending' })).toBe(1);
    expect(await call('DELETE', `/silence/${id}`)).toEqual({ status: 200, body: undefined });
    expect(await call('DELETE', `/silence/${id}`)).toEqual({ status: 200, body: undefined });
    expect(((await call('GET', `/silence/${id}`)).body as any).status).toEqual({ state: 'expired' });
    expect(await call('DELETE', '/silence/3ae594eb-15ec-4a3d-b0cf-a7d8a4a80179')).toEqual({ status: 500, body: 'silence not found' });
    expect(await call('GET', '/silence/3ae594eb-15ec-4a3d-b0cf-a7d8a4a80179')).toEqual({ status: 404, body: undefined });
    expect(await call('GET', '/silence/xyz')).toEqual({ status: 422, body: { code: 601, message: 'silenceID in path must be of type uuid: "xyz"' } });
  });

  it('rejects invalid silences with upstream status codes and texts', async () => {
    h = await startAm(CONFIG, { start: T0 });
    const cases: [object, number, unknown][] = [
      [SIL({ matchers: [] }), 422, { code: 612, message: 'matchers in body should have at least 1 items' }],
      [SIL({ matchers: [{ name: 'a', value: '', isRegex: false }] }), 400, 'silence invalid: at least one matcher must not match the empty string'],
      [SIL({ startsAt: iso(T0 + 7200_000) }), 400, 'Failed to create silence: start time must be before end time'],
      [SIL({ endsAt: '2020-01-02T00:00:00Z' }), 400, "Failed to create silence: end time can't be in the past"],
      [SIL({ id: 'nope' }), 404, 'silence not found'],
      [
        SIL({ matchers: [{ name: 'a', value: '(', isRegex: true }] }),
        400,
        'silence invalid: invalid label matcher 0: invalid regular expression "(": error parsing regexp: missing closing ): `(`',
      ],
      [{ ...SIL(), comment: undefined }, 422, { code: 602, message: 'comment in body is required' }],
      [SIL({ matchers: [{ name: 'a', value: 'x' }] }), 422, { code: 602, message: 'matchers.0.isRegex in body is required' }],
    ];
    for (const [body, status, resp] of cases) expect(await call('POST', '/silences', body), JSON.stringify(body)).toEqual({ status, body: resp });
  });
});

describe('API v2 alert groups', () => {
  it("lists one group per distinct label set with group_by: ['...'] (case 14)", async () => {
    h = await startAm("route: {receiver: r, group_by: ['...']}\nreceivers: [{name: r}]\n", { start: T0 });
    const sets = [
      { alertname: 'A' },
      { alertname: 'A', instance: '1' },
      { alertname: 'A', instance: '2' },
      { alertname: 'B', instance: '1' },
      { alertname: 'B', job: 'x' },
      { team: 'y' },
    ];
    await post(h.am, sets.map((labels) => ({ labels })));
    const groups = (await get(h.am, '/alerts/groups')).body as any[];
    expect(groups.length).toBe(6);
    for (const g of groups) {
      expect(g.alerts.length).toBe(1);
      expect(g.labels).toEqual(g.alerts[0].labels);
      expect(g.receiver).toEqual({ name: 'r' });
    }
    // The order Alertmanager 0.25 returns for these label sets.
    expect(groups.map((g) => g.labels)).toEqual([
      { team: 'y' },
      { alertname: 'A' },
      { alertname: 'A', instance: '1' },
      { alertname: 'A', instance: '2' },
      { alertname: 'B', job: 'x' },
      { alertname: 'B', instance: '1' },
    ]);
  });
});

describe('API v2 general', () => {
  it('reports status, receivers, unknown paths and methods', async () => {
    h = await startAm(CONFIG, { start: T0 });
    const status = (await get(h.am, '/status')).body as any;
    expect(status.cluster).toEqual({ peers: [], status: 'disabled' });
    expect(status.uptime).toBe('2026-11-29T22:46:56.985Z');
    expect(status.versionInfo).toEqual(VERSION_INFO);
    expect(status.config.original).toContain("api_url: '<secret>'");
    expect(status.config.original).not.toContain('secret-hook');
    expect((await get(h.am, '/receivers')).body).toEqual([{ name: 'default' }, { name: 'pager' }]);
    expect(await get(h.am, '/nope')).toEqual({ status: 404, body: { code: 404, message: 'path /api/v2/nope was not found' } });
    expect(await call('PUT', '/silences')).toEqual({ status: 405, body: { code: 405, message: 'method PUT is not allowed, but [POST,GET] are' } });
  });
});
