/**
 * The VictorOps (Splunk On-Call) integration, as Alertmanager 0.25's `notify/victorops`: POST to
 * `<api_url><api_key>/<routing_key>` a JSON object (keys sorted) with `message_type` (the
 * configured one when firing and one of INFO/WARNING/CRITICAL, else `CRITICAL`; `RECOVERY` when
 * resolved), `entity_id` (SHA-256 hex of the group key), `entity_display_name`, `state_message`
 * (cut to 20480 runes), `monitoring_tool` and the custom fields. 5xx is retried.
 */
import type { VictorOpsConfig } from '../../config/alertmanager/types.js';
import type { Alert } from '../alert.js';
import { TextExpander, checkStatus, goJSON, post, readSecretFile, sortedMap, truncateRunes, type Notifier, type NotifyContext } from './common.js';
import { groupKeyHash } from './pagerduty.js';

const MAX_MESSAGE_RUNES = 20480;
const ALLOWED_TYPES = new Set(['INFO', 'WARNING', 'CRITICAL']);

/** Sends to one `victorops_configs` entry. */
export class VictorOpsNotifier implements Notifier {
  constructor(private readonly conf: VictorOpsConfig) {}

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.conf;
    const data = ctx.data(alerts);
    const t = new TextExpander(ctx.templates, data);
    const apiKey = c.api_key !== '' ? c.api_key : readSecretFile(c.api_key_file, 'API key');
    const url = `${c.api_url}${apiKey}/${t.expand(c.routing_key)}`;
    let messageType = t.expand(c.message_type);
    if (data.Status === 'firing' && !ALLOWED_TYPES.has(messageType)) messageType = 'CRITICAL';
    if (data.Status === 'resolved') messageType = 'RECOVERY';
    const msg: Record<string, string> = {
      message_type: messageType,
      entity_id: groupKeyHash(ctx.groupKey),
      entity_display_name: t.expand(c.entity_display_name),
      state_message: truncateRunes(t.expand(c.state_message), MAX_MESSAGE_RUNES).text,
      monitoring_tool: t.expand(c.monitoring_tool),
    };
    for (const [k, v] of Object.entries(c.custom_fields)) msg[k] = t.expand(v);
    t.check('templating error');
    checkStatus(await post(c.http_config, url, goJSON(sortedMap(msg)), ctx.signal, { redact: true }));
  }
}
