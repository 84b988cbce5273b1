/**
 * The Discord integration, as upstream `notify/discord` (0.25, plus the newer `content`,
 * `username`, `avatar_url`): POST to the webhook URL `{"content", "embeds": [{"title",
 * "description", "color"}], "username"?, "avatar_url"?}` with the title cut to 256 runes, the
 * description to 4096 and the content to 2000; the colour is red (0x992D22) when firing, green
 * (0x2ECC71) when resolved. 5xx is retried.
 */
import type { DiscordConfig } from '../../config/alertmanager/types.js';
import type { Alert } from '../alert.js';
import { TextExpander, checkStatus, goJSON, post, readSecretFile, truncateRunes, type Notifier, type NotifyContext } from './common.js';

const COLOR_FIRING = 0x992d22;
const COLOR_RESOLVED = 0x2ecc71;

/** Sends to one `discord_configs` entry. */
export class DiscordNotifier implements Notifier {
  constructor(private readonly conf: DiscordConfig) {}

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.conf;
    const data = ctx.data(alerts);
    const t = new TextExpander(ctx.templates, data);
    const title = truncateRunes(t.expand(c.title), 256).text;
    const description = truncateRunes(t.expand(c.message), 4096).text;
    const content = truncateRunes(t.expand(c.content), 2000).text;
    t.check('failed to template Discord message');
    const msg: Record<string, unknown> = {
      content,
      embeds: [{ title, description, color: data.Status === 'firing' ? COLOR_FIRING : COLOR_RESOLVED }],
    };
    if (c.username !== '') msg.username = c.username;
    if (c.avatar_url !== '' && URL.canParse(c.avatar_url, 'http://x')) msg.avatar_url = c.avatar_url;
    const url = c.webhook_url !== '' ? c.webhook_url : readSecretFile(c.webhook_url_file, 'webhook_url');
    const res = await post(c.http_config, url, goJSON(msg), ctx.signal, { redact: true });
    checkStatus(res);
  }
}
