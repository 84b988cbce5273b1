/**
 * The Slack integration (incoming webhooks, or `chat.postMessage` with an app token): one message
 * with one attachment whose texts come from the `slack_configs` fields expanded as templates, as
 * Alertmanager 0.25's `notify/slack`. The title is cut to 1024 runes; `mrkdwn_in` defaults to
 * `["fallback", "pretext", "text"]`; `message_text` (newer upstream) is the message's top-level
 * `text`.
 *
 * A JSON answer (what `chat.postMessage` sends, always with status 200) is checked as newer
 * upstream does: `{"ok": false, "error": "channel_not_found"}` fails without retry as `error
 * response from Slack: channel_not_found`; an unparsable JSON answer is retried. Other answers to
 * a 2xx status succeed (incoming webhooks answer `ok`), as in 0.25.
 */
import type { SlackConfig } from '../../config/alertmanager/types.js';
import type { Alert } from '../alert.js';
import { TextExpander, checkStatus, goJSON, post, readSecretFile, truncateRunes, type Notifier, type NotifyContext } from './common.js';
import { NotifyError } from './common.js';

const MAX_TITLE_RUNES = 1024;

/** Builds the Slack request body (field order and omissions as upstream's JSON encoding). */
export function slackPayload(conf: SlackConfig, t: TextExpander): Record<string, unknown> {
  const att: Record<string, unknown> = {};
  const opt = (k: string, v: string) => {
    if (v !== '') att[k] = v;
  };
  opt('title', truncateRunes(t.expand(conf.title), MAX_TITLE_RUNES).text);
  opt('title_link', t.expand(conf.title_link));
  opt('pretext', t.expand(conf.pretext));
  att.text = t.expand(conf.text);
  att.fallback = t.expand(conf.fallback);
  att.callback_id = t.expand(conf.callback_id);
  if (conf.fields.length > 0) {
    att.fields = conf.fields.map((f) => ({
      title: t.expand(f.title),
      value: t.expand(f.value),
      short: f.short ?? conf.short_fields,
    }));
  }
  if (conf.actions.length > 0) {
    att.actions = conf.actions.map((a) => {
      const out: Record<string, unknown> = {};
      const put = (k: string, v: string) => {
        if (v !== '') out[k] = v;
      };
      put('type', t.expand(a.type));
      put('text', t.expand(a.text));
      put('url', t.expand(a.url));
      put('style', t.expand(a.style));
      put('name', t.expand(a.name));
      put('value', t.expand(a.value));
      if (a.confirm) {
        const c: Record<string, string> = {};
        for (const [k, v] of [
          ['text', t.expand(a.confirm.text)],
          ['title', t.expand(a.confirm.title)],
          ['ok_text', t.expand(a.confirm.ok_text)],
          ['dismiss_text', t.expand(a.confirm.dismiss_text)],
        ] as const) {
          if (v !== '') c[k] = v;
        }
        out.confirm = c;
      }
      return out;
    });
  }
  opt('image_url', t.expand(conf.image_url));
  opt('thumb_url', t.expand(conf.thumb_url));
  att.footer = t.expand(conf.footer);
  opt('color', t.expand(conf.color));
  att.mrkdwn_in = conf.mrkdwn_in.length > 0 ? conf.mrkdwn_in : ['fallback', 'pretext', 'text'];

  const req: Record<string, unknown> = {};
  const top = (k: string, v: string) => {
    if (v !== '') req[k] = v;
  };
  top('channel', t.expand(conf.channel));
  top('username', t.expand(conf.username));
  top('icon_emoji', t.expand(conf.icon_emoji));
  top('icon_url', t.expand(conf.icon_url));
  if (conf.link_names) req.link_names = true;
  top('text', t.expand(conf.message_text));
  req.attachments = [att];
  return req;
}

/** Sends to one `slack_configs` entry. */
export class SlackNotifier implements Notifier {
  constructor(private readonly conf: SlackConfig) {}

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const t = new TextExpander(ctx.templates, ctx.data(alerts));
    const req = slackPayload(this.conf, t);
    t.check('failed to template Slack message');
    const url = this.conf.api_url !== '' ? this.conf.api_url : readSecretFile(this.conf.api_url_file, 'Slack API URL');
    const res = await post(this.conf.http_config, url, goJSON(req), ctx.signal, { timeout: this.conf.timeout, redact: true });
    const channel = `channel ${JSON.stringify(req.channel ?? '')}`;
    try {
      checkStatus(res);
    } catch (e) {
      const err = e as NotifyError;
      throw new NotifyError(`${channel}: ${err.message}`, err.retry);
    }
    if (!res.contentType.startsWith('application/json')) return;
    let answer: { ok?: unknown; error?: unknown };
    try {
      answer = JSON.parse(res.body) as { ok?: unknown; error?: unknown };
    } catch (e) {
      throw new NotifyError(`${channel}: could not unmarshal JSON response ${JSON.stringify(res.body)}: ${(e as Error).message}`, true);
    }
    if (answer.ok !== true) throw new NotifyError(`${channel}: error response from Slack: ${String(answer.error ?? '')}`, false);
  }
}
