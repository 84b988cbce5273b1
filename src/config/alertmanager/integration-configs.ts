/**
 * Typed configs of the integrations validated by `integrations.ts` that Lookout sends to:
 * OpsGenie, Telegram, Discord, Microsoft Teams (v1 MessageCard and v2 Adaptive Card), Webex,
 * VictorOps, Pushover, WeChat, Mattermost, Rocket.Chat, incident.io and SNS. Each builder runs after validation and fills in upstream's defaults
 * (`DefaultOpsGenieConfig`, …: the `{{ template "<integration>.default.*" . }}` texts) and the
 * inheritance of global settings (`opsgenie_api_url`, `telegram_bot_token`, `http_config`, …).
 */
import { joinDir } from '../prometheus/values.js';
import type { YNode } from '../yaml.js';
import { Fields } from './common.js';
import type {
  DiscordConfig,
  HTTPClientConfig,
  IncidentioConfig,
  MattermostAttachment,
  MattermostConfig,
  MattermostField,
  MSTeamsConfig,
  MSTeamsV2Config,
  OpsgenieConfig,
  PushoverConfig,
  RocketchatConfig,
  SNSConfig,
  TelegramConfig,
  VictorOpsConfig,
  WebexConfig,
  WechatConfig,
} from './types.js';
import type { GlobalLookup } from './integrations.js';

/** Default template text for a field: `{{ template "<name>" . }}`. */
function tmpl(name: string): string {
  return `{{ template "${name}" . }}`;
}

/** What every builder gets: the validated fields, the receiver-level context. */
export interface BuildContext {
  f: Fields;
  index: number;
  sendResolved: boolean;
  http: HTTPClientConfig;
  global: GlobalLookup;
  /** The config file's directory, for relative `*_file` paths. */
  dir: string;
}

function text(f: Fields, k: string, def: string): string {
  return f.has(k) ? f.str(k) : def;
}

/** A base URL with a trailing `/` (upstream appends paths to `URL.Path`). */
function withSlash(u: string): string {
  return u.endsWith('/') ? u : u + '/';
}

/** `opsgenie_configs[]`. */
export function opsgenieConfig(c: BuildContext): OpsgenieConfig {
  const { f, global, dir } = c;
  let apiKey = f.str('api_key');
  let apiKeyFile = joinDir(dir, f.str('api_key_file'));
  if (apiKey === '' && apiKeyFile === '') {
    apiKey = global('opsgenie_api_key');
    apiKeyFile = joinDir(dir, global('opsgenie_api_key_file'));
  }
  return {
    integration: 'opsgenie',
    index: c.index,
    send_resolved: c.sendResolved,
    http_config: c.http,
    api_key: apiKey,
    api_key_file: apiKeyFile,
    api_url: withSlash(f.str('api_url') || global('opsgenie_api_url')),
    message: text(f, 'message', tmpl('opsgenie.default.message')),
    description: text(f, 'description', tmpl('opsgenie.default.description')),
    source: text(f, 'source', tmpl('opsgenie.default.source')),
    details: f.stringMap('details'),
    entity: f.str('entity'),
    responders: (f.get('responders')?.seq() ?? []).map((r) => {
      const m = r.map(null);
      const s = (k: string) => (m[k] && !m[k]!.isNull ? m[k]!.str() : '');
      return { id: s('id'), name: s('name'), username: s('username'), type: s('type') };
    }),
    actions: f.str('actions'),
    tags: f.str('tags'),
    note: f.str('note'),
    priority: f.str('priority'),
    update_alerts: f.bool('update_alerts'),
  };
}

/** `telegram_configs[]`. */
export function telegramConfig(c: BuildContext): TelegramConfig {
  const { f, global, dir } = c;
  let token = f.str('bot_token');
  let tokenFile = joinDir(dir, f.str('bot_token_file'));
  if (token === '' && tokenFile === '') {
    token = global('telegram_bot_token');
    tokenFile = joinDir(dir, global('telegram_bot_token_file'));
  }
  const chat = f.str('chat_id');
  return {
    integration: 'telegram',
    index: c.index,
    send_resolved: c.sendResolved,
    http_config: c.http,
    api_url: (f.str('api_url') || global('telegram_api_url')).replace(/\/+$/, ''),
    bot_token: token,
    bot_token_file: tokenFile,
    chat_id: chat === '0' ? '' : chat,
    chat_id_file: joinDir(dir, f.str('chat_id_file')),
    message_thread_id: f.has('message_thread_id') ? f.get('message_thread_id')!.number() : 0,
    message: text(f, 'message', tmpl('telegram.default.message')),
    disable_notifications: f.bool('disable_notifications'),
    parse_mode: f.has('parse_mode') ? f.str('parse_mode') : 'HTML',
  };
}

