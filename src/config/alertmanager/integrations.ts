/**
 * Receiver integrations beyond webhook, e-mail, Slack and PagerDuty: OpsGenie, VictorOps, Pushover,
 * WeChat, SNS, Telegram, Discord, Webex, MS Teams (v1, v2), Jira, incident.io, Rocket.Chat,
 * Mattermost. Each has a table of accepted fields (unknown fields are rejected with upstream's
 * `field X not found in type <pkg>.plain`), its own validation, and the inheritance of global
 * settings with upstream's error texts (e.g. `no global OpsGenie API Key set either inline or in a
 * file`). Those Lookout sends to get a typed config from `integration-configs.ts`; Jira, which
 * Lookout does not send to, is validated only.
 */
import type { YNode } from '../yaml.js';
import { parseHTTPClientConfigNode, parseTLSConfig } from '../prometheus/http.js';
import { Fields, checkHTTPURL } from './common.js';
import {
  discordConfig,
  msteamsConfig,
  msteamsV2Config,
  opsgenieConfig,
  pushoverConfig,
  telegramConfig,
  victoropsConfig,
  webexConfig,
  wechatConfig,
  mattermostConfig,
  rocketchatConfig,
  incidentioConfig,
  snsConfig,
  type BuildContext,
} from './integration-configs.js';
import type { HTTPClientConfig, OtherIntegrationConfig, UnsupportedIntegrationConfig } from './types.js';

/** Builders of the typed configs of the integrations Lookout sends to. */
const BUILDERS: Record<string, (c: BuildContext) => OtherIntegrationConfig> = {
  opsgenie: opsgenieConfig,
  telegram: telegramConfig,
  discord: discordConfig,
  msteams: msteamsConfig,
  msteamsv2: msteamsV2Config,
  webex: webexConfig,
  victorops: victoropsConfig,
  pushover: pushoverConfig,
  wechat: wechatConfig,
  mattermost: mattermostConfig,
  rocketchat: rocketchatConfig,
  incidentio: incidentioConfig,
  sns: snsConfig,
};

/** How a field's value is checked. */
type Kind = 'str' | 'bool' | 'dur' | 'int' | 'strs' | 'map' | 'any' | 'http' | 'tls' | 'url' | Schema | [Schema];

interface Schema {
  type: string;
  fields: Record<string, Kind>;
}

const FIELD: Schema = { type: 'config.plain', fields: { title: 'str', value: 'str', short: 'bool' } };

