/**
 * Microsoft Teams, as upstream `notify/msteams` (0.26+, Office 365 connector MessageCard) and
 * `notify/msteamsv2` (Workflows, Adaptive Card 1.2). Both POST to the webhook URL; 5xx is retried.
 * - v1: `{"@context": "http://schema.org/extensions", "type": "MessageCard", "title", "summary",
 *   "text", "themeColor"}` with colour `8C1A1A` firing, `2DC72D` resolved.
 * - v2: a `message` with one `application/vnd.microsoft.card.adaptive` attachment holding a heading
 *   `TextBlock` (the title, colour `Attention` firing, `Good` resolved) and a `TextBlock` with the
 *   text, `msteams.width: full`.
 */
import type { MSTeamsConfig, MSTeamsV2Config } from '../../config/alertmanager/types.js';
import type { Alert } from '../alert.js';
import { TextExpander, checkStatus, goJSON, post, readSecretFile, type Notifier, type NotifyContext } from './common.js';

/** Sends to one `msteams_configs` entry. */
export class MSTeamsNotifier implements Notifier {
  constructor(private readonly conf: MSTeamsConfig) {}

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.conf;
    const data = ctx.data(alerts);
    const t = new TextExpander(ctx.templates, data);
    const msg = {
      '@context': 'http://schema.org/extensions',
      type: 'MessageCard',
      title: t.expand(c.title),
      summary: t.expand(c.summary),
      text: t.expand(c.text),
      themeColor: data.Status === 'firing' ? '8C1A1A' : '2DC72D',
    };
    t.check('failed to template Microsoft Teams message');
    const url = c.webhook_url !== '' ? c.webhook_url : readSecretFile(c.webhook_url_file, 'webhook_url');
    checkStatus(await post(c.http_config, url, goJSON(msg), ctx.signal, { redact: true }));
  }
}

/** Sends to one `msteamsv2_configs` entry. */
export class MSTeamsV2Notifier implements Notifier {
  constructor(private readonly conf: MSTeamsV2Config) {}

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.conf;
    const data = ctx.data(alerts);
    const t = new TextExpander(ctx.templates, data);
    const title = t.expand(c.title);
    const text = t.expand(c.text);
    t.check('failed to template Microsoft Teams message');
    const heading: Record<string, unknown> = { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true, style: 'heading' };
    heading.color = data.Status === 'firing' ? 'Attention' : 'Good';
    const msg = {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.2',
            body: [heading, { type: 'TextBlock', text, wrap: true }],
            msteams: { width: 'full' },
          },
        },
      ],
    };
    const url = c.webhook_url !== '' ? c.webhook_url : readSecretFile(c.webhook_url_file, 'webhook_url');
    checkStatus(await post(c.http_config, url, goJSON(msg), ctx.signal, { redact: true }));
  }
}
