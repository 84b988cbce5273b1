import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAlertmanagerConfig } from '../../../src/config/alertmanager.js';
import { ZERO_TIME, makeAlert, parseRFC3339, type Alert } from '../../../src/alertmanager/alert.js';
import { NotifyError, type NotifyContext } from '../../../src/alertmanager/notify/common.js';
import { PagerdutyNotifier } from '../../../src/alertmanager/notify/pagerduty.js';
import { SlackNotifier } from '../../../src/alertmanager/notify/slack.js';
import { WebhookNotifier } from '../../../src/alertmanager/notify/webhook.js';
import { NotificationTemplates, templateData } from '../../../src/alertmanager/template.js';

interface Req {
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
let server: Server;
let base = '';
let requests: Req[] = [];
let statuses: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ url: req.url!, headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end(res.statusCode === 400 ? '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect"]}' : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  requests = [];
  statuses = [];
});

const t = (s: string) => parseRFC3339(s)!;
const EXTERNAL = 'http://am.example:9093';

function ctx(receiver: string, groupKey: string, groupLabels: Record<string, string>, now: number): NotifyContext {
  const templates = new NotificationTemplates([], EXTERNAL);
  return {
    receiver,
    groupKey,
    groupLabels,
    now,
    signal: new AbortController().signal,
    templates,
    data: (as) => templateData(receiver, groupLabels, as, EXTERNAL, now),
  };
}

// The alerts of a notification as the dispatcher passes them (firing ones with a zero endsAt).
function diskAlerts(endsAt: number): Alert[] {
  return [
    makeAlert({
      labels: { alertname: 'Disk', cluster: 'c1', instance: 'a:1', severity: 'critical', job: 'node' },
      annotations: { summary: 'disk full' },
      startsAt: t('2026-11-29T22:00:00Z'),
      endsAt,
      updatedAt: 0,
      generatorURL: '',
      timeout: false,
    }),
    makeAlert({
      labels: { alertname: 'Disk', cluster: 'c1', instance: 'b:1', severity: 'critical' },
      annotations: { summary: 'disk full', runbook: 'r' },
      startsAt: t('2026-11-29T22:00:00.123Z'),
      endsAt,
      updatedAt: 0,
      generatorURL: 'http://prom/x',
      timeout: false,
    }),
  ];
}

function receiverConfig() {
  return parseAlertmanagerConfig(
    `global:
  slack_api_url: ${base}/slack
route: {receiver: team.x}
receivers:
  - name: team.x
    slack_configs:
      - channel: '#alerts'
        send_resolved: true
        fields:
          - title: Sev
            value: '{{ .CommonLabels.severity }}'
        actions:
          - type: button
            text: Runbook
            url: 'http://runbook/{{ .GroupLabels.alertname }}'
      - channel: '#defaults'
    pagerduty_configs:
      - routing_key: rk-123
        url: ${base}/pd
        severity: '{{ .CommonLabels.severity }}'
        links:
          - href: http://x/{{ .Status }}
            text: link
      - service_key: sk-1
    webhook_configs:
      - url: ${base}/hook
        max_alerts: 1
        http_config: {basic_auth: {username: u, password: p}}
`,
    '/tmp/am.yml',
  ).receivers[0]!;
}

const GROUP_KEY = '{}:{alertname="Disk", cluster="c1"}';
const GROUP = { alertname: 'Disk', cluster: 'c1' };
const NOW = t('2026-11-29T22:00:30Z');
const LATER = t('2026-11-29T22:02:00Z');

