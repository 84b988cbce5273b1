/**
 * Loader for `alertmanager.yml`, as Alertmanager's `config.LoadFile`: strict YAML (unknown fields
 * are errors), global defaults and their inheritance into receivers, the route tree, inhibition
 * rules, time intervals and templates, with upstream's validation texts. Errors are
 * {@link ConfigError}s located at `file:line:column: field:`.
 *
 * The loader accepts the union of Alertmanager 0.25 and current upstream fields (the conformance
 * corpus is from current upstream); notification semantics follow 0.25.
 */
import { dirname } from 'node:path';
import { Route } from '../alertmanager/route.js';
import {
  TimeIntervalError,
  parseDayOfMonthRange,
  parseMonthRange,
  parseTimeRange,
  parseWeekdayRange,
  parseYearRange,
  validateLocation,
  type InclusiveRange,
  type TimeInterval,
} from '../alertmanager/timeinterval.js';
import { ConfigError, fileErrorText, loadYaml, readConfigText, type YNode } from './yaml.js';
import { Fields, checkHTTPURL } from './alertmanager/common.js';
import { checkHostPort, parseReceiver } from './alertmanager/receivers.js';
import { parseInhibitRule, parseRoute } from './alertmanager/route.js';
import type { AlertmanagerConfig, GlobalConfig, RouteConfig } from './alertmanager/types.js';
import { defaultHTTPClientConfig, defaultTLSConfig, parseHTTPClientConfigNode, parseTLSConfig } from './prometheus/http.js';
import { joinDir } from './prometheus/values.js';

export type * from './alertmanager/types.js';
export { ConfigError };

const TOP_FIELDS = ['global', 'route', 'inhibit_rules', 'receivers', 'templates', 'mute_time_intervals', 'time_intervals', 'tracing', 'event_recorder'];

/** Global URL fields: validated as http(s) URLs with a host. */
const GLOBAL_URLS = [
  'jira_api_url',
  'slack_api_url',
  'slack_app_url',
  'pagerduty_url',
  'opsgenie_api_url',
  'wechat_api_url',
  'victorops_api_url',
  'telegram_api_url',
  'webex_api_url',
  'rocketchat_api_url',
  'mattermost_webhook_url',
];
const GLOBAL_STRINGS = [
  'smtp_from',
  'smtp_hello',
  'smtp_smarthost',
  'smtp_auth_username',
  'smtp_auth_password',
  'smtp_auth_password_file',
  'smtp_auth_secret',
  'smtp_auth_secret_file',
  'smtp_auth_identity',
  'slack_api_url_file',
  'slack_app_token',
  'slack_app_token_file',
  'opsgenie_api_key',
  'opsgenie_api_key_file',
  'wechat_api_secret',
  'wechat_api_secret_file',
  'wechat_api_corp_id',
  'victorops_api_key',
  'victorops_api_key_file',
  'telegram_bot_token',
  'telegram_bot_token_file',
  'rocketchat_token',
  'rocketchat_token_file',
  'rocketchat_token_id',
  'rocketchat_token_id_file',
  'mattermost_webhook_url_file',
];
const GLOBAL_FIELDS = [
  'resolve_timeout',
  'http_config',
  'smtp_require_tls',
  'smtp_tls_config',
  'smtp_force_implicit_tls',
  ...GLOBAL_URLS,
  ...GLOBAL_STRINGS,
];
/** Upstream `DefaultGlobalConfig()` URL defaults. */
const GLOBAL_URL_DEFAULTS: Record<string, string> = {
  pagerduty_url: 'https://events.pagerduty.com/v2/enqueue',
  opsgenie_api_url: 'https://api.opsgenie.com/',
  wechat_api_url: 'https://qyapi.weixin.qq.com/cgi-bin/',
  victorops_api_url: 'https://alert.victorops.com/integrations/generic/20131114/alert/',
  telegram_api_url: 'https://api.telegram.org',
  webex_api_url: 'https://webexapis.com/v1/messages',
  rocketchat_api_url: 'https://open.rocket.chat/',
  slack_app_url: 'https://slack.com/api/chat.postMessage',
};
/** Pairs that may not both be set, with upstream's message. */
const GLOBAL_EXCLUSIVE: [string, string][] = [
  ['slack_app_token', 'slack_app_token_file'],
  ['slack_api_url', 'slack_api_url_file'],
  ['opsgenie_api_key', 'opsgenie_api_key_file'],
  ['victorops_api_key', 'victorops_api_key_file'],
  ['telegram_bot_token', 'telegram_bot_token_file'],
  ['smtp_auth_password', 'smtp_auth_password_file'],
  ['rocketchat_token', 'rocketchat_token_file'],
  ['rocketchat_token_id', 'rocketchat_token_id_file'],
  ['smtp_auth_secret', 'smtp_auth_secret_file'],
  ['wechat_api_secret', 'wechat_api_secret_file'],
  ['mattermost_webhook_url', 'mattermost_webhook_url_file'],
];

