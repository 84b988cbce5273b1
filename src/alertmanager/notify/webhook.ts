/**
 * The webhook integration: POSTs Alertmanager's webhook JSON (version 4) — the template data
 * (`receiver`, `status`, `alerts`, `groupLabels`, `commonLabels`, `commonAnnotations`,
 * `externalURL`) plus `version`, `groupKey` and `truncatedAlerts` — to the configured URL.
 * Alerts beyond `max_alerts` are dropped and counted. 5xx responses and network errors are retried.
 */
import type { WebhookConfig } from '../../config/alertmanager/types.js';
import { formatRFC3339Nano, type Alert } from '../alert.js';
import type { KV, TemplateData } from '../template.js';
import { NotifyError, checkStatus, goJSON, post, readSecretFile, sortedMap, type Notifier, type NotifyContext } from './common.js';

/** A template map's entries (its methods are not enumerable) as a plain sorted object. */
function kvObject(m: KV): Record<string, string> {
  return sortedMap({ ...m } as Record<string, string>);
}

/** The webhook message for these alerts (what upstream's `webhook.Message` encodes to). */
export function webhookMessage(data: TemplateData, alerts: readonly Alert[], groupKey: string, truncated: number): object {
  return {
    receiver: data.Receiver,
    status: data.Status,
    alerts: data.Alerts.map((a, i) => ({
      status: a.Status,
      labels: kvObject(a.Labels),
      annotations: kvObject(a.Annotations),
      startsAt: formatRFC3339Nano(alerts[i]!.startsAt),
      endsAt: formatRFC3339Nano(alerts[i]!.endsAt),
      generatorURL: a.GeneratorURL,
      fingerprint: a.Fingerprint,
    })),
    groupLabels: kvObject(data.GroupLabels),
    commonLabels: kvObject(data.CommonLabels),
    commonAnnotations: kvObject(data.CommonAnnotations),
    externalURL: data.ExternalURL,
    version: '4',
    groupKey,
    truncatedAlerts: truncated,
  };
}

/** Sends to one `webhook_configs` entry. */
export class WebhookNotifier implements Notifier {
  constructor(private readonly conf: WebhookConfig) {}

  async notify(ctx: NotifyContext, all: readonly Alert[]): Promise<void> {
    const max = this.conf.max_alerts;
    const alerts = max > 0 && all.length > max ? all.slice(0, max) : all;
    const data = ctx.data(alerts);
    const body = goJSON(webhookMessage(data, alerts, ctx.groupKey, all.length - alerts.length));
    let url = this.conf.url !== '' ? this.conf.url : readSecretFile(this.conf.url_file, 'webhook url');
    if (url.includes('{{')) {
      try {
        url = ctx.templates.execute(url, data);
      } catch (e) {
        throw new NotifyError(`failed to template webhook URL: ${e instanceof Error ? e.message : String(e)}`, false);
      }
    }
    const res = await post(this.conf.http_config, url, body, ctx.signal, { timeout: this.conf.timeout });
    checkStatus(res, [], (r) => (r.body ? `${url}: ${r.body}` : url));
  }
}
