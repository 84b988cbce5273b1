/**
 * `receivers:` of `alertmanager.yml`: webhook, Slack, PagerDuty and e-mail configs parsed into
 * typed form with Alertmanager's defaults (`send_resolved`, default template texts) and global
 * inheritance (`slack_api_url[_file]`, `slack_app_token`, `pagerduty_url`, `smtp_*`,
 * `http_config`) applied; every other integration is validated by `integrations.ts`.
 */
import type { YNode } from '../yaml.js';
import { parseHTTPClientConfigNode, parseTLSConfig } from '../prometheus/http.js';
import { joinDir } from '../prometheus/values.js';
import { Fields, secretURLField, urlField, checkHTTPURL } from './common.js';
import { OTHER_INTEGRATION_KEYS, parseOtherIntegration } from './integrations.js';
import type {
  EmailConfig,
  GlobalConfig,
  HTTPClientConfig,
  PagerdutyConfig,
  ReceiverConfig,
  SlackAction,
  SlackConfig,
  SlackField,
  WebhookConfig,
} from './types.js';

const RECEIVER_FIELDS = ['name', 'labels', 'webhook_configs', 'slack_configs', 'pagerduty_configs', 'email_configs', ...OTHER_INTEGRATION_KEYS.keys()];

/** Default template text for a field: `{{ template "<name>" . }}`, as upstream's defaults. */
function tmpl(name: string): string {
  return `{{ template "${name}" . }}`;
}

const SLACK_APP_URL = 'https://slack.com/api/chat.postMessage';

function httpConfigOf(f: Fields, global: GlobalConfig, dir: string): HTTPClientConfig {
  return f.has('http_config') ? parseHTTPClientConfigNode(f.get('http_config')!, dir) : structuredClone(global.http_config);
}

const WEBHOOK_FIELDS = ['send_resolved', 'http_config', 'url', 'url_file', 'max_alerts', 'timeout', 'payload'];

function parseWebhook(n: YNode, index: number, global: GlobalConfig, dir: string): WebhookConfig {
  const f = new Fields(n, WEBHOOK_FIELDS, 'webhook.plain');
  const url = f.str('url');
  const urlFile = f.str('url_file');
  if (url === '' && urlFile === '') throw f.error('one of url or url_file must be configured');
  if (url !== '' && urlFile !== '') throw f.error('at most one of url & url_file must be configured');
  if (url !== '' && url !== '<secret>' && !url.includes('{{')) {
    const err = checkHTTPURL(url);
    if (err) throw f.get('url')!.error(`invalid URL: ${err}`);
  }
  return {
    index,
    send_resolved: f.bool('send_resolved', true),
    http_config: httpConfigOf(f, global, dir),
    url,
    url_file: joinDir(dir, urlFile),
    max_alerts: f.uint('max_alerts'),
    timeout: f.duration('timeout', 0),
  };
}

const SLACK_FIELDS = [
  'send_resolved',
  'http_config',
  'api_url',
  'api_url_file',
  'app_token',
  'app_token_file',
  'app_url',
  'channel',
  'username',
  'color',
  'title',
  'title_link',
  'pretext',
  'text',
  'message_text',
  'fields',
  'short_fields',
  'footer',
  'fallback',
  'callback_id',
  'icon_emoji',
  'icon_url',
  'image_url',
  'thumb_url',
  'link_names',
  'mrkdwn_in',
  'actions',
  'update_message',
  'timeout',
];

function parseSlackField(n: YNode): SlackField {
  const f = new Fields(n, ['title', 'value', 'short'], 'config.plain');
  if (f.str('title') === '') throw f.error('missing title in Slack field configuration');
  if (f.str('value') === '') throw f.error('missing value in Slack field configuration');
  const out: SlackField = { title: f.str('title'), value: f.str('value') };
  if (f.has('short')) out.short = f.bool('short');
  return out;
}

function parseSlackAction(n: YNode): SlackAction {
  const f = new Fields(n, ['type', 'text', 'url', 'style', 'name', 'value', 'confirm'], 'config.plain');
  if (f.str('type') === '') throw f.error('missing type in Slack action configuration');
  if (f.str('text') === '') throw f.error('missing text in Slack action configuration');
  const a: SlackAction = { type: f.str('type'), text: f.str('text'), url: f.str('url'), style: f.str('style'), name: '', value: '' };
  if (a.url === '') {
    if (f.str('name') === '') throw f.error('missing name or url in Slack action configuration');
    a.name = f.str('name');
    a.value = f.str('value');
    if (f.has('confirm')) {
      const c = new Fields(f.get('confirm')!, ['text', 'title', 'ok_text', 'dismiss_text'], 'config.plain');
      if (c.str('text') === '') throw c.error('missing text in Slack confirmation configuration');
      a.confirm = { text: c.str('text'), title: c.str('title'), ok_text: c.str('ok_text'), dismiss_text: c.str('dismiss_text') };
    }
  }
  return a;
}

