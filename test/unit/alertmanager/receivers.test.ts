/**
 * Receiver integrations of Alertmanager 0.25 (OpsGenie, VictorOps, Telegram, Webex, Discord,
 * WeChat, SNS) against a local sink on 127.0.0.1 (nothing reaches the network): the expected
 * bodies were captured from Alertmanager 0.25 (Debian build) fed the same config and alerts. Also:
 * every configured integration is wired to its notifier, Jira (not sent to) fails loudly, and
 * integrations notify through the dispatcher.
 */
import { describe, expect, it } from 'vitest';
import { parseAlertmanagerConfig } from '../../../src/config/alertmanager.js';
import { NotifyError } from '../../../src/alertmanager/notify/common.js';
import { DiscordNotifier } from '../../../src/alertmanager/notify/discord.js';
import { buildReceivers } from '../../../src/alertmanager/notify/integrations.js';
import { OpsgenieNotifier } from '../../../src/alertmanager/notify/opsgenie.js';
import { sigv4Authorization } from '../../../src/alertmanager/notify/sigv4.js';
import { SNSNotifier } from '../../../src/alertmanager/notify/sns.js';
import { TelegramNotifier } from '../../../src/alertmanager/notify/telegram.js';
import { VictorOpsNotifier } from '../../../src/alertmanager/notify/victorops.js';
import { WebexNotifier } from '../../../src/alertmanager/notify/webex.js';
import { WechatNotifier } from '../../../src/alertmanager/notify/wechat.js';
import { Logger } from '../../../src/log.js';
import { Receiver, iso, metric, post, startAm, until } from './harness.js';
import { FIRING, HASH, LATER, LIST, NOW, RESOLVED, body, config, ctx, other, sink, useSink } from './sink.js';

useSink();

