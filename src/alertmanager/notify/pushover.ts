/**
 * The Pushover integration, as Alertmanager 0.25's `notify/pushover`: POST (empty `text/plain`
 * body) to `https://api.pushover.net/1/messages.json` with the message as URL query parameters —
 * `token`, `user`, `title` (cut to 250 runes), `message` (cut to 1024 runes, trimmed, `(no
 * details)` when empty; executed as HTML with `html: 1` when `html` is set), `url` (512 runes),
 * `url_title`, `priority`, `retry`/`expire` in seconds, `sound`, and the newer `device`, `ttl`,
 * `monospace`. 5xx is retried.
 */
import type { PushoverConfig } from '../../config/alertmanager/types.js';
import type { Alert } from '../alert.js';
import { TextExpander, checkStatus, encodeValues, post, readSecretFile, truncateRunes, type Notifier, type NotifyContext } from './common.js';

/** Upstream's fixed endpoint. */
export const PUSHOVER_URL = 'https://api.pushover.net/1/messages.json';

/** Sends to one `pushover_configs` entry. */
export class PushoverNotifier implements Notifier {
  /** @param apiURL the Messages API endpoint (tests point it at a local server) */
  constructor(
    private readonly conf: PushoverConfig,
    private readonly apiURL = PUSHOVER_URL,
  ) {}

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.conf;
    const t = new TextExpander(ctx.templates, ctx.data(alerts));
    const token = c.token !== '' ? c.token : readSecretFile(c.token_file, 'token');
    const user = c.user_key !== '' ? c.user_key : readSecretFile(c.user_key_file, 'user key');
    const p: [string, string][] = [
      ['token', t.expand(token)],
      ['user', t.expand(user)],
      ['title', truncateRunes(t.expand(c.title), 250).text],
    ];
    if (c.html) p.push(['html', '1']);
    if (c.monospace) p.push(['monospace', '1']);
    let message = truncateRunes(c.html ? t.expandHTML(c.message) : t.expand(c.message), 1024).text.trim();
    if (message === '') message = '(no details)';
    p.push(['message', message]);
    p.push(['url', truncateRunes(t.expand(c.url), 512).text]);
    p.push(['url_title', t.expand(c.url_title)]);
    if (c.device !== '') p.push(['device', t.expand(c.device)]);
    p.push(['priority', t.expand(c.priority)]);
    p.push(['retry', String(Math.trunc(c.retry / 1000))]);
    p.push(['expire', String(Math.trunc(c.expire / 1000))]);
    if (c.ttl > 0) p.push(['ttl', String(Math.trunc(c.ttl / 1000))]);
    p.push(['sound', t.expand(c.sound)]);
    t.check('failed to template Pushover message');
    const u = new URL(this.apiURL);
    u.search = encodeValues(p);
    checkStatus(await post(c.http_config, u.toString(), '', ctx.signal, { contentType: 'text/plain', redact: true }));
  }
}