function parseSlack(n: YNode, index: number, global: GlobalConfig, dir: string): SlackConfig {
  const f = new Fields(n, SLACK_FIELDS, 'config.plain');
  let apiURL = secretURLField(f, 'api_url');
  let apiURLFile = joinDir(dir, f.str('api_url_file'));
  let appToken = f.str('app_token');
  let appTokenFile = joinDir(dir, f.str('app_token_file'));
  if (apiURL !== '' && apiURLFile !== '') throw f.error('at most one of api_url & api_url_file must be configured');
  if (appToken !== '' && appTokenFile !== '') throw f.error('at most one of app_token & app_token_file must be configured');
  if ((apiURL !== '' || apiURLFile !== '') && (appToken !== '' || appTokenFile !== '')) {
    throw f.error('at most one of api_url/api_url_file & app_token/app_token_file must be configured');
  }
  const updateMessage = f.bool('update_message');
  if (updateMessage && apiURL !== SLACK_APP_URL) {
    throw f.error(`update_message can only be used with bot tokens. api_url must be set to ${SLACK_APP_URL}`);
  }
  const appURL = urlField(f, 'app_url') || global.slack_app_url;
  const http = httpConfigOf(f, global, dir);
  const localAuth = f.has('http_config') && http.authorization !== null;
  if (appToken === '' && appTokenFile === '' && !localAuth && apiURL === '') {
    appToken = global.slack_app_token;
    appTokenFile = global.slack_app_token_file;
  }
  if (apiURL === '' && apiURLFile === '') {
    apiURL = global.slack_api_url;
    apiURLFile = global.slack_api_url_file;
  }
  if (apiURL === '' && apiURLFile === '' && appToken === '' && appTokenFile === '') {
    throw f.error('no Slack API URL nor App token set either inline or in a file');
  }
  if (appToken !== '' || appTokenFile !== '') {
    if (localAuth) throw f.error("http authorization can't be set when using Slack App tokens");
    http.authorization = { type: 'Bearer', credentials: appToken, credentialsFile: appTokenFile };
    apiURL = appURL;
    apiURLFile = '';
  }
  const text = (k: string, def: string) => (f.has(k) ? f.str(k) : def);
  return {
    index,
    send_resolved: f.bool('send_resolved', false),
    http_config: http,
    api_url: apiURL,
    api_url_file: apiURLFile,
    channel: f.str('channel'),
    username: text('username', tmpl('slack.default.username')),
    color: text('color', tmpl('slack.default.color')),
    title: text('title', tmpl('slack.default.title')),
    title_link: text('title_link', tmpl('slack.default.titlelink')),
    pretext: text('pretext', tmpl('slack.default.pretext')),
    text: text('text', tmpl('slack.default.text')),
    fields: (f.get('fields')?.seq() ?? []).map(parseSlackField),
    short_fields: f.bool('short_fields'),
    footer: text('footer', tmpl('slack.default.footer')),
    fallback: text('fallback', tmpl('slack.default.fallback')),
    callback_id: text('callback_id', tmpl('slack.default.callbackid')),
    icon_emoji: text('icon_emoji', tmpl('slack.default.iconemoji')),
    icon_url: text('icon_url', tmpl('slack.default.iconurl')),
    image_url: f.str('image_url'),
    thumb_url: f.str('thumb_url'),
    link_names: f.bool('link_names'),
    message_text: f.str('message_text'),
    mrkdwn_in: f.strings('mrkdwn_in'),
    actions: (f.get('actions')?.seq() ?? []).map(parseSlackAction),
    update_message: updateMessage,
    timeout: f.duration('timeout', 0),
  };
}

const PAGERDUTY_FIELDS = [
  'send_resolved',
  'http_config',
  'service_key',
  'service_key_file',
  'routing_key',
  'routing_key_file',
  'url',
  'client',
  'client_url',
  'description',
  'details',
  'images',
  'links',
  'source',
  'severity',
  'class',
  'component',
  'group',
  'timeout',
];

