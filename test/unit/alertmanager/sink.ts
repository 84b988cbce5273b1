/**
 * Fixtures of the receiver integration tests: a local sink on 127.0.0.1 standing in for every
 * service, the alerts and contexts of one notification group, and a receiver config with every
 * integration pointed at the sink.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { parseAlertmanagerConfig, type OtherIntegrationConfig, type ReceiverConfig } from '../../../src/config/alertmanager.js';
import { ZERO_TIME, makeAlert, parseRFC3339, type Alert } from '../../../src/alertmanager/alert.js';
import type { NotifyContext } from '../../../src/alertmanager/notify/common.js';
import { NotificationTemplates, templateData } from '../../../src/alertmanager/template.js';

/** A request the sink received. */
export interface Req {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
/**
 * The local sink: every request is recorded in `requests`; Telegram, WeChat, Rocket.Chat and
 * `/slack-api` (JSON, as Slack's `chat.postMessage`) paths answer with `answers`, `/sns…` with SNS XML (403 for `denied`), paths containing `fail`
 * with 503, `limited` with 429, others with 200 `ok`.
 */
export const sink = {
  base: '',
  requests: [] as Req[],
  answers: { telegram: '', wechat: '', rocket: '', slack: '' },
};
let server: Server;

/** Starts the sink on 127.0.0.1 and resets it before each test of the calling file. */
export function useSink(): void {
  beforeAll(startSink);
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    sink.requests = [];
    sink.answers = {
      telegram: '{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":123,"type":"private"}}}',
      wechat: '{"errcode":0,"errmsg":"ok"}',
      rocket: '{"success":true}',
      slack: '{"ok":true}',
    };
  });
}

async function startSink(): Promise<void> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      sink.requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url!.startsWith('/telegram')) {
        res.setHeader('content-type', 'application/json');
        return res.end(sink.answers.telegram);
      }
      if (req.url!.startsWith('/wechat/gettoken')) return res.end('{"access_token":"tok123","expires_in":7200}');
      if (req.url!.startsWith('/wechat/')) return res.end(sink.answers.wechat);
      if (req.url!.startsWith('/rc/')) return res.end(sink.answers.rocket);
      if (req.url!.startsWith('/slack-api')) {
        res.setHeader('content-type', 'application/json; charset=utf-8');
        return res.end(sink.answers.slack);
      }
      if (req.url!.startsWith('/sns')) {
        res.setHeader('content-type', 'text/xml');
        if (req.url!.includes('denied')) {
          res.statusCode = 403;
          return res.end('<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>not allowed</Message></Error></ErrorResponse>');
        }
        return res.end('<PublishResponse><PublishResult><MessageId>m1</MessageId></PublishResult></PublishResponse>');
      }
      res.statusCode = req.url!.includes('fail') ? 503 : req.url!.includes('limited') ? 429 : 200;
      if (res.statusCode === 429) return res.end('{"message":"slow down","errors":["a","b"]}');
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  sink.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** ms of an RFC 3339 time. */
export const t = (s: string) => parseRFC3339(s)!;
/** The external URL, group, times (ms) and group-key hash of the test notifications. */
export const EXTERNAL = 'http://am.example:9093';
export const GROUP_KEY = '{}:{alertname="Disk", cluster="c1"}';
export const GROUP = { alertname: 'Disk', cluster: 'c1' };
export const NOW = t('2026-11-29T22:00:30Z');
export const LATER = t('2026-11-29T22:02:00Z');
export const RESOLVED_AT = t('2026-11-29T22:01:00Z');
export const HASH = '843be1a89cabb7e7ff393d42eea0ed691e1356bf856007c3808dbd406d325770';

/** The notification context of the `team.x` receiver's Disk group at `now` (ms). */
export function ctx(now: number): NotifyContext {
  const templates = new NotificationTemplates([], EXTERNAL);
  return {
    receiver: 'team.x',
    groupKey: GROUP_KEY,
    groupLabels: GROUP,
    now,
    signal: new AbortController().signal,
    templates,
    data: (as) => templateData('team.x', GROUP, as, EXTERNAL, now),
  };
}

/** The two Disk alerts, ending at `endsAt` (ms; ZERO_TIME while firing). */
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
/** The two alerts firing, and resolved at RESOLVED_AT. */
export const FIRING = () => diskAlerts(ZERO_TIME);
export const RESOLVED = () => diskAlerts(RESOLVED_AT);

/** `__text_alert_list` of the two alerts. */
export const LIST =
  'Labels:\n - alertname = Disk\n - cluster = c1\n - instance = a:1\n - job = node\n - severity = critical\nAnnotations:\n - summary = disk full\nSource: \n' +
  'Labels:\n - alertname = Disk\n - cluster = c1\n - instance = b:1\n - severity = critical\nAnnotations:\n - runbook = r\n - summary = disk full\nSource: http://prom/x\n';
/** `__text_alert_list_markdown` of the two alerts. */
export const MD_LIST =
  '\nLabels:\n  - alertname = Disk\n  - cluster = c1\n  - instance = a:1\n  - job = node\n  - severity = critical\n\nAnnotations:\n  - summary = disk full\n\nSource: \n' +
  '\nLabels:\n  - alertname = Disk\n  - cluster = c1\n  - instance = b:1\n  - severity = critical\n\nAnnotations:\n  - runbook = r\n  - summary = disk full\n\nSource: http://prom/x\n\n';

