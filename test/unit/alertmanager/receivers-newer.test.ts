/**
 * Receiver integrations newer than Alertmanager 0.25 (MS Teams v1/v2, Mattermost, Rocket.Chat,
 * incident.io, Slack's `message_text` and `chat.postMessage` answers) and Pushover (whose 0.25 endpoint is fixed, so not capturable), against a local
 * sink on 127.0.0.1; expected payloads follow upstream's sources.
 */
import { describe, expect, it } from 'vitest';
import { parseAlertmanagerConfig, type PushoverConfig } from '../../../src/config/alertmanager.js';
import { NotifyError } from '../../../src/alertmanager/notify/common.js';
import { IncidentioNotifier } from '../../../src/alertmanager/notify/incidentio.js';
import { MattermostNotifier } from '../../../src/alertmanager/notify/mattermost.js';
import { MSTeamsNotifier, MSTeamsV2Notifier } from '../../../src/alertmanager/notify/msteams.js';
import { PushoverNotifier } from '../../../src/alertmanager/notify/pushover.js';
import { RocketchatNotifier } from '../../../src/alertmanager/notify/rocketchat.js';
import { SlackNotifier } from '../../../src/alertmanager/notify/slack.js';
import { FIRING, GROUP_KEY, LATER, MD_LIST, NOW, RESOLVED, body, config, ctx, other, sink, useSink } from './sink.js';

useSink();

