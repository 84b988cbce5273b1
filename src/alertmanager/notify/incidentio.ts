/**
 * The incident.io integration, as upstream `notify/incidentio` (Alertmanager 0.29+): POSTs the
 * webhook message (same fields as the webhook integration's) with `version: "1"` to the alert
 * source URL, with `Authorization: Bearer <alert_source_token>` when a token is configured
 * (otherwise the `http_config` authorization). Alerts beyond `max_alerts` are dropped and counted
 * in `truncatedAlerts`; a message over 512 KiB is sent with its first alert only. 5xx and 429
 * are retried; error details come from the answer's `message`, `error` and `errors`.
 */
import type { IncidentioConfig } from '../../config/alertmanager/types.js';
import type { Alert } from '../alert.js';
import { checkStatus, goJSON, post, readSecretFile, type HttpResult, type Notifier, type NotifyContext } from './common.js';
import { webhookMessage } from './webhook.js';

/** Upstream's payload limit in bytes. */
const MAX_PAYLOAD_BYTES = 512 * 1024;

/** Upstream `errDetails`: `message: error: errors…` from a JSON error answer (`''` otherwise). */
function errorDetails(res: HttpResult): string {
  try {
    const e = JSON.parse(res.body) as { message?: unknown; error?: unknown; errors?: unknown };
    const parts: string[] = [];
    if (typeof e.message === 'string' && e.message !== '') parts.push(e.message);
    if (typeof e.error === 'string' && e.error !== '') parts.push(e.error);
    if (Array.isArray(e.errors) && e.errors.length > 0) parts.push(e.errors.join(', '));
    return parts.join(': ');
  } catch {
    return '';
  }
}

/** Sends to one `incidentio_configs` entry. */
export class IncidentioNotifier implements Notifier {
  constructor(private readonly conf: IncidentioConfig) {}

  async notify(ctx: NotifyContext, all: readonly Alert[]): Promise<void> {
    const c = this.conf;
    const alerts = c.max_alerts > 0 && all.length > c.max_alerts ? all.slice(0, c.max_alerts) : all;
    const truncated = all.length - alerts.length;
    const message: Record<string, unknown> = { ...webhookMessage(ctx.data(alerts), alerts, ctx.groupKey, truncated), version: '1' };
    let body = goJSON(message);
    if (Buffer.byteLength(body) > MAX_PAYLOAD_BYTES) body = goJSON({ ...message, alerts: (message.alerts as unknown[]).slice(0, 1) });
    const url = c.url !== '' ? c.url : readSecretFile(c.url_file, 'url');
    const token = c.alert_source_token_file !== '' ? readSecretFile(c.alert_source_token_file, 'alert_source_token') : c.alert_source_token;
    const res = await post(c.http_config, url, body, ctx.signal, {
      timeout: c.timeout,
      redact: true,
      ...(token !== '' ? { headers: { Authorization: `Bearer ${token}` } } : {}),
    });
    checkStatus(res, [429], errorDetails);
  }
}