/** A JSON body as Go's encoder writes it (for values without `<`, `>`, `&`). */
export const body = (v: unknown) => JSON.stringify(v) + '\n';

/** The `team.x` receiver with one or more configs of every integration, pointed at the sink. */
export function config(): ReceiverConfig {
  return parseAlertmanagerConfig(
    `global:
  opsgenie_api_url: ${sink.base}/opsgenie/
  opsgenie_api_key: og-key
  victorops_api_url: ${sink.base}/victorops/
  victorops_api_key: vo-key
  telegram_api_url: ${sink.base}/telegram
  webex_api_url: ${sink.base}/webex
  wechat_api_url: ${sink.base}/wechat/
  wechat_api_secret: sec ret
  wechat_api_corp_id: corp1
  mattermost_webhook_url: ${sink.base}/mattermost-global
  rocketchat_api_url: ${sink.base}/rc/
  rocketchat_token: rc-token
  rocketchat_token_id: rc-user
route: {receiver: team.x}
receivers:
  - name: team.x
    email_configs:
      - {to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:1'}
    opsgenie_configs:
      - send_resolved: true
        update_alerts: true
        tags: 'a,b, c'
        details: {dk: '{{ .Status }}'}
        responders:
          - {name: 't1,t2', type: teams}
          - {id: 'u1', type: user}
        priority: P2
        note: n
        entity: e
        actions: 'x,y'
    victorops_configs:
      - routing_key: rk
        send_resolved: true
        custom_fields: {cf: '{{ .Status }}'}
    telegram_configs:
      - bot_token: tok
        chat_id: 123
        send_resolved: true
    webex_configs:
      - room_id: room1
        send_resolved: true
        http_config: {authorization: {credentials: wx}}
    discord_configs:
      - webhook_url: ${sink.base}/discord
        send_resolved: true
      - webhook_url: ${sink.base}/discord-fail
    msteams_configs:
      - webhook_url: ${sink.base}/msteams
    msteamsv2_configs:
      - webhook_url: ${sink.base}/msteamsv2
    wechat_configs:
      - send_resolved: true
        to_user: '@all'
        agent_id: '1000002'
      - message_type: markdown
        to_party: p1
        message: '**{{ .Status }}**'
    mattermost_configs:
      - webhook_url: ${sink.base}/mattermost
        channel: '#alerts'
      - text: 'hello {{ .Status }}'
        attachments:
          - title: 'T {{ .Status }}'
            fields: [{title: a, value: '{{ .CommonLabels.severity }}', short: false}, {title: c, value: d}]
        props: {card: 'card {{ .Status }}'}
        priority: {priority: URGENT, requested_ack: true, persistent_notifications: true}
      - priority: {priority: bogus, requested_ack: true, persistent_notifications: true}
        icon_emoji: ':fire:'
    rocketchat_configs:
      - channel: '#ops'
      - short_fields: true
        fields: [{title: sev, value: '{{ .CommonLabels.severity }}'}, {title: x, value: y, short: false}]
        actions: [{text: Open, url: 'http://runbook/{{ .GroupLabels.alertname }}'}]
        icon_url: 'http://icon'
    incidentio_configs:
      - url: ${sink.base}/incidentio
        alert_source_token: inc-token
        max_alerts: 1
      - url: ${sink.base}/incidentio-limited
        http_config: {authorization: {credentials: from-http-config}}
    sns_configs:
      - api_url: ${sink.base}/sns
        topic_arn: arn:aws:sns:us-east-2:123456789012:My-Topic
        subject: 'subj {{ .Status }}'
        sigv4: {region: us-east-2, access_key: AKIDEXAMPLE, secret_key: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY}
        attributes: {severity: Sev2, 'k{{ .Status }}': 'v{{ .Status }}'}
      - api_url: ${sink.base}/sns
        topic_arn: arn:aws:sns:us-east-2:123456789012:My-Topic.fifo
        sigv4: {region: us-east-2, access_key: AKIDEXAMPLE, secret_key: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY}
      - api_url: ${sink.base}/sns
        phone_number: '+15555550100'
        message: 'short {{ .Status }}'
        sigv4: {region: us-east-2}
      - api_url: ${sink.base}/sns-denied
        target_arn: arn:aws:sns:us-east-2:123456789012:endpoint/x
        sigv4: {region: us-east-2, role_arn: 'arn:aws:iam::123456789012:role/r'}
    pushover_configs:
      - user_key: uk
        token: tk
        retry: 2m
        html: true
        message: '{{ .CommonAnnotations.summary }} <b>{{ .Status }}</b>'
`,
    '/tmp/am.yml',
  ).receivers[0]!;
}

/** The `i`-th config of an integration in `r`. */
export function other<T extends OtherIntegrationConfig['integration']>(r: ReceiverConfig, name: T, i = 0): Extract<OtherIntegrationConfig, { integration: T }> {
  return r.other_configs.filter((c) => c.integration === name)[i] as Extract<OtherIntegrationConfig, { integration: T }>;
}

