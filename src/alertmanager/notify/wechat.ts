/**
 * The WeChat Work integration, as Alertmanager 0.25's `notify/wechat`:
 * - an access token is fetched with GET `<api_url>gettoken?corpid=…&corpsecret=…` (both templates)
 *   and kept for 2 hours (dropped when the API answers code 42001);
 * - the message is POSTed to `<api_url>message/send?access_token=…` as
 *   `{"text": {"content"}, "touser"?, "toparty"?, "totag"?, "agentid"?, "safe": "0", "msgtype",
 *   "markdown": {"content"}}` — the content under `text` or `markdown` by `message_type`, the other
 *   one empty (Go always encodes both);
 * - a non-200 status is retried; the answer's `code`/`error` fields (upstream's names) decide:
 *   0 is success, 42001 retries with a new token, others fail without retry.
 */
import type { WechatConfig } from '../../config/alertmanager/types.js';
import type { Alert } from '../alert.js';
import { NotifyError, TextExpander, encodeValues, goJSON, post, readSecretFile, type Notifier, type NotifyContext } from './common.js';

/** ms an access token is reused. */
const TOKEN_TTL = 2 * 3600_000;
/** The API's "access token expired" code. */
const TOKEN_EXPIRED = 42001;

/** Sends to one `wechat_configs` entry; keeps its access token between notifications. */
export class WechatNotifier implements Notifier {
  private token = '';
  /** ms (wall clock) when {@link token} was fetched. */
  private tokenAt = 0;

  constructor(private readonly conf: WechatConfig) {}

  private async accessToken(t: TextExpander, signal: AbortSignal): Promise<string> {
    const c = this.conf;
    if (this.token !== '' && Date.now() - this.tokenAt <= TOKEN_TTL) return this.token;
    const secret = c.api_secret !== '' ? c.api_secret : readSecretFile(c.api_secret_file, 'API secret');
    const query = encodeValues([
      ['corpsecret', t.expand(secret)],
      ['corpid', t.expand(c.corp_id)],
    ]);
    t.check('templating error');
    const res = await post(c.http_config, `${c.api_url}gettoken?${query}`, '', signal, { method: 'GET', redact: true });
    let answer: { access_token?: unknown };
    try {
      answer = JSON.parse(res.body) as typeof answer;
    } catch (e) {
      throw new NotifyError(`invalid gettoken answer: ${(e as Error).message}`, false);
    }
    if (typeof answer.access_token !== 'string' || answer.access_token === '') {
      throw new NotifyError(`invalid APISecret for CorpID: ${c.corp_id}`, false);
    }
    this.token = answer.access_token;
    this.tokenAt = Date.now();
    return this.token;
  }

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.conf;
    const t = new TextExpander(ctx.templates, ctx.data(alerts));
    const token = await this.accessToken(t, ctx.signal);
    const msg: Record<string, unknown> = {};
    const content = t.expand(c.message);
    msg.text = { content: c.message_type === 'markdown' ? '' : content };
    for (const [k, v] of [
      ['touser', t.expand(c.to_user)],
      ['toparty', t.expand(c.to_party)],
      ['totag', t.expand(c.to_tag)],
      ['agentid', t.expand(c.agent_id)],
    ] as const) {
      if (v !== '') msg[k] = v;
    }
    msg.safe = '0';
    msg.msgtype = c.message_type;
    msg.markdown = { content: c.message_type === 'markdown' ? content : '' };
    t.check('templating error');
    const url = `${c.api_url}message/send?${encodeValues([['access_token', token]])}`;
    const res = await post(c.http_config, url, goJSON(msg), ctx.signal, { redact: true });
    if (res.status !== 200) throw new NotifyError(`unexpected status code ${res.status}`, true);
    let answer: { code?: unknown; error?: unknown };
    try {
      answer = JSON.parse(res.body) as typeof answer;
    } catch (e) {
      throw new NotifyError(`invalid message/send answer: ${(e as Error).message}`, true);
    }
    const code = typeof answer.code === 'number' ? answer.code : 0;
    if (code === 0) return;
    const error = String(answer.error ?? '');
    if (code === TOKEN_EXPIRED) {
      this.token = '';
      throw new NotifyError(error, true);
    }
    throw new NotifyError(error, false);
  }
}
