/**
 * AWS Signature Version 4 for the SNS integration, and the credentials it signs with (as the AWS
 * SDK for Go v1 finds them, without the role and instance-metadata providers): static keys from
 * `sigv4`, else the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`), else the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE` or
 * `~/.aws/credentials`, profile `sigv4.profile`, `AWS_PROFILE` or `default`).
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Credentials to sign with. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** `''` when none (then no `X-Amz-Security-Token` header). */
  sessionToken: string;
}

/** A request to sign: everything that enters the signature. */
export interface SignableRequest {
  method: string;
  url: URL;
  /** Headers other than `host` (names in any case). */
  headers: Record<string, string>;
  body: Buffer;
}

const sha256 = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
const hmac = (k: string | Buffer, d: string) => createHmac('sha256', k).update(d).digest();

/** `20261130T021423Z` for a time in ms. */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * The `Authorization` header value for a request (SigV4, `AWS4-HMAC-SHA256`) signing `host` and
 * every header given; `headers` must hold `x-amz-date` (and `x-amz-security-token` when used).
 */
export function sigv4Authorization(req: SignableRequest, creds: AwsCredentials, region: string, service: string): string {
  const headers: Record<string, string> = { host: req.url.host };
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v.trim().replace(/\s+/g, ' ');
  const names = Object.keys(headers).sort();
  const signed = names.join(';');
  const date = headers['x-amz-date']!;
  const query = [...req.url.searchParams]
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)])
    .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonical = [req.method, req.url.pathname || '/', query, ...names.map((n) => `${n}:${headers[n]}`), '', signed, sha256(req.body)].join('\n');
  const scope = `${date.slice(0, 8)}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${creds.secretAccessKey}`, date.slice(0, 8));
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`;
}

function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** A profile's keys from an INI credentials file (`undefined` when the file or profile is missing). */
function profileCredentials(file: string, profile: string): AwsCredentials | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let current = '';
  const values: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const section = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (section) {
      current = section[1]!;
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (kv && current === profile) values[kv[1]!.toLowerCase()] = kv[2]!;
  }
  if (!values.aws_access_key_id || !values.aws_secret_access_key) return undefined;
  return { accessKeyId: values.aws_access_key_id, secretAccessKey: values.aws_secret_access_key, sessionToken: values.aws_session_token ?? '' };
}

/**
 * The credentials for a `sigv4` block (see the module comment for the order).
 * @param env the environment (`process.env`)
 * @returns `undefined` when no provider has any
 */
export function findCredentials(sigv4: { access_key: string; secret_key: string; profile: string }, env: NodeJS.ProcessEnv): AwsCredentials | undefined {
  if (sigv4.access_key !== '' && sigv4.secret_key !== '') return { accessKeyId: sigv4.access_key, secretAccessKey: sigv4.secret_key, sessionToken: '' };
  const id = env.AWS_ACCESS_KEY_ID || env.AWS_ACCESS_KEY;
  const secret = env.AWS_SECRET_ACCESS_KEY || env.AWS_SECRET_KEY;
  if (id && secret) return { accessKeyId: id, secretAccessKey: secret, sessionToken: env.AWS_SESSION_TOKEN ?? '' };
  const file = env.AWS_SHARED_CREDENTIALS_FILE || join(env.HOME || homedir(), '.aws', 'credentials');
  return profileCredentials(file, sigv4.profile || env.AWS_PROFILE || 'default');
}