describe('receiver integrations against a local sink', () => {
  it('are all wired: each configured integration gets its own notifier', () => {
    const built = buildReceivers({ ...parseAlertmanagerConfig('route: {receiver: r}\nreceivers: [{name: r}]\n', '/tmp/a.yml'), receivers: [config()] }, new Logger({}));
    const names = built.get('team.x')!.map((i) => `${i.name}:${i.notifier.constructor.name}`);
    expect(names).toEqual([
      'email:EmailNotifier',
      'opsgenie:OpsgenieNotifier',
      'wechat:WechatNotifier',
      'wechat:WechatNotifier',
      'victorops:VictorOpsNotifier',
      'pushover:PushoverNotifier',
      'sns:SNSNotifier',
      'sns:SNSNotifier',
      'sns:SNSNotifier',
      'sns:SNSNotifier',
      'telegram:TelegramNotifier',
      'discord:DiscordNotifier',
      'discord:DiscordNotifier',
      'webex:WebexNotifier',
      'msteams:MSTeamsNotifier',
      'msteamsv2:MSTeamsV2Notifier',
      'incidentio:IncidentioNotifier',
      'incidentio:IncidentioNotifier',
      'rocketchat:RocketchatNotifier',
      'rocketchat:RocketchatNotifier',
      'mattermost:MattermostNotifier',
      'mattermost:MattermostNotifier',
      'mattermost:MattermostNotifier',
    ]);
  });

  it('Jira configs (and SNS with role_arn) load, are logged at start as not sent to, and fail without retry', async () => {
    const cfg = parseAlertmanagerConfig(
      `route: {receiver: r}
receivers:
  - name: r
    jira_configs: [{api_url: 'http://127.0.0.1:1/jira', project: OPS, issue_type: Bug}]
`,
      '/tmp/a.yml',
    );
    const warnings: string[] = [];
    class Capture extends Logger {
      override warn(msg: string, fields?: Record<string, unknown>): void {
        warnings.push(`${msg} ${JSON.stringify(fields)}`);
      }
    }
    const [jira] = buildReceivers(cfg, new Capture()).get('r')!;
    expect(warnings).toEqual(['integration not implemented in Lookout: notifications to it will fail {"receiver":"r","integration":"jira[0]"}']);
    // Likewise an SNS config that needs STS AssumeRole.
    warnings.length = 0;
    buildReceivers({ ...cfg, receivers: [config()] }, new Capture());
    expect(warnings).toEqual(['sigv4.role_arn (STS AssumeRole) is not supported: notifications will fail {"receiver":"team.x","integration":"sns[3]"}']);
    await expect(jira!.notifier.notify(ctx(NOW), FIRING())).rejects.toEqual(new NotifyError('jira notifications are not implemented in Lookout', false));
    expect(sink.requests).toEqual([]);
  });

  it('OpsGenie: create with update_alerts, then close (bodies as Alertmanager 0.25)', async () => {
    const n = new OpsgenieNotifier(other(config(), 'opsgenie'));
    await n.notify(ctx(NOW), FIRING());
    await n.notify(ctx(LATER), RESOLVED());
    const description = `disk full\nAlerts Firing:\n${LIST}\n`;
    expect(sink.requests.map((q) => [q.method, q.url, q.headers.authorization, q.headers['content-type'], q.body])).toEqual([
      [
        'POST',
        '/opsgenie/v2/alerts',
        'GenieKey og-key',
        'application/json',
        body({
          alias: HASH,
          message: '[FIRING:2] Disk c1 (critical)',
          description,
          details: { alertname: 'Disk', cluster: 'c1', dk: 'firing', severity: 'critical' },
          source: 'http://am.example:9093/#/alerts?receiver=team%5C.x',
          responders: [
            { name: 't1', type: 'team' },
            { name: 't2', type: 'team' },
            { id: 'u1', type: 'user' },
          ],
          tags: ['a', 'b', ' c'],
          note: 'n',
          priority: 'P2',
          entity: 'e',
          actions: ['x', 'y'],
        }),
      ],
      ['PUT', `/opsgenie/v2/alerts/${HASH}/message?identifierType=alias`, 'GenieKey og-key', 'application/json', body({ message: '[FIRING:2] Disk c1 (critical)' })],
      ['PUT', `/opsgenie/v2/alerts/${HASH}/description?identifierType=alias`, 'GenieKey og-key', 'application/json', body({ description })],
      ['POST', `/opsgenie/v2/alerts/${HASH}/close?identifierType=alias`, 'GenieKey og-key', 'application/json', body({ source: 'http://am.example:9093/#/alerts?receiver=team%5C.x' })],
    ]);
  });

  it('VictorOps: CRITICAL then RECOVERY with custom fields, keys sorted (as Alertmanager 0.25)', async () => {
    const n = new VictorOpsNotifier(other(config(), 'victorops'));
    await n.notify(ctx(NOW), FIRING());
    await n.notify(ctx(LATER), RESOLVED());
    expect(sink.requests.map((q) => [q.url, q.body])).toEqual([
      [
        '/victorops/vo-key/rk',
        body({
          cf: 'firing',
          entity_display_name: '[FIRING:2] Disk c1 (critical)',
          entity_id: HASH,
          message_type: 'CRITICAL',
          monitoring_tool: 'Alertmanager',
          state_message: `disk full\nAlerts Firing:\n${LIST}\n`,
        }),
      ],
      [
        '/victorops/vo-key/rk',
        body({
          cf: 'resolved',
          entity_display_name: '[RESOLVED] Disk c1 (critical)',
          entity_id: HASH,
          message_type: 'RECOVERY',
          monitoring_tool: 'Alertmanager',
          state_message: `disk full\n\nAlerts Resolved:\n${LIST}`,
        }),
      ],
    ]);
  });

  it('Telegram: sendMessage with string parameters (as Alertmanager 0.25); a Bot API error is reported', async () => {
    const n = new TelegramNotifier(other(config(), 'telegram'));
    await n.notify(ctx(NOW), FIRING());
    await n.notify(ctx(LATER), RESOLVED());
    expect(sink.requests.map((q) => [q.url, q.headers['content-type'], q.body])).toEqual([
      [
        '/telegram/bottok/sendMessage',
        'application/json',
        body({ chat_id: '123', disable_web_page_preview: 'true', parse_mode: 'HTML', text: `\n\nAlerts Firing:\n${LIST}\n\n\n` }),
      ],
      [
        '/telegram/bottok/sendMessage',
        'application/json',
        body({ chat_id: '123', disable_web_page_preview: 'true', parse_mode: 'HTML', text: `\n\n\nAlerts Resolved:\n${LIST}\n\n` }),
      ],
    ]);
    sink.answers.telegram = '{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}';
    await expect(n.notify(ctx(NOW), FIRING())).rejects.toEqual(new NotifyError('telegram: Bad Request: chat not found (400)', true));
  });

  it('Telegram: parse_mode HTML escapes template values', async () => {
    const r = parseAlertmanagerConfig(
      `route: {receiver: r}\nreceivers: [{name: r, telegram_configs: [{api_url: '${sink.base}/telegram', bot_token: tok, chat_id: -5, message: '<b>{{ .CommonAnnotations.x }}</b>'}]}]\n`,
      '/tmp/a.yml',
    ).receivers[0]!;
    const alerts = FIRING().map((a) => ({ ...a, annotations: { x: 'a<b & "c"' } }));
    await new TelegramNotifier(other(r, 'telegram')).notify(ctx(NOW), alerts);
    expect(JSON.parse(sink.requests[0]!.body)).toEqual({ chat_id: '-5', disable_web_page_preview: 'true', parse_mode: 'HTML', text: '<b>a&lt;b &amp; &#34;c&#34;</b>' });
  });

  it('Webex: markdown and roomId with the http_config authorization (as Alertmanager 0.25)', async () => {
    const n = new WebexNotifier(other(config(), 'webex'));
    await n.notify(ctx(NOW), FIRING());
    await n.notify(ctx(LATER), RESOLVED());
    expect(sink.requests.map((q) => [q.url, q.headers.authorization, q.body])).toEqual([
      ['/webex', 'Bearer wx', body({ markdown: `disk full\n\nAlerts Firing:\n${LIST}\n\n\n`, roomId: 'room1' })],
      ['/webex', 'Bearer wx', body({ markdown: `disk full\n\n\nAlerts Resolved:\n${LIST}\n\n`, roomId: 'room1' })],
    ]);
  });

  it('Discord: embed with title, description and status colour (as Alertmanager 0.25); 5xx is retried', async () => {
    const r = config();
    const n = new DiscordNotifier(other(r, 'discord'));
    await n.notify(ctx(NOW), FIRING());
    await n.notify(ctx(LATER), RESOLVED());
    expect(sink.requests.map((q) => [q.url, q.body])).toEqual([
      ['/discord', body({ content: '', embeds: [{ title: '[FIRING:2] Disk c1 (critical)', description: `\n\nAlerts Firing:\n${LIST}\n\n\n`, color: 10038562 }] })],
      ['/discord', body({ content: '', embeds: [{ title: '[RESOLVED] Disk c1 (critical)', description: `\n\n\nAlerts Resolved:\n${LIST}\n\n`, color: 3066993 }] })],
    ]);
    const failing = new DiscordNotifier(other(r, 'discord', 1));
    await expect(failing.notify(ctx(NOW), FIRING())).rejects.toEqual(new NotifyError('unexpected status code 503: ok', true));
  });

  it('WeChat: one token request, then text or markdown messages (as Alertmanager 0.25)', async () => {
    const r = config();
    const n = new WechatNotifier(other(r, 'wechat'));
    await n.notify(ctx(NOW), FIRING());
    await n.notify(ctx(LATER), RESOLVED());
    await new WechatNotifier(other(r, 'wechat', 1)).notify(ctx(NOW), FIRING());
    const text = (status: string, sections: string) => ({
      text: { content: `[${status}] Disk c1 (critical)\ndisk full\n${sections}\nAlertmanagerUrl:\nhttp://am.example:9093/#/alerts?receiver=team%5C.x` },
      touser: '@all',
      agentid: '1000002',
      safe: '0',
      msgtype: 'text',
      markdown: { content: '' },
    });
    expect(sink.requests.map((q) => [q.method, q.url, q.headers['content-type'], q.body])).toEqual([
      ['GET', '/wechat/gettoken?corpid=corp1&corpsecret=sec+ret', undefined, ''],
      ['POST', '/wechat/message/send?access_token=tok123', 'application/json', body(text('FIRING:2', `Alerts Firing:\n${LIST}\n`))],
      ['POST', '/wechat/message/send?access_token=tok123', 'application/json', body(text('RESOLVED', `\nAlerts Resolved:\n${LIST}`))],
      ['GET', '/wechat/gettoken?corpid=corp1&corpsecret=sec+ret', undefined, ''],
      [
        'POST',
        '/wechat/message/send?access_token=tok123',
        'application/json',
        body({ text: { content: '' }, toparty: 'p1', safe: '0', msgtype: 'markdown', markdown: { content: '**firing**' } }),
      ],
    ]);
    sink.answers.wechat = '{"code":42001,"error":"access_token expired"}';
    await expect(n.notify(ctx(NOW), FIRING())).rejects.toEqual(new NotifyError('access_token expired', true));
    sink.answers.wechat = '{"code":40014,"error":"invalid access_token"}';
    await expect(n.notify(ctx(NOW), FIRING())).rejects.toEqual(new NotifyError('invalid access_token', false));
    // The expired token was dropped: a new one was requested before the second attempt.
    expect(sink.requests.slice(5).map((q) => q.url.split('?')[0])).toEqual(['/wechat/message/send', '/wechat/gettoken', '/wechat/message/send']);
  });

  it('SigV4: the signature the AWS SDK computed for a captured request', () => {
    const body = 'Action=Publish&Message=short+firing&MessageAttributes=&PhoneNumber=%2B15555550100&Subject=%5BFIRING%3A2%5D+Disk+c1+%28critical%29&Version=2010-03-31';
    const auth = sigv4Authorization(
      {
        method: 'POST',
        url: new URL('http://127.0.0.1:41199/sns/'),
        headers: { 'Content-Length': '148', 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8', 'X-Amz-Date': '20261130T021423Z' },
        body: Buffer.from(body),
      },
      { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: '' },
      'us-east-2',
      'sns',
    );
    expect(auth).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-2/sns/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=d04b1b2924a7daa8c366a3bcc2eefb577317e5d13f2a631c08a759f83370897b',
    );
  });

  it('SNS: signed Publish forms for a topic, a FIFO topic and a phone number (as Alertmanager 0.25)', async () => {
    const r = config();
    const env = { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'tok' };
    await new SNSNotifier(other(r, 'sns'), {}).notify(ctx(NOW), FIRING());
    await new SNSNotifier(other(r, 'sns'), {}).notify(ctx(LATER), RESOLVED());
    await new SNSNotifier(other(r, 'sns', 1), {}).notify(ctx(NOW), FIRING());
    await new SNSNotifier(other(r, 'sns', 2), env).notify(ctx(NOW), FIRING());
    const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
    const attrs = (status: string) =>
      `MessageAttributes.entry.1.Name=k${status}&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=v${status}` +
      '&MessageAttributes.entry.2.Name=severity&MessageAttributes.entry.2.Value.DataType=String&MessageAttributes.entry.2.Value.StringValue=Sev2';
    const firingMessage = enc(`disk full\n\nAlerts Firing:\n${LIST}\n\n\n`);
    const topic = 'arn%3Aaws%3Asns%3Aus-east-2%3A123456789012%3AMy-Topic';
    expect(sink.requests.map((q) => [q.url, q.headers['content-type'], q.body])).toEqual([
      ['/sns/', 'application/x-www-form-urlencoded; charset=utf-8', `Action=Publish&Message=${firingMessage}&${attrs('firing')}&Subject=subj+firing&TopicArn=${topic}&Version=2010-03-31`],
      [
        '/sns/',
        'application/x-www-form-urlencoded; charset=utf-8',
        `Action=Publish&Message=${enc(`disk full\n\n\nAlerts Resolved:\n${LIST}\n\n`)}&${attrs('resolved')}&Subject=subj+resolved&TopicArn=${topic}&Version=2010-03-31`,
      ],
      [
        '/sns/',
        'application/x-www-form-urlencoded; charset=utf-8',
        `Action=Publish&Message=${firingMessage}&MessageAttributes=&MessageDeduplicationId=${HASH}&MessageGroupId=${HASH}&Subject=%5BFIRING%3A2%5D+Disk+c1+%28critical%29&TopicArn=${topic}.fifo&Version=2010-03-31`,
      ],
      [
        '/sns/',
        'application/x-www-form-urlencoded; charset=utf-8',
        'Action=Publish&Message=short+firing&MessageAttributes=&PhoneNumber=%2B15555550100&Subject=%5BFIRING%3A2%5D+Disk+c1+%28critical%29&Version=2010-03-31',
      ],
    ]);
    // Each request carries a valid signature over what was sent (static keys, then the environment's).
    for (const [i, q] of sink.requests.entries()) {
      const signedWith = i < 3 ? { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: '' } : { accessKeyId: 'AKIDENV', secretAccessKey: 'env-secret', sessionToken: 'tok' };
      const signed: Record<string, string> = { 'content-length': q.headers['content-length'] as string, 'content-type': q.headers['content-type'] as string, 'x-amz-date': q.headers['x-amz-date'] as string };
      if (i === 3) signed['x-amz-security-token'] = q.headers['x-amz-security-token'] as string;
      const expected = sigv4Authorization({ method: 'POST', url: new URL(q.url, sink.base), headers: signed, body: Buffer.from(q.body) }, signedWith, 'us-east-2', 'sns');
      expect(q.headers.authorization).toBe(expected);
    }
    expect(sink.requests[3]!.headers['x-amz-security-token']).toBe('tok');
    // An SMS over 1600 bytes is cut and flagged with the `truncated` attribute.
    await new SNSNotifier({ ...other(r, 'sns', 2), message: 'é'.repeat(1000) }, env).notify(ctx(NOW), FIRING());
    expect(sink.requests[4]!.body).toBe(
      `Action=Publish&Message=${'%C3%A9'.repeat(800)}&MessageAttributes.entry.1.Name=truncated&MessageAttributes.entry.1.Value.DataType=String` +
        '&MessageAttributes.entry.1.Value.StringValue=true&PhoneNumber=%2B15555550100&Subject=%5BFIRING%3A2%5D+Disk+c1+%28critical%29&Version=2010-03-31',
    );
  });

  it('SNS: without credentials or with role_arn it fails before sending; an error answer gives its message', async () => {
    const r = config();
    const noCreds = (await new SNSNotifier(other(r, 'sns', 2), { HOME: '/nonexistent' }).notify(ctx(NOW), FIRING()).catch((x: unknown) => x)) as NotifyError;
    expect([noCreds.retry, noCreds.message]).toEqual([true, 'NoCredentialProviders: no valid providers in chain']);
    await expect(new SNSNotifier(other(r, 'sns', 3), {}).notify(ctx(NOW), FIRING())).rejects.toEqual(
      new NotifyError('sigv4.role_arn (STS AssumeRole) is not supported by Lookout', false),
    );
    expect(sink.requests).toEqual([]);
    const denied = { ...other(r, 'sns', 3), sigv4: { ...other(r, 'sns', 3).sigv4, role_arn: '', access_key: 'a', secret_key: 'b' } };
    await expect(new SNSNotifier(denied, {}).notify(ctx(NOW), FIRING())).rejects.toEqual(new NotifyError('unexpected status code 403: not allowed', false));
  });
});