function parseGlobal(n: YNode | undefined, dir: string): GlobalConfig {
  const raw: Record<string, string> = { ...GLOBAL_URL_DEFAULTS, smtp_hello: 'localhost' };
  let f: Fields | null = null;
  let smtpTLSConfig = defaultTLSConfig();
  let smtpImplicitTLS: boolean | undefined;
  if (n && !n.isNull) {
    f = new Fields(n, GLOBAL_FIELDS, 'config.plain');
    for (const k of GLOBAL_URLS) {
      if (!f.has(k)) continue;
      const v = f.str(k);
      const err = v === '<secret>' ? null : checkHTTPURL(v);
      if (err) throw f.get(k)!.error(err);
      raw[k] = v;
    }
    for (const k of GLOBAL_STRINGS) if (f.has(k)) raw[k] = f.str(k);
    const hpErr = checkHostPort(raw.smtp_smarthost ?? '');
    if (hpErr) throw f.get('smtp_smarthost')!.error(hpErr);
    for (const [a, b] of GLOBAL_EXCLUSIVE) {
      if ((raw[a] ?? '') !== '' && (raw[b] ?? '') !== '') throw n.error(`at most one of ${a} & ${b} must be configured`);
    }
    const hasToken = (raw.slack_app_token ?? '') !== '' || (raw.slack_app_token_file ?? '') !== '';
    const hasURL = f.has('slack_api_url') || (raw.slack_api_url_file ?? '') !== '';
    if (hasToken && hasURL && (raw.slack_api_url ?? '') !== raw.slack_app_url) {
      throw n.error('at most one of slack_app_token/slack_app_token_file & slack_api_url/slack_api_url_file must be configured');
    }
    const smtpTLS = f.get('smtp_tls_config');
    if (smtpTLS) smtpTLSConfig = parseTLSConfig(smtpTLS, dir);
    if (f.has('smtp_force_implicit_tls')) smtpImplicitTLS = f.bool('smtp_force_implicit_tls');
  }
  const g = (k: string) => raw[k] ?? '';
  return {
    resolve_timeout: f?.duration('resolve_timeout', 300_000) ?? 300_000,
    http_config: f?.has('http_config') ? parseHTTPClientConfigNode(f.get('http_config')!, dir) : defaultHTTPClientConfig(),
    smtp_from: g('smtp_from'),
    smtp_hello: g('smtp_hello'),
    smtp_smarthost: g('smtp_smarthost'),
    smtp_auth_username: g('smtp_auth_username'),
    smtp_auth_password: g('smtp_auth_password'),
    smtp_auth_password_file: joinDir(dir, g('smtp_auth_password_file')),
    smtp_auth_secret: g('smtp_auth_secret'),
    smtp_auth_secret_file: joinDir(dir, g('smtp_auth_secret_file')),
    smtp_auth_identity: g('smtp_auth_identity'),
    smtp_require_tls: f?.bool('smtp_require_tls', true) ?? true,
    smtp_tls_config: smtpTLSConfig,
    ...(smtpImplicitTLS === undefined ? {} : { smtp_force_implicit_tls: smtpImplicitTLS }),
    slack_api_url: g('slack_api_url'),
    slack_api_url_file: joinDir(dir, g('slack_api_url_file')),
    slack_app_token: g('slack_app_token'),
    slack_app_token_file: joinDir(dir, g('slack_app_token_file')),
    slack_app_url: g('slack_app_url'),
    pagerduty_url: g('pagerduty_url'),
    other: raw,
  };
}

const INTERVAL_FIELDS = ['times', 'weekdays', 'days_of_month', 'months', 'years', 'location'];

function parseTimeInterval(n: YNode): TimeInterval {
  const f = new Fields(n, INTERVAL_FIELDS, 'timeinterval.plain');
  const ti: TimeInterval = {};
  const wrap = <T>(node: YNode, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof TimeIntervalError) throw node.error(e.message);
      throw e;
    }
  };
  const ranges = (k: string, parse: (s: string) => InclusiveRange) =>
    f.has(k) ? f.get(k)!.seq().map((item) => wrap(item, () => parse(item.str()))) : undefined;
  if (f.has('times')) {
    ti.times = f.get('times')!.seq().map((item) => {
      const t = new Fields(item, ['start_time', 'end_time'], 'timeinterval.plain');
      return wrap(item, () => parseTimeRange(t.str('start_time'), t.str('end_time')));
    });
  }
  const weekdays = ranges('weekdays', parseWeekdayRange);
  const days = ranges('days_of_month', parseDayOfMonthRange);
  const months = ranges('months', parseMonthRange);
  const years = ranges('years', parseYearRange);
  if (weekdays) ti.weekdays = weekdays;
  if (days) ti.days_of_month = days;
  if (months) ti.months = months;
  if (years) ti.years = years;
  if (f.has('location')) {
    const loc = f.str('location');
    wrap(f.get('location')!, () => validateLocation(loc));
    ti.location = loc;
  }
  return ti;
}

