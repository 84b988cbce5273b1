/**
 * The Rocket.Chat integration, as upstream `notify/rocketchat` (Alertmanager 0.28+): POST
 * `<api_url>/api/v1/chat.postMessage` with `X-Auth-Token` and `X-User-Id` headers and
 * `{"channel"?, "emoji"?, "avatar"?, "attachments": [{"title"?, "title_link"?, "text"?,
 * "image_url"?, "thumb_url"?, "color"?, "fields"?, "actions"?}]}` (empty values left out; each
 * field carries `short`, from the field or `short_fields`; actions are buttons with
 * `is_webview` and `msg_in_chat_window` false). The title is cut to 1024 runes. 5xx is retried;
 * a 2xx answer must be JSON with `"success": true` (an unparsable one is retried, `"success":
 * false` fails as `error response from Rocketchat: <error>`).
 */
import type { RocketchatConfig } from '../../config/alertmanager/types.js';
import type { Alert } from '../alert.js';
import { NotifyError, TextExpander, checkStatus, goJSON, post, readSecretFile, truncateRunes, type Notifier, type NotifyContext } from './common.js';

const MAX_TITLE_RUNES = 1024;

/** An object without its `''` and empty-array values (Go `omitempty` on strings and slices). */
function omitEmpty(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && !(Array.isArray(v) && v.length === 0)));
}

/** Sends to one `rocketchat_configs` entry. */
export class RocketchatNotifier implements Notifier {
  constructor(private readonly conf: RocketchatConfig) {}

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.conf;
    const token = c.token_file !== '' ? readSecretFile(c.token_file, 'token') : c.token;
    const tokenID = c.token_id_file !== '' ? readSecretFile(c.token_id_file, 'token_id') : c.token_id;
    const t = new TextExpander(ctx.templates, ctx.data(alerts));
    const attachment = omitEmpty({
      title: truncateRunes(t.expand(c.title), MAX_TITLE_RUNES).text,
      title_link: t.expand(c.title_link),
      text: t.expand(c.text),
      image_url: t.expand(c.image_url),
      thumb_url: t.expand(c.thumb_url),
      color: t.expand(c.color),
      fields: c.fields.map((f) => ({ short: f.short ?? c.short_fields, ...omitEmpty({ title: t.expand(f.title), value: t.expand(f.value) }) })),
      actions: c.actions.map((a) => ({
        ...omitEmpty({ type: 'button', text: t.expand(a.text), url: t.expand(a.url) }),
        is_webview: false,
        ...omitEmpty({ msg: t.expand(a.msg) }),
        msg_in_chat_window: false,
      })),
    });
    const msg = omitEmpty({ channel: t.expand(c.channel), emoji: t.expand(c.emoji), avatar: t.expand(c.icon_url) });
    msg.attachments = [attachment];
    t.check('failed to template Rocket.Chat message');
    const u = new URL(c.api_url);
    u.pathname = u.pathname.replace(/\/+$/, '') + '/api/v1/chat.postMessage';
    const res = await post(c.http_config, u.toString(), goJSON(msg), ctx.signal, {
      redact: true,
      headers: { 'X-Auth-Token': token, 'X-User-Id': tokenID },
    });
    const channel = `channel ${JSON.stringify(msg.channel ?? '')}`;
    try {
      checkStatus(res);
    } catch (e) {
      const err = e as NotifyError;
      throw new NotifyError(`${channel}: ${err.message}`, err.retry);
    }
    let answer: { success?: unknown; error?: unknown };
    try {
      answer = JSON.parse(res.body) as typeof answer;
    } catch (e) {
      throw new NotifyError(`${channel}: could not unmarshal JSON response ${JSON.stringify(res.body)}: ${(e as Error).message}`, true);
    }
    if (answer.success !== true) throw new NotifyError(`${channel}: error response from Rocketchat: ${String(answer.error ?? '')}`, false);
  }
}