/** `discord_configs[]`. */
export function discordConfig(c: BuildContext): DiscordConfig {
  const { f, dir } = c;
  return {
    integration: 'discord',
    index: c.index,
    send_resolved: c.sendResolved,
    http_config: c.http,
    webhook_url: f.str('webhook_url'),
    webhook_url_file: joinDir(dir, f.str('webhook_url_file')),
    title: text(f, 'title', tmpl('discord.default.title')),
    message: text(f, 'message', tmpl('discord.default.message')),
    content: f.str('content'),
    username: f.str('username'),
    avatar_url: f.str('avatar_url'),
  };
}

/** `msteams_configs[]`. */
export function msteamsConfig(c: BuildContext): MSTeamsConfig {
  const { f, dir } = c;
  return {
    integration: 'msteams',
    index: c.index,
    send_resolved: c.sendResolved,
    http_config: c.http,
    webhook_url: f.str('webhook_url'),
    webhook_url_file: joinDir(dir, f.str('webhook_url_file')),
    title: text(f, 'title', tmpl('msteams.default.title')),
    summary: text(f, 'summary', tmpl('msteams.default.summary')),
    text: text(f, 'text', tmpl('msteams.default.text')),
  };
}

/** `msteamsv2_configs[]`. */
export function msteamsV2Config(c: BuildContext): MSTeamsV2Config {
  const { f, dir } = c;
  return {
    integration: 'msteamsv2',
    index: c.index,
    send_resolved: c.sendResolved,
    http_config: c.http,
    webhook_url: f.str('webhook_url'),
    webhook_url_file: joinDir(dir, f.str('webhook_url_file')),
    title: text(f, 'title', tmpl('msteamsv2.default.title')),
    text: text(f, 'text', tmpl('msteamsv2.default.text')),
  };
}

/** `webex_configs[]`. */
export function webexConfig(c: BuildContext): WebexConfig {
  const { f, global } = c;
  return {
    integration: 'webex',
    index: c.index,
    send_resolved: c.sendResolved,
    http_config: c.http,
    api_url: f.str('api_url') || global('webex_api_url'),
    message: text(f, 'message', tmpl('webex.default.message')),
    room_id: f.str('room_id'),
  };
}

/** `victorops_configs[]`. */
export function victoropsConfig(c: BuildContext): VictorOpsConfig {
  const { f, global, dir } = c;
  let apiKey = f.str('api_key');
  let apiKeyFile = joinDir(dir, f.str('api_key_file'));
  if (apiKey === '' && apiKeyFile === '') {
    apiKey = global('victorops_api_key');
    apiKeyFile = joinDir(dir, global('victorops_api_key_file'));
  }
  return {
    integration: 'victorops',
    index: c.index,
    send_resolved: c.sendResolved,
    http_config: c.http,
    api_key: apiKey,
    api_key_file: apiKeyFile,
    api_url: withSlash(f.str('api_url') || global('victorops_api_url')),
    routing_key: f.str('routing_key'),
    message_type: text(f, 'message_type', 'CRITICAL'),
    state_message: text(f, 'state_message', tmpl('victorops.default.state_message')),
    entity_display_name: text(f, 'entity_display_name', tmpl('victorops.default.entity_display_name')),
    monitoring_tool: text(f, 'monitoring_tool', tmpl('victorops.default.monitoring_tool')),
    custom_fields: f.stringMap('custom_fields'),
  };
}

/** `pushover_configs[]`. */
export function pushoverConfig(c: BuildContext): PushoverConfig {
  const { f, dir } = c;
  return {
    integration: 'pushover',
    index: c.index,
    send_resolved: c.sendResolved,
    http_config: c.http,
    user_key: f.str('user_key'),
    user_key_file: joinDir(dir, f.str('user_key_file')),
    token: f.str('token'),
    token_file: joinDir(dir, f.str('token_file')),
    title: text(f, 'title', tmpl('pushover.default.title')),
    message: text(f, 'message', tmpl('pushover.default.message')),
    url: text(f, 'url', tmpl('pushover.default.url')),
    url_title: f.str('url_title'),
    device: f.str('device'),
    sound: f.str('sound'),
    priority: text(f, 'priority', '{{ if eq .Status "firing" }}2{{ else }}0{{ end }}'),
    retry: f.duration('retry', 60_000),
    expire: f.duration('expire', 3600_000),
    ttl: f.duration('ttl', 0),
    html: f.bool('html'),
    monospace: f.bool('monospace'),
  };
}