/** Upstream 0.25's default PagerDuty `details`. */
const PAGERDUTY_DETAILS: Record<string, string> = {
  firing: '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
  resolved: '{{ template "pagerduty.default.instances" .Alerts.Resolved }}',
  num_firing: '{{ .Alerts.Firing | len }}',
  num_resolved: '{{ .Alerts.Resolved | len }}',
};

function parsePagerduty(n: YNode, index: number, global: GlobalConfig, dir: string): PagerdutyConfig {
  const f = new Fields(n, PAGERDUTY_FIELDS, 'pagerduty.plain');
  const s = (k: string) => f.str(k);
  if (s('routing_key') === '' && s('service_key') === '' && s('routing_key_file') === '' && s('service_key_file') === '') {
    throw f.error('missing service or routing key in PagerDuty config');
  }
  if (s('routing_key') !== '' && s('routing_key_file') !== '') throw f.error('at most one of routing_key & routing_key_file must be configured');
  if (s('service_key') !== '' && s('service_key_file') !== '') throw f.error('at most one of service_key & service_key_file must be configured');
  const details = { ...PAGERDUTY_DETAILS, ...f.stringMap('details') };
  const client = f.has('client') ? s('client') : tmpl('pagerduty.default.client');
  const url = urlField(f, 'url') || global.pagerduty_url;
  if (url === '') throw f.error('no global PagerDuty URL set');
  return {
    index,
    send_resolved: f.bool('send_resolved', true),
    http_config: httpConfigOf(f, global, dir),
    service_key: s('service_key'),
    service_key_file: joinDir(dir, s('service_key_file')),
    routing_key: s('routing_key'),
    routing_key_file: joinDir(dir, s('routing_key_file')),
    url,
    client,
    client_url: f.has('client_url') ? s('client_url') : tmpl('pagerduty.default.clientURL'),
    description: f.has('description') ? s('description') : tmpl('pagerduty.default.description'),
    details,
    images: (f.get('images')?.seq() ?? []).map((i) => {
      const g = new Fields(i, ['src', 'alt', 'href'], 'pagerduty.plain');
      return { src: g.str('src'), alt: g.str('alt'), href: g.str('href') };
    }),
    links: (f.get('links')?.seq() ?? []).map((l) => {
      const g = new Fields(l, ['href', 'text'], 'pagerduty.plain');
      return { href: g.str('href'), text: g.str('text') };
    }),
    source: s('source') || client,
    severity: s('severity'),
    class: s('class'),
    component: s('component'),
    group: s('group'),
    timeout: f.duration('timeout', 0),
  };
}

const EMAIL_FIELDS = [
  'send_resolved',
  'to',
  'from',
  'hello',
  'smarthost',
  'auth_username',
  'auth_password',
  'auth_password_file',
  'auth_secret',
  'auth_secret_file',
  'auth_identity',
  'headers',
  'html',
  'text',
  'require_tls',
  'tls_config',
  'force_implicit_tls',
  'threading',
];

/** Go `textproto.CanonicalMIMEHeaderKey` for ASCII header names. */
function canonicalHeader(h: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(h)) return h;
  return h
    .split('-')
    .map((p) => (p === '' ? p : p[0]!.toUpperCase() + p.slice(1).toLowerCase()))
    .join('-');
}

/**
 * Checks a `host:port` address as Go's `net.SplitHostPort` (as upstream `HostPort`).
 * @returns an error text or null
 */
export function checkHostPort(s: string): string | null {
  if (s === '') return null;
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:[\]]*)$/.exec(s);
  if (!m) return `address ${s}: ${s.includes(':') ? 'too many colons in address' : 'missing port in address'}`;
  if (m[3] === '') return `address ${JSON.stringify(s)}: port cannot be empty`;
  return null;
}