function parseNamedIntervals(n: YNode | undefined, what: string, out: Map<string, TimeInterval[]>): void {
  for (const item of n?.seq() ?? []) {
    const f = new Fields(item, ['name', 'time_intervals'], 'config.plain');
    const name = f.str('name');
    if (name === '') throw item.error(`missing name in ${what}`);
    if (out.has(name)) throw item.error(`${what} ${JSON.stringify(name)} is not unique`);
    out.set(name, (f.get('time_intervals')?.seq() ?? []).map(parseTimeInterval));
  }
}

function checkRouteRefs(r: RouteConfig, n: YNode, receivers: Set<string>, intervals: Map<string, unknown>): void {
  for (const c of r.routes) checkRouteRefs(c, n, receivers, intervals);
  if (r.receiver !== '' && !receivers.has(r.receiver)) throw n.error(`undefined receiver ${JSON.stringify(r.receiver)} used in route`);
  for (const t of [...r.active_time_intervals, ...r.mute_time_intervals]) {
    if (!intervals.has(t)) throw n.error(`undefined time interval ${JSON.stringify(t)} used in route`);
  }
}

/**
 * Parses `alertmanager.yml` text.
 * @param file name for error messages; relative paths in the config resolve against its directory
 * @throws {ConfigError} for YAML syntax errors, unknown fields and every upstream validation error
 */
export function parseAlertmanagerConfig(text: string, file: string): AlertmanagerConfig {
  const root = loadYaml(file, text);
  const dir = dirname(file);
  if (root.isNull) throw root.error('no route provided in config');
  const top = new Fields(root, TOP_FIELDS, 'config.plain');
  const global = parseGlobal(top.get('global'), dir);

  const receivers = (top.get('receivers')?.seq() ?? []).map((r) => parseReceiver(r, global, dir));
  const names = new Set<string>();
  for (const [i, r] of receivers.entries()) {
    if (names.has(r.name)) throw top.get('receivers')!.seq()[i]!.error(`notification config name ${JSON.stringify(r.name)} is not unique`);
    names.add(r.name);
  }
  const routeNode = top.get('route');
  if (!routeNode || routeNode.isNull) throw root.error('no routes provided');
  const route = parseRoute(routeNode);
  if (route.receiver === '') throw routeNode.error('root route must specify a default receiver');
  if (route.matchers.length > 0) throw routeNode.error('root route must not have any matchers');
  if (route.mute_time_intervals.length > 0) throw routeNode.error('root route must not have any mute time intervals');
  if (route.active_time_intervals.length > 0) throw routeNode.error('root route must not have any active time intervals');

  const intervals = new Map<string, TimeInterval[]>();
  parseNamedIntervals(top.get('mute_time_intervals'), 'mute time interval', intervals);
  parseNamedIntervals(top.get('time_intervals'), 'time interval', intervals);
  checkRouteRefs(route, routeNode, names, intervals);
  if (route.continue) throw (routeNode.map(null).continue ?? routeNode).error('cannot have continue in root route');

  return {
    global,
    route,
    inhibit_rules: (top.get('inhibit_rules')?.seq() ?? []).map(parseInhibitRule),
    receivers,
    templates: top.strings('templates').map((t) => joinDir(dir, t)),
    templatePositions: (top.get('templates')?.seq() ?? []).map((n) => ({ line: n.line, column: n.column })),
    time_intervals: intervals,
    original: text,
  };
}

/**
 * Loads and validates an `alertmanager.yml` file (`--config.file`).
 * @throws {ConfigError} (for a file that cannot be read: line 0, and the message is just
 *   {@link fileErrorText}'s, e.g. `open am.yml: no such file or directory`)
 */
export function loadAlertmanagerConfig(file: string): AlertmanagerConfig {
  return parseAlertmanagerConfig(readConfigText(file, false), file);
}

/**
 * The receivers an alert with these labels is routed to, in route order (what
 * `amtool config routes test` prints), duplicates kept as upstream.
 */
export function matchRoutes(cfg: AlertmanagerConfig, labels: Record<string, string>): string[] {
  return new Route(cfg.route).match(labels).map((r) => r.opts.receiver);
}