/** `wechat_configs[]`. */
export function wechatConfig(c: BuildContext): WechatConfig {
  const { f, global, dir } = c;
  let secret = f.str('api_secret');
  let secretFile = joinDir(dir, f.str('api_secret_file'));
  if (secret === '' && secretFile === '') {
    secret = global('wechat_api_secret');
    secretFile = joinDir(dir, global('wechat_api_secret_file'));
  }
  return {
    integration: 'wechat',
    index: c.index,
    send_resolved: c.sendResolved,
    http_config: c.http,
    api_secret: secret,
    api_secret_file: secretFile,
    corp_id: f.str('corp_id') || global('wechat_api_corp_id'),
    api_url: withSlash(f.str('api_url') || global('wechat_api_url')),
    message: text(f, 'message', tmpl('wechat.default.message')),
    to_user: text(f, 'to_user', tmpl('wechat.default.to_user')),
    to_party: text(f, 'to_party', tmpl('wechat.default.to_party')),
    to_tag: text(f, 'to_tag', tmpl('wechat.default.to_tag')),
    agent_id: text(f, 'agent_id', tmpl('wechat.default.agent_id')),
    message_type: f.str('message_type') || 'text',
  };
}

const MATTERMOST_ATTACHMENT_KEYS = [
  'fallback',
  'color',
  'pretext',
  'text',
  'author_name',
  'author_link',
  'author_icon',
  'title',
  'title_link',
  'fields',
  'thumb_url',
  'footer',
  'footer_icon',
  'image_url',
] as const;

function mattermostFields(n: YNode | undefined): MattermostField[] {
  return (n?.seq() ?? []).map((item) => {
    const ff = new Fields(item, ['title', 'value', 'short'], 'mattermost.plain');
    return { title: ff.str('title'), value: ff.str('value'), ...(ff.has('short') ? { short: ff.bool('short') } : {}) };
  });
}

/** The attachment texts of `f` (`defaults` for keys absent from it). */
function mattermostAttachment(f: Fields, defaults: Partial<Record<string, string>> = {}): MattermostAttachment {
  const out: Record<string, unknown> = {};
  for (const k of MATTERMOST_ATTACHMENT_KEYS) out[k] = k === 'fields' ? mattermostFields(f.get(k)) : text(f, k, defaults[k] ?? '');
  return out as unknown as MattermostAttachment;
}

/** `mattermost_configs[]` (upstream `DefaultMattermostConfig` texts). */
export function mattermostConfig(c: BuildContext): MattermostConfig {
  const { f, global, dir } = c;
  let url = f.str('webhook_url');
  let urlFile = joinDir(dir, f.str('webhook_url_file'));
  if (url === '' && urlFile === '') {
    url = global('mattermost_webhook_url');
    urlFile = joinDir(dir, global('mattermost_webhook_url_file'));
  }
  const top = mattermostAttachment(f, {
    color: tmpl('mattermost.default.color'),
    text: tmpl('mattermost.default.text'),
    title: tmpl('mattermost.default.title'),
    title_link: tmpl('mattermost.default.titlelink'),
    fallback: tmpl('mattermost.default.fallback'),
  });
  const props = f.get('props');
  const priority = f.get('priority');
  const pf = priority && !priority.isNull ? new Fields(priority, ['priority', 'requested_ack', 'persistent_notifications'], 'mattermost.plain') : null;
  return {
    integration: 'mattermost',
    index: c.index,
    send_resolved: c.sendResolved,
    http_config: c.http,
    webhook_url: url,
    webhook_url_file: urlFile,
    channel: f.str('channel'),
    username: text(f, 'username', tmpl('mattermost.default.username')),
    ...top,
    icon_url: f.str('icon_url'),
    icon_emoji: f.str('icon_emoji'),
    attachments: (f.get('attachments')?.seq() ?? []).map((a) => mattermostAttachment(new Fields(a, MATTERMOST_ATTACHMENT_KEYS, 'mattermost.plain'))),
    type: f.str('type'),
    props_card: props && !props.isNull ? new Fields(props, ['card'], 'mattermost.plain').str('card') : '',
    ...(pf && pf.str('priority') !== ''
      ? { priority: { priority: pf.str('priority'), requested_ack: pf.bool('requested_ack'), persistent_notifications: pf.bool('persistent_notifications') } }
      : {}),
  };
}