// Payloads captured from Alertmanager 0.25 (Debian build) for the same config and alerts.
const UPSTREAM = {
  slackDefaults:
    '{"channel":"#defaults","username":"Alertmanager","attachments":[{"title":"[FIRING:2] Disk c1 (critical)","title_link":"http://am.example:9093/#/alerts?receiver=team%5C.x","text":"","fallback":"[FIRING:2] Disk c1 (critical) | http://am.example:9093/#/alerts?receiver=team%5C.x","callback_id":"","footer":"","color":"danger","mrkdwn_in":["fallback","pretext","text"]}]}\n',
  slackResolved:
    '{"channel":"#alerts","username":"Alertmanager","attachments":[{"title":"[RESOLVED] Disk c1 (critical)","title_link":"http://am.example:9093/#/alerts?receiver=team%5C.x","text":"","fallback":"[RESOLVED] Disk c1 (critical) | http://am.example:9093/#/alerts?receiver=team%5C.x","callback_id":"","fields":[{"title":"Sev","value":"critical","short":false}],"actions":[{"type":"button","text":"Runbook","url":"http://runbook/Disk"}],"footer":"","color":"good","mrkdwn_in":["fallback","pretext","text"]}]}\n',
  pdTrigger:
    '{"routing_key":"rk-123","dedup_key":"843be1a89cabb7e7ff393d42eea0ed691e1356bf856007c3808dbd406d325770","event_action":"trigger","payload":{"summary":"[FIRING:2] Disk c1 (critical)","source":"Alertmanager","severity":"critical","custom_details":{"firing":"Labels:\\n - alertname = Disk\\n - cluster = c1\\n - instance = a:1\\n - job = node\\n - severity = critical\\nAnnotations:\\n - summary = disk full\\nSource: \\nLabels:\\n - alertname = Disk\\n - cluster = c1\\n - instance = b:1\\n - severity = critical\\nAnnotations:\\n - runbook = r\\n - summary = disk full\\nSource: http://prom/x\\n","num_firing":"2","num_resolved":"0","resolved":""}},"client":"Alertmanager","client_url":"http://am.example:9093/#/alerts?receiver=team%5C.x","links":[{"href":"http://x/firing","text":"link"}]}\n',
  pdResolve:
    '{"routing_key":"rk-123","dedup_key":"843be1a89cabb7e7ff393d42eea0ed691e1356bf856007c3808dbd406d325770","event_action":"resolve","payload":{"summary":"[RESOLVED] Disk c1 (critical)","source":"Alertmanager","severity":"critical","custom_details":{"firing":"","num_firing":"0","num_resolved":"2","resolved":"Labels:\\n - alertname = Disk\\n - cluster = c1\\n - instance = a:1\\n - job = node\\n - severity = critical\\nAnnotations:\\n - summary = disk full\\nSource: \\nLabels:\\n - alertname = Disk\\n - cluster = c1\\n - instance = b:1\\n - severity = critical\\nAnnotations:\\n - runbook = r\\n - summary = disk full\\nSource: http://prom/x\\n"}},"client":"Alertmanager","client_url":"http://am.example:9093/#/alerts?receiver=team%5C.x","links":[{"href":"http://x/resolved","text":"link"}]}\n',
};