function parseEmail(n: YNode, index: number, global: GlobalConfig, dir: string): EmailConfig {
  const f = new Fields(n, EMAIL_FIELDS, 'config.plain');
  if (f.str('to') === '') throw f.error('missing to address in email config');
  const headers: Record<string, string> = {};
  for (const [h, v] of Object.entries(f.stringMap('headers'))) {
    const c = canonicalHeader(h);
    if (c in headers) throw f.error(`duplicate header ${JSON.stringify(c)} in email config`);
    headers[c] = v;
  }
  let threadByDate: string | undefined;
  if (f.has('threading')) {
    const t = new Fields(f.get('threading')!, ['enabled', 'thread_by_date'], 'config.plain');
    if (t.bool('enabled')) {
      threadByDate = t.str('thread_by_date');
      if ('References' in headers) throw f.error('conflicting configuration: threading.enabled conflicts with custom References header');
      if ('In-Reply-To' in headers) throw f.error('conflicting configuration: threading.enabled conflicts with custom In-Reply-To header');
      if (!['none', 'daily'].includes(t.str('thread_by_date'))) throw f.error("threading.thread_by_date must be either 'none' or 'daily'");
    }
  }
  const smarthost = f.str('smarthost') || global.smtp_smarthost;
  const hpErr = checkHostPort(f.str('smarthost'));
  if (hpErr) throw f.get('smarthost')!.error(hpErr);
  if (smarthost === '') throw f.error('no global SMTP smarthost set');
  const from = f.str('from') || global.smtp_from;
  if (from === '') throw f.error('no global SMTP from set');
  const implicitTLS = f.has('force_implicit_tls') ? f.bool('force_implicit_tls') : global.smtp_force_implicit_tls;
  let password = f.str('auth_password');
  let passwordFile = joinDir(dir, f.str('auth_password_file'));
  if (password === '' && passwordFile === '') {
    password = global.smtp_auth_password;
    passwordFile = global.smtp_auth_password_file;
  }
  let secret = f.str('auth_secret');
  let secretFile = joinDir(dir, f.str('auth_secret_file'));
  if (secret === '' && secretFile === '') {
    secret = global.smtp_auth_secret;
    secretFile = global.smtp_auth_secret_file;
  }
  return {
    index,
    send_resolved: f.bool('send_resolved', false),
    to: f.str('to'),
    from,
    hello: f.str('hello') || global.smtp_hello,
    smarthost,
    auth_username: f.str('auth_username') || global.smtp_auth_username,
    auth_password: password,
    auth_password_file: passwordFile,
    auth_secret: secret,
    auth_secret_file: secretFile,
    auth_identity: f.str('auth_identity') || global.smtp_auth_identity,
    headers,
    html: f.has('html') ? f.str('html') : tmpl('email.default.html'),
    text: f.str('text'),
    require_tls: f.has('require_tls') ? f.bool('require_tls') : global.smtp_require_tls,
    tls_config: f.has('tls_config') ? parseTLSConfig(f.get('tls_config')!, dir) : structuredClone(global.smtp_tls_config),
    ...(implicitTLS === undefined ? {} : { force_implicit_tls: implicitTLS }),
    ...(threadByDate === undefined ? {} : { threading: { thread_by_date: threadByDate as 'none' | 'daily' } }),
  };
}

/**
 * Parses one `receivers[]` entry.
 * @param dir the config file's directory, for relative `*_file` paths
 * @throws {ConfigError} with upstream's texts (`missing name in receiver`, `missing webhook config`, …)
 */
export function parseReceiver(n: YNode, global: GlobalConfig, dir: string): ReceiverConfig {
  const f = new Fields(n, RECEIVER_FIELDS, 'config.plain');
  const name = f.str('name');
  if (name === '') throw f.error('missing name in receiver');
  const labels = f.stringMap('labels');
  if (labels.name !== undefined && labels.name !== name) {
    throw f.error(`receiver label "name" must match receiver name ${JSON.stringify(name)}, got ${JSON.stringify(labels.name)}`);
  }
  const list = <T>(key: string, what: string, parse: (n: YNode, i: number) => T): T[] =>
    (f.get(key)?.seq() ?? []).map((item, i) => {
      if (item.isNull && what !== '') throw item.error(`missing ${what} config`);
      return parse(item, i);
    });
  const other = [...OTHER_INTEGRATION_KEYS].flatMap(([key, integration]) =>
    list(key, ['opsgenie', 'wechat', 'rocketchat'].includes(integration) ? '' : integration, (item, i) =>
      parseOtherIntegration(integration, item, i, (k) => global.other[k] ?? '', dir, global.http_config),
    ),
  );
  return {
    name,
    webhook_configs: list('webhook_configs', 'webhook', (item, i) => parseWebhook(item, i, global, dir)),
    email_configs: list('email_configs', 'email', (item, i) => parseEmail(item, i, global, dir)),
    slack_configs: list('slack_configs', '', (item, i) => parseSlack(item, i, global, dir)),
    pagerduty_configs: list('pagerduty_configs', 'pagerduty', (item, i) => parsePagerduty(item, i, global, dir)),
    other_configs: other,
  };
}