/** `rocketchat_configs[]` (upstream `DefaultRocketchatConfig` texts). */
export function rocketchatConfig(c: BuildContext): RocketchatConfig {
  const { f, global, dir } = c;
  const secret = (k: string): [string, string] => {
    const inline = f.str(k);
    const file = joinDir(dir, f.str(`${k}_file`));
    if (inline !== '' || file !== '') return [inline, file];
    return [global(`rocketchat_${k}`), joinDir(dir, global(`rocketchat_${k}_file`))];
  };
  const [token, tokenFile] = secret('token');
  const [tokenID, tokenIDFile] = secret('token_id');
  return {
    integration: 'rocketchat',
    index: c.index,
    send_resolved: c.sendResolved,
    http_config: c.http,
    api_url: f.str('api_url') || global('rocketchat_api_url'),
    token,
    token_file: tokenFile,
    token_id: tokenID,
    token_id_file: tokenIDFile,
    channel: f.str('channel'),
    color: text(f, 'color', '{{ if eq .Status "firing" }}red{{ else }}green{{ end }}'),
    title: text(f, 'title', tmpl('rocketchat.default.title')),
    title_link: text(f, 'title_link', tmpl('rocketchat.default.titlelink')),
    text: text(f, 'text', tmpl('rocketchat.default.text')),
    fields: (f.get('fields')?.seq() ?? []).map((item) => {
      const ff = new Fields(item, ['title', 'value', 'short'], 'rocketchat.plain');
      return { title: ff.str('title'), value: ff.str('value'), ...(ff.has('short') ? { short: ff.bool('short') } : {}) };
    }),
    short_fields: f.bool('short_fields'),
    emoji: text(f, 'emoji', tmpl('rocketchat.default.emoji')),
    icon_url: text(f, 'icon_url', tmpl('rocketchat.default.iconurl')),
    image_url: f.str('image_url'),
    thumb_url: f.str('thumb_url'),
    actions: (f.get('actions')?.seq() ?? []).map((item) => {
      const m = item.map(null);
      const s = (k: string) => (m[k] && !m[k]!.isNull ? m[k]!.str() : '');
      return { text: s('text'), url: s('url'), msg: s('msg') };
    }),
  };
}

/** `incidentio_configs[]`. */
export function incidentioConfig(c: BuildContext): IncidentioConfig {
  const { f, dir } = c;
  return {
    integration: 'incidentio',
    index: c.index,
    send_resolved: c.sendResolved,
    http_config: c.http,
    url: f.str('url'),
    url_file: joinDir(dir, f.str('url_file')),
    alert_source_token: f.str('alert_source_token'),
    alert_source_token_file: joinDir(dir, f.str('alert_source_token_file')),
    max_alerts: f.uint('max_alerts'),
    timeout: f.duration('timeout', 0),
  };
}

/** `sns_configs[]` (upstream `DefaultSNSConfig` texts). */
export function snsConfig(c: BuildContext): SNSConfig {
  const { f } = c;
  const v = f.get('sigv4');
  const sig = v && !v.isNull ? new Fields(v, ['region', 'access_key', 'secret_key', 'profile', 'role_arn', 'external_id', 'use_fips_sts_endpoint'], 'sigv4.plain') : null;
  const s = (k: string) => sig?.str(k) ?? '';
  return {
    integration: 'sns',
    index: c.index,
    send_resolved: c.sendResolved,
    http_config: c.http,
    api_url: f.str('api_url'),
    sigv4: { region: s('region'), access_key: s('access_key'), secret_key: s('secret_key'), profile: s('profile'), role_arn: s('role_arn') },
    topic_arn: f.str('topic_arn'),
    phone_number: f.str('phone_number'),
    target_arn: f.str('target_arn'),
    subject: text(f, 'subject', tmpl('sns.default.subject')),
    message: text(f, 'message', tmpl('sns.default.message')),
    attributes: f.stringMap('attributes'),
  };
}
