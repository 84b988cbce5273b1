/**
 * The Amazon SNS integration, as Alertmanager 0.25's `notify/sns` (AWS SDK for Go v1, Query API):
 * POST to the endpoint (`api_url`, a template, or `https://sns.<region>.amazonaws.com`, with `/`
 * appended to its path) a form `Action=Publish&Version=2010-03-31` with `TopicArn` /
 * `PhoneNumber` / `TargetArn`, `Message`, `Subject` (unless configured empty) and
 * `MessageAttributes.entry.N.{Name,Value.DataType,Value.StringValue}` (templated, sorted by name;
 * `MessageAttributes=` when none), parameters sorted; for a `.fifo` topic `MessageGroupId` and
 * `MessageDeduplicationId` are the SHA-256 of the group key. The message is cut to 256 KiB (1600
 * bytes for SMS), adding the attribute `truncated=true`. Requests are signed with SigV4
 * (`sigv4.ts`); `sigv4.role_arn` (STS AssumeRole) is not supported and fails without retry.
 * Errors: the answer's XML `<Message>` with upstream's status rules (5xx retried).
 */
import type { SNSConfig } from '../../config/alertmanager/types.js';
import type { Alert } from '../alert.js';
import { NotifyError, TextExpander, checkStatus, post, type Notifier, type NotifyContext } from './common.js';
import { groupKeyHash } from './pagerduty.js';
import { amzDate, findCredentials, sigv4Authorization, type AwsCredentials } from './sigv4.js';

const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SMS_BYTES = 1600;
const CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';

/** Go `url.QueryEscape` of raw bytes (a message cut inside a character stays byte-exact). */
function formEscape(b: Buffer): string {
  let out = '';
  for (const c of b) {
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e) {
      out += String.fromCharCode(c);
    } else if (c === 0x20) out += '+';
    else out += '%' + c.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Sends to one `sns_configs` entry. */
export class SNSNotifier implements Notifier {
  /** @param env where credentials and the region are looked up (`process.env`) */
  constructor(
    private readonly conf: SNSConfig,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The form parameters of the Publish call, unsorted. */
  private params(t: TextExpander, groupKey: string): [string, Buffer][] {
    const c = this.conf;
    const p: [string, Buffer][] = [
      ['Action', Buffer.from('Publish')],
      ['Version', Buffer.from('2010-03-31')],
    ];
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.attributes)) attrs[t.expand(k)] = t.expand(v);
    let limit = MAX_MESSAGE_BYTES;
    if (c.topic_arn !== '') {
      const topic = t.expand(c.topic_arn);
      p.push(['TopicArn', Buffer.from(topic)]);
      if (topic.endsWith('.fifo')) {
        const hash = Buffer.from(groupKeyHash(groupKey));
        p.push(['MessageDeduplicationId', hash], ['MessageGroupId', hash]);
      }
    }
    if (c.phone_number !== '') {
      p.push(['PhoneNumber', Buffer.from(t.expand(c.phone_number))]);
      limit = MAX_SMS_BYTES;
    }
    if (c.target_arn !== '') p.push(['TargetArn', Buffer.from(t.expand(c.target_arn))]);
    const message = Buffer.from(t.expand(c.message));
    if (message.length > limit) attrs.truncated = 'true';
    p.push(['Message', message.subarray(0, limit)]);
    const names = Object.keys(attrs).sort();
    if (names.length === 0) p.push(['MessageAttributes', Buffer.alloc(0)]);
    names.forEach((name, i) => {
      const e = `MessageAttributes.entry.${i + 1}`;
      p.push([`${e}.Name`, Buffer.from(name)], [`${e}.Value.DataType`, Buffer.from('String')], [`${e}.Value.StringValue`, Buffer.from(attrs[name]!)]);
    });
    if (c.subject !== '') p.push(['Subject', Buffer.from(t.expand(c.subject))]);
    return p;
  }

  private credentials(): AwsCredentials {
    if (this.conf.sigv4.role_arn !== '') throw new NotifyError('sigv4.role_arn (STS AssumeRole) is not supported by Lookout', false);
    const creds = findCredentials(this.conf.sigv4, this.env);
    if (!creds) throw new NotifyError('NoCredentialProviders: no valid providers in chain', true);
    return creds;
  }

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.conf;
    const region = c.sigv4.region || this.env.AWS_REGION || '';
    if (region === '') throw new NotifyError('region not configured in sns.sigv4.region or in default credentials chain', true);
    const t = new TextExpander(ctx.templates, ctx.data(alerts));
    const endpoint = c.api_url !== '' ? t.expand(c.api_url) : `https://sns.${region}.amazonaws.com`;
    const params = this.params(t, ctx.groupKey);
    t.check('templating error');
    const creds = this.credentials();
    const body = params
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, v]) => `${formEscape(Buffer.from(k))}=${formEscape(v)}`)
      .join('&');
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new NotifyError(`invalid SNS endpoint ${JSON.stringify(endpoint)}`, false);
    }
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    const headers: Record<string, string> = {
      'Content-Length': String(Buffer.byteLength(body)),
      'Content-Type': CONTENT_TYPE,
      'X-Amz-Date': amzDate(Date.now()),
    };
    if (creds.sessionToken !== '') headers['X-Amz-Security-Token'] = creds.sessionToken;
    const authorization = sigv4Authorization({ method: 'POST', url, headers, body: Buffer.from(body) }, creds, region, 'sns');
    delete headers['Content-Length'];
    const res = await post(c.http_config, url.toString(), body, ctx.signal, {
      contentType: CONTENT_TYPE,
      redact: true,
      headers: { ...headers, Authorization: authorization },
    });
    checkStatus(res, [], (r) => /<Message>([\s\S]*?)<\/Message>/.exec(r.body)?.[1] ?? r.body);
  }
}
