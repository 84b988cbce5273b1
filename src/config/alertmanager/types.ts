/**
 * The typed form of `alertmanager.yml`, as Alertmanager's `config.Config`. Field names keep the
 * YAML spellings; durations are milliseconds; matchers are compiled; receivers have global
 * defaults (URLs, secrets, `http_config`) already applied, as upstream does at load time.
 * `http_config` is prometheus/common's {@link HTTPClientConfig}, the type (and parser) shared with
 * the `prometheus.yml` loader, whose fields are camelCase (`basicAuth`, `tlsConfig`, …).
 */
import type { AmMatcher } from '../../alertmanager/matcher.js';
import type { TimeInterval } from '../../alertmanager/timeinterval.js';
import type { HTTPClientConfig } from '../prometheus/http.js';

export type { HTTPClientConfig } from '../prometheus/http.js';

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

/** `email_configs[]` (parsed and validated; sending e-mail is not implemented yet). */
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
}

/** A config of an integration Lookout parses and validates but cannot send to yet. */
export interface OtherIntegrationConfig extends NotifierConfig {
  /** Integration name as in metrics: `opsgenie`, `victorops`, `telegram`, … */
  integration: string;
}

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
