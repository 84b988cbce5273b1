/**
 * The configuration text `GET /api/v2/status` reports (`config.original`, shown by
 * `amtool config show`): the loaded YAML re-serialised with secret values replaced by
 * `<secret>`, as upstream hides secrets. Unlike upstream, defaults are not expanded into the text.
 */
import { isMap, isPair, isScalar, parseDocument, visit, type Node } from 'yaml';

/** Keys whose values are secrets anywhere in the file. */
const SECRET_KEYS = new Set([
  'password',
  'credentials',
  'bearer_token',
  'client_secret',
  'smtp_auth_password',
  'smtp_auth_secret',
  'auth_password',
  'auth_secret',
  'slack_api_url',
  'slack_app_token',
  'app_token',
  'service_key',
  'api_key',
  'opsgenie_api_key',
  'victorops_api_key',
  'wechat_api_secret',
  'api_secret',
  'telegram_bot_token',
  'bot_token',
  'token',
  'token_id',
  'rocketchat_token',
  'rocketchat_token_id',
  'user_key',
  'secret_key',
  'mattermost_webhook_url',
  'webhook_url',
  'alert_source_token',
  'key',
  'secrets',
]);
/** Keys that are secrets only inside these receiver config lists. */
const SECRET_IN: Record<string, string[]> = {
  api_url: ['slack_configs'],
  routing_key: ['pagerduty_configs'],
};

/** The YAML text with secret values masked; the input text when it does not parse. */
export function maskedConfigText(text: string): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  visit(doc, {
    Pair(_key, pair, path) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '';
      let secret = SECRET_KEYS.has(k);
      const within = SECRET_IN[k];
      if (!secret && within) {
        secret = path.some((p) => isPair(p) && isScalar(p.key) && within.includes(String(p.key.value)));
      }
      if (!secret || pair.value === null) return;
      const v = pair.value as Node;
      if (isScalar(v) && v.value !== null && v.value !== '') v.value = '<secret>';
      else if (!isScalar(v) && !isMap(v)) visit(v, { Scalar: (_k, s) => void (s.value = '<secret>') });
    },
  });
  return doc.toString();
}
