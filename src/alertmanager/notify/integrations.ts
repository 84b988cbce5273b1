/**
 * Builds each receiver's integrations from the config, in upstream 0.25's order (webhook, email,
 * pagerduty, opsgenie, wechat, slack, victorops, pushover, sns, telegram, then the newer ones).
 * Jira, which Lookout cannot send to, is kept (so nothing is silently dropped): a warning is
 * logged when the receivers are built and each notification attempt fails with a non-retryable
 * error that is logged and counted.
 */
import type { AlertmanagerConfig, HTTPClientConfig, OtherIntegrationConfig, ReceiverConfig } from '../../config/alertmanager/types.js';
import type { Logger } from '../../log.js';
import { NotifyError, type Integration, type Notifier } from './common.js';
import { DiscordNotifier } from './discord.js';
import { EmailNotifier } from './email.js';
import { IncidentioNotifier } from './incidentio.js';
import { MattermostNotifier } from './mattermost.js';
import { MSTeamsNotifier, MSTeamsV2Notifier } from './msteams.js';
import { OpsgenieNotifier } from './opsgenie.js';
import { PagerdutyNotifier } from './pagerduty.js';
import { PushoverNotifier } from './pushover.js';
import { RocketchatNotifier } from './rocketchat.js';
import { SlackNotifier } from './slack.js';
import { SNSNotifier } from './sns.js';
import { TelegramNotifier } from './telegram.js';
import { VictorOpsNotifier } from './victorops.js';
import { WebexNotifier } from './webex.js';
import { WebhookNotifier } from './webhook.js';
import { WechatNotifier } from './wechat.js';

const ORDER = ['webhook', 'email', 'pagerduty', 'opsgenie', 'wechat', 'slack', 'victorops', 'pushover', 'sns', 'telegram', 'discord', 'webex', 'msteams', 'msteamsv2', 'jira', 'incidentio', 'rocketchat', 'mattermost'];

/** The notifier of an integration configured through `integrations.ts`. */
function otherNotifier(c: OtherIntegrationConfig): Notifier {
  switch (c.integration) {
    case 'opsgenie':
      return new OpsgenieNotifier(c);
    case 'telegram':
      return new TelegramNotifier(c);
    case 'discord':
      return new DiscordNotifier(c);
    case 'msteams':
      return new MSTeamsNotifier(c);
    case 'msteamsv2':
      return new MSTeamsV2Notifier(c);
    case 'webex':
      return new WebexNotifier(c);
    case 'victorops':
      return new VictorOpsNotifier(c);
    case 'pushover':
      return new PushoverNotifier(c);
    case 'wechat':
      return new WechatNotifier(c);
    case 'mattermost':
      return new MattermostNotifier(c);
    case 'rocketchat':
      return new RocketchatNotifier(c);
    case 'incidentio':
      return new IncidentioNotifier(c);
    case 'sns':
      return new SNSNotifier(c);
    default:
      return new UnsupportedNotifier(c.integration);
  }
}

class UnsupportedNotifier implements Notifier {
  constructor(private readonly integration: string) {}
  notify(): Promise<void> {
    return Promise.reject(new NotifyError(`${this.integration} notifications are not implemented in Lookout`, false));
  }
}

function httpWarnings(h: HTTPClientConfig): string[] {
  const out: string[] = [];
  if (h.proxyUrl !== '' || h.proxyFromEnvironment) out.push('proxy settings are ignored (direct connections)');
  const t = h.tlsConfig;
  if (t.ca !== '' || t.caFile !== '' || t.cert !== '' || t.certFile !== '' || t.insecureSkipVerify || t.serverName !== '') {
    out.push('tls_config is ignored (system trust store)');
  }
  if (!h.enableHttp2) out.push('enable_http2: false is ignored');
  if (h.oauth2) out.push('oauth2 is not supported: notifications will fail');
  return out;
}

function receiverIntegrations(r: ReceiverConfig, log: Logger): Integration[] {
  const out: Integration[] = [];
  const warn = (name: string, index: number, h: HTTPClientConfig) => {
    for (const w of httpWarnings(h)) log.warn(`http_config: ${w}`, { receiver: r.name, integration: `${name}[${index}]` });
  };
  for (const c of r.webhook_configs) {
    warn('webhook', c.index, c.http_config);
    out.push({ name: 'webhook', index: c.index, sendResolved: c.send_resolved, notifier: new WebhookNotifier(c) });
  }
  for (const c of r.email_configs) {
    out.push({ name: 'email', index: c.index, sendResolved: c.send_resolved, notifier: new EmailNotifier(c) });
  }
  for (const c of r.pagerduty_configs) {
    warn('pagerduty', c.index, c.http_config);
    out.push({ name: 'pagerduty', index: c.index, sendResolved: c.send_resolved, notifier: new PagerdutyNotifier(c) });
  }
  for (const c of r.slack_configs) {
    warn('slack', c.index, c.http_config);
    out.push({ name: 'slack', index: c.index, sendResolved: c.send_resolved, notifier: new SlackNotifier(c) });
  }
  for (const c of r.other_configs) {
    if ('http_config' in c) warn(c.integration, c.index, c.http_config);
    if (c.integration === 'sns' && c.sigv4.role_arn !== '') {
      log.warn('sigv4.role_arn (STS AssumeRole) is not supported: notifications will fail', { receiver: r.name, integration: `sns[${c.index}]` });
    }
    out.push({ name: c.integration, index: c.index, sendResolved: c.send_resolved, notifier: otherNotifier(c) });
  }
  for (const i of out) {
    if (i.notifier instanceof UnsupportedNotifier) {
      log.warn('integration not implemented in Lookout: notifications to it will fail', { receiver: r.name, integration: `${i.name}[${i.index}]` });
    }
  }
  const rank = (n: string) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  return out.sort((a, b) => rank(a.name) - rank(b.name));
}

/** Integrations by receiver name. */
export function buildReceivers(cfg: AlertmanagerConfig, log: Logger): Map<string, Integration[]> {
  return new Map(cfg.receivers.map((r) => [r.name, receiverIntegrations(r, log)]));
}