const SCHEMAS: Record<string, { key: string; sendResolved: boolean; schema: Schema }> = {
  opsgenie: {
    key: 'opsgenie_configs',
    sendResolved: true,
    schema: {
      type: 'opsgenie.plain',
      fields: {
        api_key: 'str',
        api_key_file: 'str',
        api_url: 'url',
        message: 'str',
        description: 'str',
        source: 'str',
        details: 'map',
        entity: 'str',
        responders: [{ type: 'opsgenie.plain', fields: { id: 'str', name: 'str', username: 'str', type: 'str' } }],
        actions: 'str',
        tags: 'str',
        note: 'str',
        priority: 'str',
        update_alerts: 'bool',
      },
    },
  },
  victorops: {
    key: 'victorops_configs',
    sendResolved: true,
    schema: {
      type: 'config.plain',
      fields: {
        api_key: 'str',
        api_key_file: 'str',
        api_url: 'url',
        routing_key: 'str',
        message_type: 'str',
        state_message: 'str',
        entity_display_name: 'str',
        monitoring_tool: 'str',
        custom_fields: 'map',
      },
    },
  },
  pushover: {
    key: 'pushover_configs',
    sendResolved: true,
    schema: {
      type: 'pushover.plain',
      fields: {
        user_key: 'str',
        user_key_file: 'str',
        token: 'str',
        token_file: 'str',
        title: 'str',
        message: 'str',
        url: 'str',
        url_title: 'str',
        device: 'str',
        sound: 'str',
        priority: 'str',
        retry: 'dur',
        expire: 'dur',
        ttl: 'dur',
        html: 'bool',
        monospace: 'bool',
      },
    },
  },
  wechat: {
    key: 'wechat_configs',
    sendResolved: false,
    schema: {
      type: 'config.plain',
      fields: {
        api_secret: 'str',
        api_secret_file: 'str',
        corp_id: 'str',
        message: 'str',
        api_url: 'url',
        to_user: 'str',
        to_party: 'str',
        to_tag: 'str',
        agent_id: 'str',
        message_type: 'str',
      },
    },
  },
  sns: {
    key: 'sns_configs',
    sendResolved: true,
    schema: {
      type: 'sns.plain',
      fields: {
        api_url: 'str',
        sigv4: {
          type: 'sigv4.plain',
          fields: {
            region: 'str',
            access_key: 'str',
            secret_key: 'str',
            profile: 'str',
            role_arn: 'str',
            external_id: 'str',
            use_fips_sts_endpoint: 'bool',
          },
        },
        topic_arn: 'str',
        phone_number: 'str',
        target_arn: 'str',
        subject: 'str',
        message: 'str',
        attributes: 'map',
        use_aws_http_client: 'bool',
      },
    },
  },
  telegram: {
    key: 'telegram_configs',
    sendResolved: true,
    schema: {
      type: 'telegram.plain',
      fields: {
        api_url: 'url',
        bot_token: 'str',
        bot_token_file: 'str',
        chat_id: 'int',
        chat_id_file: 'str',
        message_thread_id: 'int',
        message: 'str',
        disable_notifications: 'bool',
        parse_mode: 'str',
      },
    },
  },
  discord: {
    key: 'discord_configs',
    sendResolved: true,
    schema: {
      type: 'discord.plain',
      fields: {
        webhook_url: 'url',
        webhook_url_file: 'str',
        content: 'str',
        title: 'str',
        message: 'str',
        username: 'str',
        avatar_url: 'str',
      },
    },
  },
  webex: {
    key: 'webex_configs',
    sendResolved: true,
    schema: { type: 'config.plain', fields: { api_url: 'url', message: 'str', room_id: 'str' } },
  },
  msteams: {
    key: 'msteams_configs',
    sendResolved: true,
    schema: {
      type: 'msteams.plain',
      fields: { webhook_url: 'url', webhook_url_file: 'str', title: 'str', summary: 'str', text: 'str' },
    },
  },
  msteamsv2: {
    key: 'msteamsv2_configs',
    sendResolved: true,
    schema: { type: 'msteamsv2.plain', fields: { webhook_url: 'url', webhook_url_file: 'str', title: 'str', text: 'str' } },
  },
  jira: {
    key: 'jira_configs',
    sendResolved: true,
    schema: {
      type: 'jira.plain',
      fields: {
        api_url: 'url',
        api_type: 'str',
        project: 'str',
        summary: { type: 'jira.plain', fields: { template: 'str', enable_update: 'bool' } },
        description: { type: 'jira.plain', fields: { template: 'str', enable_update: 'bool' } },
        labels: 'strs',
        priority: 'str',
        issue_type: 'str',
        reopen_transition: 'str',
        resolve_transition: 'str',
        wont_fix_resolution: 'str',
        reopen_duration: 'dur',
        fields: 'any',
      },
    },
  },
  incidentio: {
    key: 'incidentio_configs',
    sendResolved: true,
    schema: {
      type: 'incidentio.plain',
      fields: {
        url: 'url',
        url_file: 'str',
        alert_source_token: 'str',
        alert_source_token_file: 'str',
        max_alerts: 'int',
        timeout: 'dur',
      },
    },
  },
  rocketchat: {
    key: 'rocketchat_configs',
    sendResolved: false,
    schema: {
      type: 'rocketchat.plain',
      fields: {
        api_url: 'url',
        token_id: 'str',
        token_id_file: 'str',
        token: 'str',
        token_file: 'str',
        channel: 'str',
        color: 'str',
        title: 'str',
        title_link: 'str',
        text: 'str',
        fields: [{ type: 'rocketchat.plain', fields: { title: 'str', value: 'str', short: 'bool' } }],
        short_fields: 'bool',
        emoji: 'str',
        icon_url: 'str',
        image_url: 'str',
        thumb_url: 'str',
        link_names: 'bool',
        actions: [
          {
            type: 'rocketchat.plain',
            fields: {
              type: 'str',
              text: 'str',
              url: 'str',
              imageurl: 'str',
              iswebview: 'bool',
              webviewheightratio: 'str',
              msg: 'str',
              msginchatwindow: 'bool',
              msgprocessingtype: 'str',
            },
          },
        ],
      },
    },
  },
  mattermost: {
    key: 'mattermost_configs',
    sendResolved: true,
    schema: {
      type: 'mattermost.plain',
      fields: {
        webhook_url: 'url',
        webhook_url_file: 'str',
        channel: 'str',
        username: 'str',
        text: 'str',
        fallback: 'str',
        color: 'str',
        pretext: 'str',
        author_name: 'str',
        author_link: 'str',
        author_icon: 'str',
        title: 'str',
        title_link: 'str',
        fields: [FIELD],
        thumb_url: 'str',
        footer: 'str',
        footer_icon: 'str',
        image_url: 'str',
        icon_url: 'str',
        icon_emoji: 'str',
        attachments: [
          {
            type: 'mattermost.plain',
            fields: {
              fallback: 'str',
              color: 'str',
              pretext: 'str',
              text: 'str',
              author_name: 'str',
              author_link: 'str',
              author_icon: 'str',
              title: 'str',
              title_link: 'str',
              fields: [FIELD],
              thumb_url: 'str',
              footer: 'str',
              footer_icon: 'str',
              image_url: 'str',
            },
          },
        ],
        type: 'str',
        props: { type: 'mattermost.plain', fields: { card: 'str' } },
        priority: {
          type: 'mattermost.plain',
          fields: { priority: 'str', requested_ack: 'bool', persistent_notifications: 'bool' },
        },
      },
    },
  },
};

