/**
 * The typed form of `alertmanager.yml`, as Alertmanager's `config.Config`. Field names keep the
 * YAML spellings; durations are milliseconds; matchers are compiled; receivers have global
 * defaults (URLs, secrets, `http_config`) already applied, as upstream does at load time.
 * `http_config` is prometheus/common's {@link HTTPClientConfig}, the type (and parser) shared with
 * the `prometheus.yml` loader, whose fields are camelCase (`basicAuth`, `tlsConfig`, …).
 */
import type { AmMatcher } from '../../alertmanager/matcher.js';
import type { TimeInterval } from '../../alertmanager/timeinterval.js';
import type { HTTPClientConfig, TLSConfig } from '../prometheus/http.js';

export type { HTTPClientConfig, TLSConfig } from '../prometheus/http.js';

/** `global:` */
export interface GlobalConfig {
  /** ms, default 5m. */
  resolve_timeout: number;
  http_config: HTTPClientConfig;
  smtp_from: string;
  smtp_hello: string;
  smtp_smarthost: string;
  smtp_auth_username: string;
  smtp_auth_password: string;
  smtp_auth_password_file: string;
  smtp_auth_secret: string;
  smtp_auth_secret_file: string;
  smtp_auth_identity: string;
  smtp_require_tls: boolean;
  smtp_tls_config: TLSConfig;
  /** Unset (undefined): implicit TLS on port 465 only, as upstream. */
  smtp_force_implicit_tls?: boolean;
  slack_api_url: string;
  slack_api_url_file: string;
  slack_app_token: string;
  slack_app_token_file: string;
  slack_app_url: string;
  pagerduty_url: string;
  /** Every other global field (other integrations' URLs and keys), as written. */
  other: Record<string, string>;
}

/** Fields every integration config has. */
export interface NotifierConfig {
  send_resolved: boolean;
  /** 0-based position of this config in its receiver's list of the same integration. */
  index: number;
}

/** `webhook_configs[]`. */
export interface WebhookConfig extends NotifierConfig {
  http_config: HTTPClientConfig;
  url: string;
  url_file: string;
  /** 0 = unlimited. */
  max_alerts: number;
  /** ms, 0 = none. */
  timeout: number;
}

/** `slack_configs[].fields[]`. */
export interface SlackField {
  title: string;
  value: string;
  short?: boolean;
}

/** `slack_configs[].actions[]`. */
export interface SlackAction {
  type: string;
  text: string;
  url: string;
  style: string;
  name: string;
  value: string;
  confirm?: { text: string; title: string; ok_text: string; dismiss_text: string };
}

/** `slack_configs[]` with the default texts (`{{ template "slack.default.*" . }}`) applied. */
export interface SlackConfig extends NotifierConfig {
  http_config: HTTPClientConfig;
  api_url: string;
  api_url_file: string;
  channel: string;
  username: string;
  color: string;
  title: string;
  title_link: string;
  pretext: string;
  text: string;
  fields: SlackField[];
  short_fields: boolean;
  footer: string;
  fallback: string;
  callback_id: string;
  icon_emoji: string;
  icon_url: string;
  image_url: string;
  thumb_url: string;
  link_names: boolean;
  /** Top-level message text (newer upstream's `message_text`); `''` = none. */
  message_text: string;
  mrkdwn_in: string[];
  actions: SlackAction[];
  update_message: boolean;
  /** ms, 0 = none. */
  timeout: number;
}

/** `pagerduty_configs[]` with defaults applied. */
export interface PagerdutyConfig extends NotifierConfig {
  http_config: HTTPClientConfig;
  service_key: string;
  service_key_file: string;
  routing_key: string;
  routing_key_file: string;
  /** Events API v2 endpoint (global `pagerduty_url`). */
  url: string;
  client: string;
  client_url: string;
  description: string;
  /** Template texts by key (defaults firing/resolved/num_firing/num_resolved added). */
  details: Record<string, string>;
  images: { src: string; alt: string; href: string }[];
  links: { href: string; text: string }[];
  source: string;
  severity: string;
  class: string;
  component: string;
  group: string;
  /** ms, 0 = none. */
  timeout: number;
}

/** `email_configs[]` with defaults and the global `smtp_*` settings applied. */
export interface EmailConfig extends NotifierConfig {
  to: string;
  from: string;
  hello: string;
  smarthost: string;
  auth_username: string;
  auth_password: string;
  auth_password_file: string;
  auth_secret: string;
  auth_secret_file: string;
  auth_identity: string;
  headers: Record<string, string>;
  html: string;
  text: string;
  require_tls: boolean;
  /** `tls_config` (or global `smtp_tls_config`) for STARTTLS and implicit TLS. */
  tls_config: TLSConfig;
  /** Implicit TLS from the first byte: `force_implicit_tls`, or port 465 when unset (upstream). */
  force_implicit_tls?: boolean;
  /** `threading:` when enabled (newer upstream): `References`/`In-Reply-To` per group, per day with `daily`. */
  threading?: { thread_by_date: 'none' | 'daily' };
}