describe('newer receiver integrations against a local sink', () => {
  it('MS Teams: MessageCard with markdown text and theme colour (upstream msteams)', async () => {
    await new MSTeamsNotifier(other(config(), 'msteams')).notify(ctx(NOW), FIRING());
    expect(sink.requests.map((q) => [q.url, q.body])).toEqual([
      [
        '/msteams',
        body({
          '@context': 'http://schema.org/extensions',
          type: 'MessageCard',
          title: '[FIRING:2] Disk c1 (critical)',
          summary: '[FIRING:2] Disk c1 (critical)',
          text: `\n\n# Alerts Firing:\n${MD_LIST}\n\n\n`,
          themeColor: '8C1A1A',
        }),
      ],
    ]);
  });

  it('MS Teams v2: Adaptive Card with heading colour (upstream msteamsv2)', async () => {
    await new MSTeamsV2Notifier(other(config(), 'msteamsv2')).notify(ctx(LATER), RESOLVED());
    expect(sink.requests.map((q) => [q.url, q.body])).toEqual([
      [
        '/msteamsv2',
        body({
          type: 'message',
          attachments: [
            {
              contentType: 'application/vnd.microsoft.card.adaptive',
              contentUrl: null,
              content: {
                $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
                type: 'AdaptiveCard',
                version: '1.2',
                body: [
                  { type: 'TextBlock', text: '[RESOLVED] Disk c1 (critical)', weight: 'Bolder', size: 'Medium', wrap: true, style: 'heading', color: 'Good' },
                  { type: 'TextBlock', text: `\n\n\n# Alerts Resolved:\n${MD_LIST}\n\n`, wrap: true },
                ],
                msteams: { width: 'full' },
              },
            },
          ],
        }),
      ],
    ]);
  });

  it('Mattermost: default attachment, configured attachments with props and priority, priority rules (upstream mattermost)', async () => {
    const r = config();
    for (let i = 0; i < 3; i++) await new MattermostNotifier(other(r, 'mattermost', i)).notify(ctx(NOW), FIRING());
    const link = 'http://am.example:9093/#/alerts?receiver=team%5C.x';
    expect(sink.requests.map((q) => [q.url, q.body])).toEqual([
      [
        '/mattermost',
        body({
          channel: '#alerts',
          username: 'Alertmanager',
          attachments: [
            {
              fallback: `[FIRING:2] Disk c1 (critical) | ${link}`,
              color: 'danger',
              text: `\n\n# Alerts Firing:\n${MD_LIST}\n\n\n`,
              title: '[FIRING:2] Disk c1 (critical)',
              title_link: link,
            },
          ],
        }),
      ],
      [
        '/mattermost-global',
        body({
          text: 'hello firing',
          username: 'Alertmanager',
          attachments: [
            {
              title: 'T firing',
              fields: [
                { title: 'a', value: 'critical', short: false },
                { title: 'c', value: 'd' },
              ],
            },
          ],
          props: { card: 'card firing' },
          priority: { priority: 'urgent', requested_ack: true, persistent_notifications: true },
        }),
      ],
      [
        '/mattermost-global',
        body({
          username: 'Alertmanager',
          icon_emoji: ':fire:',
          attachments: [
            {
              fallback: `[FIRING:2] Disk c1 (critical) | ${link}`,
              color: 'danger',
              text: `\n\n# Alerts Firing:\n${MD_LIST}\n\n\n`,
              title: '[FIRING:2] Disk c1 (critical)',
              title_link: link,
            },
          ],
          priority: { priority: 'standard' },
        }),
      ],
    ]);
  });

  it('Rocket.Chat: chat.postMessage with token headers, fields and button actions (upstream rocketchat)', async () => {
    const r = config();
    await new RocketchatNotifier(other(r, 'rocketchat')).notify(ctx(NOW), FIRING());
    const second = new RocketchatNotifier(other(r, 'rocketchat', 1));
    await second.notify(ctx(LATER), RESOLVED());
    const link = 'http://am.example:9093/#/alerts?receiver=team%5C.x';
    expect(sink.requests.map((q) => [q.url, q.headers['x-auth-token'], q.headers['x-user-id'], q.body])).toEqual([
      ['/rc/api/v1/chat.postMessage', 'rc-token', 'rc-user', body({ channel: '#ops', attachments: [{ title: '[FIRING:2] Disk c1 (critical)', title_link: link, color: 'red' }] })],
      [
        '/rc/api/v1/chat.postMessage',
        'rc-token',
        'rc-user',
        body({
          avatar: 'http://icon',
          attachments: [
            {
              title: '[RESOLVED] Disk c1 (critical)',
              title_link: link,
              color: 'green',
              fields: [
                { short: true, title: 'sev', value: 'critical' },
                { short: false, title: 'x', value: 'y' },
              ],
              actions: [{ type: 'button', text: 'Open', url: 'http://runbook/Disk', is_webview: false, msg_in_chat_window: false }],
            },
          ],
        }),
      ],
    ]);
    sink.answers.rocket = '{"success":false,"error":"error-invalid-channel"}';
    await expect(second.notify(ctx(NOW), FIRING())).rejects.toEqual(new NotifyError('channel "": error response from Rocketchat: error-invalid-channel', false));
    sink.answers.rocket = 'oops';
    const e = (await second.notify(ctx(NOW), FIRING()).catch((x: unknown) => x)) as NotifyError;
    expect([e.retry, e.message.startsWith('channel "": could not unmarshal JSON response "oops"')]).toEqual([true, true]);
  });

  it('incident.io: the webhook message as version 1 with the alert source token; 429 is retried with details', async () => {
    const r = config();
    await new IncidentioNotifier(other(r, 'incidentio')).notify(ctx(NOW), FIRING());
    const q = sink.requests[0]!;
    expect([q.url, q.headers.authorization, q.headers['content-type']]).toEqual(['/incidentio', 'Bearer inc-token', 'application/json']);
    const m = JSON.parse(q.body);
    expect(Object.keys(m)).toEqual(['receiver', 'status', 'alerts', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL', 'version', 'groupKey', 'truncatedAlerts']);
    expect([m.version, m.groupKey, m.truncatedAlerts, m.alerts.map((a: any) => a.labels.instance)]).toEqual(['1', GROUP_KEY, 1, ['a:1']]);
    const e = (await new IncidentioNotifier(other(r, 'incidentio', 1)).notify(ctx(NOW), FIRING()).catch((x: unknown) => x)) as NotifyError;
    expect(sink.requests[1]!.headers.authorization).toBe('Bearer from-http-config');
    expect(e).toEqual(new NotifyError('unexpected status code 429: slow down: a, b', true));
    // Over 512 KiB: sent with the first alert only.
    const big = FIRING().map((a) => ({ ...a, annotations: { text: 'x'.repeat(300 * 1024) } }));
    await new IncidentioNotifier({ ...other(r, 'incidentio'), max_alerts: 0 }).notify(ctx(NOW), big);
    expect(JSON.parse(sink.requests[2]!.body).alerts.map((a: any) => a.labels.instance)).toEqual(['a:1']);
  });

  it('Pushover: parameters in the query string of an empty text/plain POST (upstream pushover)', async () => {
    const conf = other(config(), 'pushover') as PushoverConfig;
    await new PushoverNotifier(conf, `${sink.base}/pushover/1/messages.json`).notify(ctx(NOW), FIRING());
    const q = sink.requests[0]!;
    expect([q.method, q.headers['content-type'], q.body]).toEqual(['POST', 'text/plain', '']);
    const u = new URL(q.url, sink.base);
    expect(u.pathname).toBe('/pushover/1/messages.json');
    expect([...u.searchParams.keys()]).toEqual(['expire', 'html', 'message', 'priority', 'retry', 'sound', 'title', 'token', 'url', 'url_title', 'user']);
    expect(Object.fromEntries(u.searchParams)).toEqual({
      expire: '3600',
      html: '1',
      message: 'disk full <b>firing</b>',
      priority: '2',
      retry: '120',
      sound: '',
      title: '[FIRING:2] Disk c1 (critical)',
      token: 'tk',
      url: 'http://am.example:9093/#/alerts?receiver=team%5C.x',
      url_title: '',
      user: 'uk',
    });
  });

  it('Slack (newer upstream): message_text is the top-level text; a chat.postMessage JSON answer is checked', async () => {
    const r = parseAlertmanagerConfig(
      `route: {receiver: r}
receivers:
  - name: r
    slack_configs:
      - {api_url: '${sink.base}/slack-api', channel: '#ops', message_text: 'top {{ .Status }}'}
`,
      '/tmp/a.yml',
    ).receivers[0]!;
    const slack = new SlackNotifier(r.slack_configs[0]!);
    await slack.notify(ctx(NOW), FIRING());
    const m = JSON.parse(sink.requests[0]!.body);
    expect([m.channel, m.text, m.attachments[0].title]).toEqual(['#ops', 'top firing', '[FIRING:2] Disk c1 (critical)']);
    expect(Object.keys(m).indexOf('text')).toBe(Object.keys(m).indexOf('attachments') - 1);
    sink.answers.slack = '{"ok":false,"error":"channel_not_found"}';
    await expect(slack.notify(ctx(NOW), FIRING())).rejects.toEqual(new NotifyError('channel "#ops": error response from Slack: channel_not_found', false));
    sink.answers.slack = 'not json';
    const e = (await slack.notify(ctx(NOW), FIRING()).catch((x: unknown) => x)) as NotifyError;
    expect([e.retry, e.message.startsWith('channel "#ops": could not unmarshal JSON response "not json"')]).toEqual([true, true]);
  });
});