describe('receiver integrations (payloads byte-identical to Alertmanager 0.25)', () => {
  it('Slack: default texts', async () => {
    const r = receiverConfig();
    await new SlackNotifier(r.slack_configs[1]!).notify(ctx('team.x', GROUP_KEY, GROUP, NOW), diskAlerts(ZERO_TIME));
    expect(requests.map((q) => [q.url, q.headers['content-type'], q.body])).toEqual([['/slack', 'application/json', UPSTREAM.slackDefaults]]);
  });

  it('Slack: fields, actions and resolved colour', async () => {
    const r = receiverConfig();
    await new SlackNotifier(r.slack_configs[0]!).notify(ctx('team.x', GROUP_KEY, GROUP, LATER), diskAlerts(t('2026-11-29T22:01:00Z')));
    expect(requests[0]!.body).toBe(UPSTREAM.slackResolved);
  });

  it('PagerDuty v2: trigger then resolve with the group key hash as dedup key', async () => {
    const r = receiverConfig();
    const pd = new PagerdutyNotifier(r.pagerduty_configs[0]!);
    await pd.notify(ctx('team.x', GROUP_KEY, GROUP, NOW), diskAlerts(ZERO_TIME));
    await pd.notify(ctx('team.x', GROUP_KEY, GROUP, LATER), diskAlerts(t('2026-11-29T22:01:00Z')));
    expect(requests.map((q) => q.url)).toEqual(['/pd', '/pd']);
    expect(requests[0]!.body).toBe(UPSTREAM.pdTrigger);
    expect(requests[1]!.body).toBe(UPSTREAM.pdResolve);
  });

  it('PagerDuty v1: service key event with incident_key, description and details', async () => {
    const r = receiverConfig();
    const pd = new PagerdutyNotifier(r.pagerduty_configs[1]!, `${base}/v1`);
    await pd.notify(ctx('team.x', GROUP_KEY, GROUP, LATER), diskAlerts(t('2026-11-29T22:01:00Z')));
    const body = JSON.parse(requests[0]!.body);
    expect(Object.keys(body)).toEqual(['service_key', 'incident_key', 'event_type', 'description', 'event_action', 'payload', 'details']);
    expect(body).toMatchObject({
      service_key: 'sk-1',
      incident_key: '843be1a89cabb7e7ff393d42eea0ed691e1356bf856007c3808dbd406d325770',
      event_type: 'resolve',
      description: '[RESOLVED] Disk c1 (critical)',
      event_action: '',
      payload: null,
    });
    expect(body.details.num_resolved).toBe('2');
  });

  it('PagerDuty: 400 details are reported and not retried; 429 is retried', async () => {
    const pd = new PagerdutyNotifier(receiverConfig().pagerduty_configs[0]!);
    statuses = [400];
    const e = await pd.notify(ctx('team.x', GROUP_KEY, GROUP, NOW), diskAlerts(ZERO_TIME)).catch((x: unknown) => x);
    expect(e).toEqual(new NotifyError("unexpected status code 400: Event object is invalid: Length of 'routing_key' is incorrect", false));
    statuses = [429];
    const e2 = (await pd.notify(ctx('team.x', GROUP_KEY, GROUP, NOW), diskAlerts(ZERO_TIME)).catch((x: unknown) => x)) as NotifyError;
    expect(e2.retry).toBe(true);
  });

  it('webhook: version 4 message, max_alerts truncation, basic auth', async () => {
    const wh = new WebhookNotifier(receiverConfig().webhook_configs[0]!);
    await wh.notify(ctx('team.x', GROUP_KEY, GROUP, NOW), diskAlerts(ZERO_TIME));
    const q = requests[0]!;
    expect(q.headers.authorization).toBe('Basic ' + Buffer.from('u:p').toString('base64'));
    expect(q.headers['user-agent']).toBe('Alertmanager/0.25.0 (Lookout)');
    expect(q.body).toBe(
      '{"receiver":"team\\\\.x","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Disk","cluster":"c1","instance":"a:1","job":"node","severity":"critical"},"annotations":{"summary":"disk full"},"startsAt":"2026-11-29T22:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"' +
        diskAlerts(0)[0]!.fingerprint +
        '"}],"groupLabels":{"alertname":"Disk","cluster":"c1"},"commonLabels":{"alertname":"Disk","cluster":"c1","instance":"a:1","job":"node","severity":"critical"},"commonAnnotations":{"summary":"disk full"},"externalURL":"http://am.example:9093","version":"4","groupKey":"{}:{alertname=\\"Disk\\", cluster=\\"c1\\"}","truncatedAlerts":1}\n',
    );
  });

  it('webhook: 5xx is retryable and names the URL, network errors are retryable', async () => {
    const wh = new WebhookNotifier(receiverConfig().webhook_configs[0]!);
    statuses = [503];
    const e = (await wh.notify(ctx('r', GROUP_KEY, GROUP, NOW), diskAlerts(ZERO_TIME)).catch((x: unknown) => x)) as NotifyError;
    expect(e.message).toBe(`unexpected status code 503: ${base}/hook: ok`);
    expect(e.retry).toBe(true);
    const dead = new WebhookNotifier({ ...receiverConfig().webhook_configs[0]!, url: 'http://127.0.0.1:1/x' });
    const e2 = (await dead.notify(ctx('r', GROUP_KEY, GROUP, NOW), diskAlerts(ZERO_TIME)).catch((x: unknown) => x)) as NotifyError;
    expect(e2.retry).toBe(true);
    expect(e2.message.startsWith('Post "http://127.0.0.1:1/x": ')).toBe(true);
  });
});