/** `opsgenie_configs[]` with defaults and global `opsgenie_api_*` applied. */
export interface OpsgenieConfig extends NotifierConfig {
  integration: 'opsgenie';
  http_config: HTTPClientConfig;
  api_key: string;
  api_key_file: string;
  /** Base URL, ending in `/` (global `opsgenie_api_url`, default `https://api.opsgenie.com/`). */
  api_url: string;
  message: string;
  description: string;
  source: string;
  details: Record<string, string>;
  entity: string;
  responders: { id: string; name: string; username: string; type: string }[];
  /** Comma-separated template text. */
  actions: string;
  /** Comma-separated template text. */
  tags: string;
  note: string;
  priority: string;
  update_alerts: boolean;
}

/** `telegram_configs[]` with defaults and global `telegram_*` applied. */
export interface TelegramConfig extends NotifierConfig {
  integration: 'telegram';
  http_config: HTTPClientConfig;
  /** Bot API base URL (global `telegram_api_url`, default `https://api.telegram.org`). */
  api_url: string;
  bot_token: string;
  bot_token_file: string;
  /** int64 chat id as written (`''` when `chat_id_file` is used). */
  chat_id: string;
  chat_id_file: string;
  /** 0 = none. */
  message_thread_id: number;
  message: string;
  disable_notifications: boolean;
  /** `HTML` (default), `Markdown`, `MarkdownV2` or `''`. */
  parse_mode: string;
}

/** `discord_configs[]` with defaults applied. */
export interface DiscordConfig extends NotifierConfig {
  integration: 'discord';
  http_config: HTTPClientConfig;
  webhook_url: string;
  webhook_url_file: string;
  title: string;
  message: string;
  content: string;
  username: string;
  avatar_url: string;
}

/** `msteams_configs[]` (Office 365 connector MessageCard) with defaults applied. */
export interface MSTeamsConfig extends NotifierConfig {
  integration: 'msteams';
  http_config: HTTPClientConfig;
  webhook_url: string;
  webhook_url_file: string;
  title: string;
  summary: string;
  text: string;
}

/** `msteamsv2_configs[]` (Workflows / Adaptive Card) with defaults applied. */
export interface MSTeamsV2Config extends NotifierConfig {
  integration: 'msteamsv2';
  http_config: HTTPClientConfig;
  webhook_url: string;
  webhook_url_file: string;
  title: string;
  text: string;
}

/** `webex_configs[]` with defaults and global `webex_api_url` applied. */
export interface WebexConfig extends NotifierConfig {
  integration: 'webex';
  http_config: HTTPClientConfig;
  api_url: string;
  message: string;
  room_id: string;
}

/** `victorops_configs[]` with defaults and global `victorops_api_*` applied. */
export interface VictorOpsConfig extends NotifierConfig {
  integration: 'victorops';
  http_config: HTTPClientConfig;
  api_key: string;
  api_key_file: string;
  /** Base URL ending in `/`; the API key and routing key are appended. */
  api_url: string;
  routing_key: string;
  message_type: string;
  state_message: string;
  entity_display_name: string;
  monitoring_tool: string;
  custom_fields: Record<string, string>;
}

/** `pushover_configs[]` with defaults applied. */
export interface PushoverConfig extends NotifierConfig {
  integration: 'pushover';
  http_config: HTTPClientConfig;
  user_key: string;
  user_key_file: string;
  token: string;
  token_file: string;
  title: string;
  message: string;
  url: string;
  url_title: string;
  device: string;
  sound: string;
  priority: string;
  /** ms (sent in whole seconds). */
  retry: number;
  /** ms (sent in whole seconds). */
  expire: number;
  /** ms, 0 = none (sent in whole seconds). */
  ttl: number;
  html: boolean;
  monospace: boolean;
}

/** `wechat_configs[]` with defaults and global `wechat_api_*` applied. */
export interface WechatConfig extends NotifierConfig {
  integration: 'wechat';
  http_config: HTTPClientConfig;
  api_secret: string;
  api_secret_file: string;
  corp_id: string;
  /** Base URL ending in `/` (`gettoken` and `message/send` are appended). */
  api_url: string;
  message: string;
  to_user: string;
  to_party: string;
  to_tag: string;
  agent_id: string;
  /** `text` (default) or `markdown`. */
  message_type: string;
}

/** A Mattermost attachment field (`title` and `value` required; `short` omitted when unset). */
export interface MattermostField {
  title: string;
  value: string;
  short?: boolean;
}

/** A Mattermost message attachment (every text a template). */
export interface MattermostAttachment {
  fallback: string;
  color: string;
  pretext: string;
  text: string;
  author_name: string;
  author_link: string;
  author_icon: string;
  title: string;
  title_link: string;
  fields: MattermostField[];
  thumb_url: string;
  footer: string;
  footer_icon: string;
  image_url: string;
}