/** The receiver keys (`opsgenie_configs`, …) handled here, by integration name. */
export const OTHER_INTEGRATION_KEYS: ReadonlyMap<string, string> = new Map(
  Object.entries(SCHEMAS).map(([name, s]) => [s.key, name]),
);

function checkValue(n: YNode, kind: Kind, dir: string): void {
  if (n.isNull) return;
  if (Array.isArray(kind)) {
    for (const item of n.seq()) checkObject(item, kind[0], dir);
    return;
  }
  if (typeof kind === 'object') {
    checkObject(n, kind, dir);
    return;
  }
  switch (kind) {
    case 'str':
      n.str();
      return;
    case 'bool':
      n.bool();
      return;
    case 'dur':
      n.duration();
      return;
    case 'int':
      if (!Number.isInteger(n.number())) throw n.error(`expected an integer, got ${n.str()}`);
      return;
    case 'strs':
      n.strings();
      return;
    case 'map':
      n.stringMap();
      return;
    case 'http':
      parseHTTPClientConfigNode(n, dir);
      return;
    case 'tls':
      parseTLSConfig(n, dir);
      return;
    case 'url': {
      const s = n.str();
      if (s === '<secret>') return;
      const err = checkHTTPURL(s);
      if (err) throw n.error(err);
      return;
    }
    case 'any':
      return;
  }
}

function checkObject(n: YNode, schema: Schema, dir: string): Fields {
  const f = new Fields(n, Object.keys(schema.fields), schema.type);
  for (const [k, v] of Object.entries(f.entries)) checkValue(v, schema.fields[k]!, dir);
  return f;
}

/** Global settings the integrations here inherit (raw strings; `''` when unset). */
export type GlobalLookup = (key: string) => string;