describe('receiver integrations through the dispatcher', () => {
  it('loads them from alertmanager.yml, notifies each and counts per integration', async () => {
    const hook = await new Receiver().start();
    const T0 = Date.UTC(2024, 0, 1);
    const h = await startAm(
      `global:
  telegram_api_url: ${hook.url}/telegram
route: {receiver: chat, group_by: [alertname], group_wait: 30s}
receivers:
  - name: chat
    discord_configs: [{webhook_url: '${hook.url}/discord'}]
    telegram_configs: [{bot_token: tok, chat_id: 7, parse_mode: ''}]
    msteams_configs: [{webhook_url: '${hook.url}/msteams'}]
`,
      { start: T0 },
    );
    try {
      await post(h.am, [{ labels: { alertname: 'Web', instance: 'a' }, startsAt: iso(T0), endsAt: iso(T0 + 3600_000) }]);
      await h.clock.advance(30_000);
      await until(() => hook.requests.length === 3, 'three notifications');
      const byPath = Object.fromEntries(hook.requests.map((r) => [r.path, r.json]));
      expect(Object.keys(byPath).sort()).toEqual(['/discord', '/msteams', '/telegram/bottok/sendMessage']);
      expect(byPath['/discord'].embeds[0].title).toBe('[FIRING:1] Web (a)');
      expect(byPath['/msteams'].title).toBe('[FIRING:1] Web (a)');
      expect(byPath['/telegram/bottok/sendMessage'].chat_id).toBe('7');
      for (const integration of ['discord', 'msteams']) {
        let n: number | undefined;
        for (let i = 0; i < 500 && n !== 1; i++) {
          n = await metric(h.registry, 'alertmanager_notifications_total', { integration });
          if (n !== 1) await new Promise((r) => setTimeout(r, 10));
        }
        expect([integration, n]).toEqual([integration, 1]);
      }
    } finally {
      await h.am.stop();
      await hook.stop();
    }
  });
});