/** `mattermost_configs[]` (upstream 0.29+) with defaults and global `mattermost_webhook_url[_file]` applied. */
export interface MattermostConfig extends NotifierConfig, MattermostAttachment {
  integration: 'mattermost';
  http_config: HTTPClientConfig;
  webhook_url: string;
  webhook_url_file: string;
  channel: string;
  username: string;
  icon_url: string;
  icon_emoji: string;
  /** When non-empty, sent instead of the single attachment built from the top-level fields. */
  attachments: MattermostAttachment[];
  type: string;
  /** `props.card`; `''` = no props. */
  props_card: string;
  /** `priority:`; absent when unset or its `priority` is empty. */
  priority?: { priority: string; requested_ack: boolean; persistent_notifications: boolean };
}

/** `rocketchat_configs[]` (upstream 0.28+) with defaults and global `rocketchat_*` applied. */
export interface RocketchatConfig extends NotifierConfig {
  integration: 'rocketchat';
  http_config: HTTPClientConfig;
  api_url: string;
  token: string;
  token_file: string;
  token_id: string;
  token_id_file: string;
  channel: string;
  color: string;
  title: string;
  title_link: string;
  text: string;
  /** `short` unset: `short_fields` applies. */
  fields: { title: string; value: string; short?: boolean }[];
  short_fields: boolean;
  emoji: string;
  icon_url: string;
  image_url: string;
  thumb_url: string;
  /** Button actions (texts are templates). */
  actions: { text: string; url: string; msg: string }[];
}

/** `incidentio_configs[]` (upstream 0.29+). */
export interface IncidentioConfig extends NotifierConfig {
  integration: 'incidentio';
  http_config: HTTPClientConfig;
  url: string;
  url_file: string;
  alert_source_token: string;
  alert_source_token_file: string;
  /** 0 = all alerts. */
  max_alerts: number;
  /** ms, 0 = none. */
  timeout: number;
}

/** `sns_configs[]` with upstream's defaults. */
export interface SNSConfig extends NotifierConfig {
  integration: 'sns';
  http_config: HTTPClientConfig;
  /** Endpoint (a template); `''` = `https://sns.<region>.amazonaws.com`. */
  api_url: string;
  sigv4: { region: string; access_key: string; secret_key: string; profile: string; role_arn: string };
  topic_arn: string;
  phone_number: string;
  target_arn: string;
  subject: string;
  message: string;
  attributes: Record<string, string>;
}

/** A config of an integration Lookout parses and validates but cannot send to. */
export interface UnsupportedIntegrationConfig extends NotifierConfig {
  /** Integration name as in metrics: `jira`. */
  integration: 'jira';
}

/** A receiver integration other than webhook, e-mail, Slack and PagerDuty. */
export type OtherIntegrationConfig =
  | OpsgenieConfig
  | TelegramConfig
  | DiscordConfig
  | MSTeamsConfig
  | MSTeamsV2Config
  | WebexConfig
  | VictorOpsConfig
  | PushoverConfig
  | WechatConfig
  | MattermostConfig
  | RocketchatConfig
  | IncidentioConfig
  | SNSConfig
  | UnsupportedIntegrationConfig;

/** `receivers[]`. */
export interface ReceiverConfig {
  name: string;
  webhook_configs: WebhookConfig[];
  slack_configs: SlackConfig[];
  pagerduty_configs: PagerdutyConfig[];
  email_configs: EmailConfig[];
  other_configs: OtherIntegrationConfig[];
}

/** A node of the `route:` tree as written (inheritance is resolved by the dispatcher). */
export interface RouteConfig {
  receiver: string;
  /** Labels of `group_by` without `...`; undefined when `group_by` is absent (inherit). */
  group_by?: string[];
  /** True when `group_by` is `['...']`. */
  group_by_all: boolean;
  /** `match`, `match_re` and `matchers` combined and sorted, as upstream. */
  matchers: AmMatcher[];
  mute_time_intervals: string[];
  active_time_intervals: string[];
  continue: boolean;
  routes: RouteConfig[];
  /** ms; undefined = inherit (defaults 30s / 5m / 4h). */
  group_wait?: number;
  group_interval?: number;
  repeat_interval?: number;
}

/** `inhibit_rules[]` with `*_match`, `*_match_re` and `*_matchers` combined. */
export interface InhibitRuleConfig {
  source_matchers: AmMatcher[];
  target_matchers: AmMatcher[];
  equal: string[];
}

/** The whole `alertmanager.yml`. */
export interface AlertmanagerConfig {
  global: GlobalConfig;
  route: RouteConfig;
  inhibit_rules: InhibitRuleConfig[];
  receivers: ReceiverConfig[];
  /** Template file globs, resolved against the config file's directory. */
  templates: string[];
  /**
   * Where each `templates:` entry is written (same order as {@link templates}), so template
   * errors can name a line of the config file. Absent for configs built in code.
   */
  templatePositions?: { line: number; column: number }[];
  /** `time_intervals` and (deprecated) `mute_time_intervals` by name. */
  time_intervals: Map<string, TimeInterval[]>;
  /** The file's text. */
  original: string;
}
