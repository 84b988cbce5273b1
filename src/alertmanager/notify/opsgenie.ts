/**
 * The OpsGenie integration, as Alertmanager 0.25's `notify/opsgenie` (Alert API v2):
 * - firing: POST `<api_url>v2/alerts` with `alias` (SHA-256 hex of the group key), `message` (cut
 *   to 130 runes), `description`, `details` (the common labels, then the configured details),
 *   `source`, `responders` (a `teams` responder expands to one `team` per comma-separated name),
 *   `tags` and `actions` (comma-separated), `note`, `priority`, `entity`; with `update_alerts`, then
 *   PUT `…/v2/alerts/<alias>/message` and `…/description` (`?identifierType=alias`);
 * - resolved (every alert resolved): POST `<api_url>v2/alerts/<alias>/close?identifierType=alias`
 *   with `{"source": …}`.
 * Every request carries `Authorization: GenieKey <api_key>` (the key is itself a template). 5xx and
 * 429 are retried.
 */
import type { OpsgenieConfig } from '../../config/alertmanager/types.js';
import { resolvedAt, type Alert } from '../alert.js';
import { TextExpander, checkStatus, goJSON, post, readSecretFile, sortedMap, truncateRunes, type Notifier, type NotifyContext } from './common.js';
import { groupKeyHash } from './pagerduty.js';

const MAX_MESSAGE_RUNES = 130;

/** Upstream `safeSplit`: split on `sep` after trimming, dropping empty parts. */
function safeSplit(s: string, sep: string): string[] {
  return s
    .trim()
    .split(sep)
    .filter((x) => x !== '');
}

interface Request {
  method: 'POST' | 'PUT';
  url: string;
  body: object;
}

/** Sends to one `opsgenie_configs` entry. */
export class OpsgenieNotifier implements Notifier {
  constructor(private readonly conf: OpsgenieConfig) {}

  /** The requests of one notification, in sending order. */
  private requests(t: TextExpander, ctx: NotifyContext, alerts: readonly Alert[], commonLabels: Record<string, string>): Request[] {
    const c = this.conf;
    const alias = groupKeyHash(ctx.groupKey);
    const endpoint = (path: string, byAlias: boolean) => {
      const u = new URL(c.api_url);
      u.pathname += path;
      if (byAlias) u.searchParams.set('identifierType', 'alias');
      return u.toString();
    };
    if (alerts.every((a) => resolvedAt(a, ctx.now))) {
      return [{ method: 'POST', url: endpoint(`v2/alerts/${alias}/close`, true), body: { source: t.expand(c.source) } }];
    }
    const details: Record<string, string> = { ...commonLabels };
    for (const [k, v] of Object.entries(c.details)) details[k] = t.expand(v);
    const responders: Record<string, string>[] = [];
    for (const r of c.responders) {
      const x = { id: t.expand(r.id), name: t.expand(r.name), username: t.expand(r.username), type: t.expand(r.type) };
      if (x.id === '' && x.name === '' && x.username === '' && x.type === '') continue;
      if (x.type === 'teams') {
        for (const team of safeSplit(x.name, ',')) responders.push({ name: t.expand(team), type: 'team' });
        continue;
      }
      const out: Record<string, string> = {};
      if (x.id !== '') out.id = x.id;
      if (x.name !== '') out.name = x.name;
      if (x.username !== '') out.username = x.username;
      out.type = x.type;
      responders.push(out);
    }
    const msg: Record<string, unknown> = {
      alias,
      message: truncateRunes(t.expand(c.message), MAX_MESSAGE_RUNES).text,
    };
    const description = t.expand(c.description);
    if (description !== '') msg.description = description;
    msg.details = sortedMap(details);
    msg.source = t.expand(c.source);
    if (responders.length > 0) msg.responders = responders;
    const tags = safeSplit(t.expand(c.tags), ',');
    if (tags.length > 0) msg.tags = tags;
    for (const [k, v] of [
      ['note', t.expand(c.note)],
      ['priority', t.expand(c.priority)],
      ['entity', t.expand(c.entity)],
    ] as const) {
      if (v !== '') msg[k] = v;
    }
    const actions = safeSplit(t.expand(c.actions), ',');
    if (actions.length > 0) msg.actions = actions;
    const out: Request[] = [{ method: 'POST', url: endpoint('v2/alerts', false), body: msg }];
    if (c.update_alerts) {
      out.push({ method: 'PUT', url: endpoint(`v2/alerts/${alias}/message`, true), body: msg.message === '' ? {} : { message: msg.message } });
      out.push({ method: 'PUT', url: endpoint(`v2/alerts/${alias}/description`, true), body: description === '' ? {} : { description } });
    }
    return out;
  }

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const data = ctx.data(alerts);
    const t = new TextExpander(ctx.templates, data);
    const requests = this.requests(t, ctx, alerts, { ...data.CommonLabels });
    const apiKey = t.expand(this.conf.api_key !== '' ? this.conf.api_key : readSecretFile(this.conf.api_key_file, 'API key'));
    t.check('templating error');
    for (const r of requests) {
      const res = await post(this.conf.http_config, r.url, goJSON(r.body), ctx.signal, {
        method: r.method,
        headers: { authorization: `GenieKey ${apiKey}` },
      });
      checkStatus(res, [429]);
    }
  }
}
