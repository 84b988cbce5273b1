/**
 * The Webex integration, as Alertmanager 0.25's `notify/webex`: POST `{"markdown", "roomId"}` to
 * `api_url` (default `https://webexapis.com/v1/messages`) with the `http_config` authorization
 * (required by the config). The message is cut to 7439 bytes (at a UTF-8 boundary). 5xx is retried.
 */
import type { WebexConfig } from '../../config/alertmanager/types.js';
import type { Alert } from '../alert.js';
import { TextExpander, checkStatus, goJSON, post, type Notifier, type NotifyContext } from './common.js';

const MAX_MESSAGE_BYTES = 7439;

/** Upstream `TruncateInBytes`: at most `n` bytes of whole UTF-8 characters, the last replaced by `…` when cut. */
export function truncateBytes(s: string, n: number): string {
  if (Buffer.byteLength(s) <= n) return s;
  const ellipsis = '…';
  let out = '';
  let size = 0;
  const budget = n - Buffer.byteLength(ellipsis);
  for (const ch of s) {
    const b = Buffer.byteLength(ch);
    if (size + b > budget) break;
    out += ch;
    size += b;
  }
  return out + ellipsis;
}

/** Sends to one `webex_configs` entry. */
export class WebexNotifier implements Notifier {
  constructor(private readonly conf: WebexConfig) {}

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.conf;
    const t = new TextExpander(ctx.templates, ctx.data(alerts));
    const markdown = truncateBytes(t.expand(c.message), MAX_MESSAGE_BYTES);
    t.check('failed to template Webex message');
    const msg: Record<string, string> = { markdown };
    if (c.room_id !== '') msg.roomId = c.room_id;
    checkStatus(await post(c.http_config, c.api_url, goJSON(msg), ctx.signal));
  }
}