const TEMPLATE_RE = /\{\{/;
const OPSGENIE_TYPES = /^(team|teams|user|escalation|schedule)$/;

/**
 * Parses one config of an integration handled here: strict fields, the integration's own
 * validation and global-setting inheritance, as upstream `UnmarshalYAML` plus `Config` validation.
 * @param integration name (`opsgenie`, …); must be a value of {@link OTHER_INTEGRATION_KEYS}
 * @param globalHTTP the global `http_config`, used when the entry has none
 * @throws {ConfigError}
 */
export function parseOtherIntegration(
  integration: string,
  n: YNode,
  index: number,
  global: GlobalLookup,
  dir: string,
  globalHTTP: HTTPClientConfig,
): OtherIntegrationConfig {
  const spec = SCHEMAS[integration]!;
  const schema: Schema = {
    type: spec.schema.type,
    fields: { send_resolved: 'bool', http_config: 'http', ...spec.schema.fields },
  };
  const f = checkObject(n, schema, dir);
  const s = (k: string) => f.str(k);
  const both = (a: string, b: string, what = `${a} & ${b}`) => {
    if (s(a) !== '' && s(b) !== '') throw f.error(`at most one of ${what} must be configured`);
  };
  const hasAuthorization = () => f.has('http_config') && parseHTTPClientConfigNode(f.get('http_config')!, dir).authorization !== null;

  switch (integration) {
    case 'opsgenie':
      both('api_key', 'api_key_file');
      for (const r of f.get('responders')?.seq() ?? []) {
        const rf = new Fields(r, ['id', 'name', 'username', 'type'], 'opsgenie.plain');
        if (rf.str('id') === '' && rf.str('username') === '' && rf.str('name') === '') {
          throw r.error('opsGenieConfig responder has to have at least one of id, username or name specified');
        }
        const t = rf.str('type');
        if (!TEMPLATE_RE.test(t) && !OPSGENIE_TYPES.test(t.toLowerCase())) {
          throw r.error(`opsGenieConfig responder type does not match valid options ${OPSGENIE_TYPES.source}`);
        }
      }
      if (s('api_key') === '' && s('api_key_file') === '' && global('opsgenie_api_key') === '' && global('opsgenie_api_key_file') === '') {
        throw f.error('no global OpsGenie API Key set either inline or in a file');
      }
      break;
    case 'victorops':
      if (s('routing_key') === '') throw f.error('missing Routing key in VictorOps config');
      both('api_key', 'api_key_file');
      for (const k of Object.keys(f.stringMap('custom_fields'))) {
        if (['routing_key', 'message_type', 'state_message', 'entity_display_name', 'monitoring_tool', 'entity_id', 'entity_state'].includes(k)) {
          throw f.error(`victorOps config contains custom field ${k} which cannot be used as it conflicts with the fixed/static fields`);
        }
      }
      if (s('api_key') === '' && s('api_key_file') === '' && global('victorops_api_key') === '' && global('victorops_api_key_file') === '') {
        throw f.error('no global VictorOps API Key set');
      }
      break;
    case 'pushover':
      for (const k of ['user_key', 'token']) {
        if (s(k) === '' && s(`${k}_file`) === '') throw f.error(`one of ${k} or ${k}_file must be configured`);
        both(k, `${k}_file`);
      }
      if (f.bool('html') && f.bool('monospace')) throw f.error('at most one of monospace & html must be configured');
      break;
    case 'wechat': {
      const mt = s('message_type') || 'text';
      if (!/^(text|markdown)$/.test(mt)) {
        throw f.error(`weChat message type ${JSON.stringify(mt)} does not match valid options ^(text|markdown)$`);
      }
      both('api_secret', 'api_secret_file');
      if (s('api_secret') === '' && s('api_secret_file') === '' && global('wechat_api_secret') === '' && global('wechat_api_secret_file') === '') {
        throw f.error('no global Wechat Api Secret set either inline or in a file');
      }
      if (s('corp_id') === '' && global('wechat_api_corp_id') === '') throw f.error('no global Wechat CorpID set');
      break;
    }
    case 'sns': {
      const noTarget = s('target_arn') === '';
      const noTopic = s('topic_arn') === '';
      const noPhone = s('phone_number') === '';
      if ((noTarget !== noTopic) !== noPhone) {
        throw f.error('must provide either a Target ARN, Topic ARN, or Phone Number for SNS config');
      }
      break;
    }
    case 'telegram': {
      both('bot_token', 'bot_token_file');
      const chat = s('chat_id');
      if ((chat === '' || chat === '0') && s('chat_id_file') === '') throw f.error('missing chat_id or chat_id_file on telegram_config');
      if (chat !== '' && chat !== '0' && s('chat_id_file') !== '') {
        throw f.error('at most one of chat_id & chat_id_file must be configured');
      }
      if (!['', 'Markdown', 'MarkdownV2', 'HTML'].includes(s('parse_mode'))) {
        throw f.error('unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string');
      }
      if (s('bot_token') === '' && s('bot_token_file') === '' && global('telegram_bot_token') === '' && global('telegram_bot_token_file') === '') {
        throw f.error('missing bot_token or bot_token_file on telegram_config');
      }
      break;
    }
    case 'discord':
    case 'msteams':
    case 'msteamsv2':
      if (s('webhook_url') === '' && s('webhook_url_file') === '') throw f.error('one of webhook_url or webhook_url_file must be configured');
      both('webhook_url', 'webhook_url_file');
      break;
    case 'webex':
      if (s('room_id') === '') throw f.error('missing room_id on webex_config');
      if (!hasAuthorization()) throw f.error('missing webex_configs.http_config.authorization');
      break;
    case 'jira': {
      if (s('project') === '') throw f.error('missing project in jira_config');
      if (s('issue_type') === '') throw f.error('missing issue_type in jira_config');
      if (!['auto', 'cloud', 'datacenter'].includes(s('api_type') || 'auto')) {
        throw f.error('unknown api_type on jira_config, must be auto, cloud or datacenter');
      }
      if (s('api_url') === '' && global('jira_api_url') === '') throw f.error('no global Jira Cloud URL set');
      break;
    }
    case 'incidentio': {
      if (s('url') === '' && s('url_file') === '') throw f.error('one of url or url_file must be configured');
      both('url', 'url_file');
      both('alert_source_token', 'alert_source_token_file');
      const token = s('alert_source_token') !== '' || s('alert_source_token_file') !== '';
      if (f.has('http_config')) {
        const auth = hasAuthorization();
        if (auth && token) throw f.error('cannot specify alert_source_token or alert_source_token_file when using http_config.authorization');
        if (!auth && !token) {
          throw f.error('at least one of alert_source_token, alert_source_token_file or http_config.authorization must be configured');
        }
      }
      break;
    }
    case 'rocketchat':
      both('token', 'token_file');
      both('token_id', 'token_id_file');
      if (s('token_id') === '' && s('token_id_file') === '' && global('rocketchat_token_id') === '' && global('rocketchat_token_id_file') === '') {
        throw f.error('no global Rocketchat TokenID set either inline or in a file');
      }
      if (s('token') === '' && s('token_file') === '' && global('rocketchat_token') === '' && global('rocketchat_token_file') === '') {
        throw f.error('no global Rocketchat Token set either inline or in a file');
      }
      break;
    case 'mattermost':
      both('webhook_url', 'webhook_url_file');
      for (const fl of [...(f.get('fields')?.seq() ?? []), ...(f.get('attachments')?.seq() ?? []).flatMap((a) => a.map(null).fields?.seq() ?? [])]) {
        const ff = new Fields(fl, ['title', 'value', 'short'], 'mattermost.plain');
        if (ff.str('title') === '') throw fl.error('missing title in Mattermost field configuration');
        if (ff.str('value') === '') throw fl.error('missing value in Mattermost field configuration');
      }
      if (s('webhook_url') === '' && s('webhook_url_file') === '' && global('mattermost_webhook_url') === '' && global('mattermost_webhook_url_file') === '') {
        throw f.error('missing webhook_url or webhook_url_file on mattermost_config');
      }
      break;
  }
  const sendResolved = f.bool('send_resolved', spec.sendResolved);
  const build = BUILDERS[integration];
  if (build) {
    const http = f.has('http_config') ? parseHTTPClientConfigNode(f.get('http_config')!, dir) : structuredClone(globalHTTP);
    return build({ f, index, sendResolved, http, global, dir });
  }
  return { integration: integration as UnsupportedIntegrationConfig['integration'], index, send_resolved: sendResolved };
}
