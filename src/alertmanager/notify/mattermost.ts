/**
 * The Mattermost integration, as upstream `notify/mattermost` (Alertmanager 0.29+): POST to the
 * incoming-webhook URL a JSON message `{"text"?, "channel"?, "username"?, "icon_url"?,
 * "icon_emoji"?, "attachments", "type"?, "props"?, "priority"?}` with empty values left out.
 * Without configured `attachments` the top-level texts (title, color, fields, …, and `text`) form
 * the single attachment; with them, `text` is the message text and each configured attachment is
 * sent. The text is cut to 16383 runes; `priority` is lower-cased, replaced by `standard` when not
 * `urgent`/`important`/`standard`, `requested_ack` needs a non-standard priority and
 * `persistent_notifications` an urgent one (as upstream). 5xx is retried.
 */
import type { MattermostAttachment, MattermostConfig } from '../../config/alertmanager/types.js';
import type { Alert } from '../alert.js';
import { NotifyError, TextExpander, checkStatus, goJSON, post, readSecretFile, truncateRunes, type Notifier, type NotifyContext } from './common.js';

const MAX_TEXT_RUNES = 16383;
const PRIORITIES = new Set(['urgent', 'important', 'standard']);

/** An object without its `''`, `false`, `undefined` and empty-array values (Go `omitempty`). */
function omitEmpty(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === '' || v === false || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}

function attachment(a: MattermostAttachment, t: TextExpander, text: string): Record<string, unknown> {
  return omitEmpty({
    fallback: t.expand(a.fallback),
    color: t.expand(a.color),
    pretext: t.expand(a.pretext),
    text,
    author_name: t.expand(a.author_name),
    author_link: t.expand(a.author_link),
    author_icon: t.expand(a.author_icon),
    title: t.expand(a.title),
    title_link: t.expand(a.title_link),
    // `short` is a pointer upstream: an explicit false is sent.
    fields: a.fields.map((f) => ({ ...omitEmpty({ title: t.expand(f.title), value: t.expand(f.value) }), ...(f.short === undefined ? {} : { short: f.short }) })),
    thumb_url: t.expand(a.thumb_url),
    footer: t.expand(a.footer),
    footer_icon: t.expand(a.footer_icon),
    image_url: t.expand(a.image_url),
  });
}

/** Sends to one `mattermost_configs` entry. */
export class MattermostNotifier implements Notifier {
  constructor(private readonly conf: MattermostConfig) {}

  /** The message (before text truncation and priority checks). */
  private request(t: TextExpander): Record<string, unknown> {
    const c = this.conf;
    const text = t.expand(c.text);
    const withAttachments = c.attachments.length > 0;
    const req: Record<string, unknown> = {
      text: withAttachments ? text : '',
      channel: t.expand(c.channel),
      username: t.expand(c.username),
      icon_url: t.expand(c.icon_url),
      icon_emoji: t.expand(c.icon_emoji),
      attachments: withAttachments ? c.attachments.map((a) => attachment(a, t, t.expand(a.text))) : [attachment(c, t, text)],
      type: t.expand(c.type),
    };
    if (c.props_card !== '') req.props = { card: t.expand(c.props_card) };
    if (c.priority) {
      let priority = t.expand(c.priority.priority).toLowerCase();
      if (!PRIORITIES.has(priority)) priority = 'standard';
      req.priority = omitEmpty({
        priority,
        requested_ack: c.priority.requested_ack && priority !== 'standard',
        persistent_notifications: c.priority.persistent_notifications && priority === 'urgent',
      });
    }
    return req;
  }

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.conf;
    const url = c.webhook_url !== '' ? c.webhook_url : readSecretFile(c.webhook_url_file, 'webhook_url');
    if (url === '') throw new NotifyError('webhook url missing', false);
    const t = new TextExpander(ctx.templates, ctx.data(alerts));
    const req = this.request(t);
    t.check('failed to template Mattermost message');
    req.text = truncateRunes(req.text as string, MAX_TEXT_RUNES).text;
    const res = await post(c.http_config, url, goJSON(omitEmpty(req)), ctx.signal, { redact: true });
    try {
      checkStatus(res);
    } catch (e) {
      const err = e as NotifyError;
      throw new NotifyError(`channel ${JSON.stringify(req.channel)}: ${err.message}`, err.retry);
    }
  }
}
