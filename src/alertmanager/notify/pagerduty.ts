/**
 * The PagerDuty integration, as Alertmanager 0.25's `notify/pagerduty`:
 * - Events API v1 when `service_key[_file]` is set: POST to
 *   `https://events.pagerduty.com/generic/2010-04-15/create_event.json` with `event_type`
 *   trigger/resolve and `incident_key` = SHA-256 hex of the group key; 403 is retried.
 * - Events API v2 otherwise (`routing_key[_file]`): POST to `url` (global `pagerduty_url`,
 *   default `https://events.pagerduty.com/v2/enqueue`) with `event_action`, `dedup_key` (same
 *   hash) and a `payload` (summary, source, severity (default `error`), class, component, group,
 *   custom_details); 429 is retried.
 * The event is `resolve` when every alert in the notification is resolved. Descriptions and
 * summaries are cut to 1024 runes; events over 512000 bytes have their details replaced.
 */
import { createHash } from 'node:crypto';
import type { PagerdutyConfig } from '../../config/alertmanager/types.js';
import { resolvedAt, type Alert } from '../alert.js';
import {
  NotifyError,
  TextExpander,
  checkStatus,
  goJSON,
  post,
  readSecretFile,
  sortedMap,
  truncateRunes,
  type HttpResult,
  type Notifier,
  type NotifyContext,
} from './common.js';

/** Events API v1 endpoint (fixed upstream). */
export const PAGERDUTY_V1_URL = 'https://events.pagerduty.com/generic/2010-04-15/create_event.json';
const MAX_EVENT_SIZE = 512000;
const MAX_TEXT_RUNES = 1024;
const TRUNCATED_DETAILS = 'Custom details have been removed because the original event exceeds the maximum size of 512kB';

/** Upstream `notify.Key.Hash()`: hex SHA-256 of the group key. */
export function groupKeyHash(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex');
}

function errDetails(r: HttpResult): string {
  if (r.status !== 400 || r.body === '') return '';
  try {
    const j = JSON.parse(r.body) as { message?: string; errors?: string[] };
    return `${j.message ?? ''}: ${(j.errors ?? []).join(',')}`;
  } catch {
    return '';
  }
}

/** Sends to one `pagerduty_configs` entry. */
export class PagerdutyNotifier implements Notifier {
  /**
   * @param v1URL Events API v1 endpoint (tests point it at a local server)
   */
  constructor(
    private readonly conf: PagerdutyConfig,
    private readonly v1URL = PAGERDUTY_V1_URL,
  ) {}

  private get isV1(): boolean {
    return this.conf.service_key !== '' || this.conf.service_key_file !== '';
  }

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const data = ctx.data(alerts);
    const eventType = alerts.every((a) => resolvedAt(a, ctx.now)) ? 'resolve' : 'trigger';
    const details: Record<string, string> = {};
    for (const k of Object.keys(this.conf.details).sort()) {
      try {
        details[k] = ctx.templates.execute(this.conf.details[k]!, data);
      } catch (e) {
        throw new NotifyError(`${JSON.stringify(k)}: failed to template ${JSON.stringify(this.conf.details[k])}: ${(e as Error).message}`, false);
      }
    }
    const t = new TextExpander(ctx.templates, data);
    const key = groupKeyHash(ctx.groupKey);
    let msg: Record<string, unknown>;
    let url: string;
    if (this.isV1) {
      const serviceKey = this.conf.service_key || readSecretFile(this.conf.service_key_file, 'service key');
      msg = {
        service_key: t.expand(serviceKey),
        incident_key: key,
        event_type: eventType,
      };
      const description = truncateRunes(t.expand(this.conf.description), MAX_TEXT_RUNES).text;
      if (description !== '') msg.description = description;
      msg.event_action = '';
      msg.payload = null;
      if (eventType === 'trigger') {
        const client = t.expand(this.conf.client);
        const clientURL = t.expand(this.conf.client_url);
        if (client !== '') msg.client = client;
        if (clientURL !== '') msg.client_url = clientURL;
      }
      if (Object.keys(details).length > 0) msg.details = details;
      t.check('failed to template PagerDuty v1 message');
      if (msg.service_key === '') throw new NotifyError('service key cannot be empty', false);
      url = this.v1URL;
    } else {
      const routingKey = this.conf.routing_key || readSecretFile(this.conf.routing_key_file, 'routing key');
      const payload: Record<string, unknown> = {
        summary: truncateRunes(t.expand(this.conf.description), MAX_TEXT_RUNES).text,
        source: t.expand(this.conf.source),
        severity: t.expand(this.conf.severity || 'error'),
      };
      for (const k of ['class', 'component', 'group'] as const) {
        const v = t.expand(this.conf[k]);
        if (v !== '') payload[k] = v;
      }
      if (Object.keys(details).length > 0) payload.custom_details = sortedMap(details);
      msg = {};
      const client = t.expand(this.conf.client);
      const clientURL = t.expand(this.conf.client_url);
      msg.routing_key = t.expand(routingKey);
      msg.dedup_key = key;
      msg.event_action = eventType;
      msg.payload = payload;
      if (client !== '') msg.client = client;
      if (clientURL !== '') msg.client_url = clientURL;
      const images = this.conf.images
        .map((i) => ({ src: t.expand(i.src), alt: t.expand(i.alt), href: t.expand(i.href) }))
        .filter((i) => i.src !== '');
      const links = this.conf.links.map((l) => ({ href: t.expand(l.href), text: t.expand(l.text) })).filter((l) => l.href !== '');
      if (images.length > 0) msg.images = images;
      if (links.length > 0) msg.links = links;
      t.check('failed to template PagerDuty v2 message');
      if (msg.routing_key === '') throw new NotifyError('routing key cannot be empty', false);
      url = this.conf.url;
    }
    let body = goJSON(msg);
    if (Buffer.byteLength(body) > MAX_EVENT_SIZE) {
      if (this.isV1) msg.details = { error: TRUNCATED_DETAILS };
      else (msg.payload as Record<string, unknown>).custom_details = { error: TRUNCATED_DETAILS };
      body = goJSON(msg);
    }
    const res = await post(this.conf.http_config, url, body, ctx.signal, { timeout: this.conf.timeout });
    checkStatus(res, this.isV1 ? [403] : [429], errDetails);
  }
}
