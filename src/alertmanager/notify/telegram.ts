/**
 * The Telegram integration, as Alertmanager 0.25's `notify/telegram` (which sends through the
 * telebot library): POST `<api_url>/bot<token>/sendMessage` with a JSON object of strings —
 * `chat_id`, `text` (cut to 4096 runes), `disable_web_page_preview: "true"`, and when set
 * `disable_notification: "true"`, `message_thread_id`, `parse_mode`. With `parse_mode: HTML` (the
 * default) the message template is executed as HTML (values escaped). The answer must be Bot
 * API JSON with `"ok": true`; any failure is retried (as upstream).
 */
import type { TelegramConfig } from '../../config/alertmanager/types.js';
import type { Alert } from '../alert.js';
import { NotifyError, TextExpander, goJSON, post, readSecretFile, sortedMap, truncateRunes, type Notifier, type NotifyContext } from './common.js';

const MAX_MESSAGE_RUNES = 4096;

/** Sends to one `telegram_configs` entry. */
export class TelegramNotifier implements Notifier {
  constructor(private readonly conf: TelegramConfig) {}

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.conf;
    const t = new TextExpander(ctx.templates, ctx.data(alerts));
    const text = truncateRunes(c.parse_mode === 'HTML' ? t.expandHTML(c.message) : t.expand(c.message), MAX_MESSAGE_RUNES).text;
    t.check('failed to template Telegram message');
    const token = c.bot_token !== '' ? c.bot_token : readSecretFile(c.bot_token_file, 'bot token');
    let chatID = c.chat_id;
    if (chatID === '') {
      chatID = readSecretFile(c.chat_id_file, 'chat_id');
      if (!/^[+-]?\d+$/.test(chatID)) throw new NotifyError(`could not parse chat_id from ${c.chat_id_file}: ${JSON.stringify(chatID)}`, true);
      chatID = String(BigInt(chatID));
    }
    const params: Record<string, string> = { chat_id: chatID, text, disable_web_page_preview: 'true' };
    if (c.disable_notifications) params.disable_notification = 'true';
    if (c.message_thread_id !== 0) params.message_thread_id = String(c.message_thread_id);
    if (c.parse_mode !== '') params.parse_mode = c.parse_mode;
    const res = await post(c.http_config, `${c.api_url}/bot${token}/sendMessage`, goJSON(sortedMap(params)), ctx.signal, { redact: true });
    let answer: { ok?: unknown; description?: unknown; error_code?: unknown };
    try {
      answer = JSON.parse(res.body) as typeof answer;
    } catch {
      throw new NotifyError(`telegram: unexpected answer (status ${res.status}): ${res.body.slice(0, 200)}`, true);
    }
    if (answer.ok !== true) throw new NotifyError(`telegram: ${String(answer.description ?? 'unknown error')} (${String(answer.error_code ?? res.status)})`, true);
  }
}
