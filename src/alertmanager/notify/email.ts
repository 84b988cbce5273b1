/**
 * The e-mail integration, as Alertmanager 0.25's `notify/email`, over SMTP with nodemailer's
 * `SMTPConnection`:
 * - connects to `smarthost` with implicit TLS on port 465 (or `force_implicit_tls`), else plain
 *   TCP and, when `require_tls` (default true), STARTTLS — failing if the server does not offer it;
 *   `require_tls: false` never upgrades (as upstream, which does not upgrade opportunistically);
 * - greets with `EHLO <hello>` (global `smtp_hello`, default `localhost`);
 * - authenticates when `auth_username` is set and the server offers AUTH: with the password
 *   (`auth_password[_file]`) by PLAIN or LOGIN, else with `auth_secret` by CRAM-MD5;
 * - sends from the single address of `from` to every address of `to` (both templates) a message
 *   with the configured headers (`Subject` default `{{ template "email.default.subject" . }}`,
 *   `To`, `From`; values templated and Q-encoded), `Message-Id`, with `threading` (newer upstream)
 *   `References` and `In-Reply-To` naming one thread per group (and day), `Date`, and a
 *   `multipart/alternative` body: the `text` part (when set) then the `html` part (executed as HTML,
 *   default `{{ template "email.default.html" . }}`), both quoted-printable.
 * Template and address errors are not retried; connection and SMTP errors are.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import addressparser from 'nodemailer/lib/addressparser';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { EmailConfig, TLSConfig } from '../../config/alertmanager/types.js';
import type { Alert } from '../alert.js';
import { NotifyError, TextExpander, readSecretFile, type Notifier, type NotifyContext } from './common.js';
import { multipartBody, qEncode, quotedPrintable, randomBoundary, rfc1123z, type MimePart } from './mime.js';
import { groupKeyHash } from './pagerduty.js';

const DEFAULT_SUBJECT = '{{ template "email.default.subject" . }}';
const pad2 = (n: number) => String(n).padStart(2, '0');
/** ms to establish the TCP (and TLS) connection and to receive the greeting. */
const CONNECT_TIMEOUT = 30_000;

/**
 * Parses an address list (`a@x, Name <b@y>`) into bare addresses.
 * @throws {NotifyError} (not retryable) `parse '<what>' addresses: …` for an entry without an address
 */
export function parseAddressList(list: string, what: string): string[] {
  const out: string[] = [];
  const walk = (entries: ReturnType<typeof addressparser>) => {
    for (const e of entries) {
      if (e.group) {
        walk(e.group);
        continue;
      }
      if (!e.address || !/^[^@\s]+@[^@\s]+$/.test(e.address)) {
        throw new NotifyError(`parse '${what}' addresses: mail: missing @ in addr-spec: ${JSON.stringify(e.address || e.name)}`, false);
      }
      out.push(e.address);
    }
  };
  walk(addressparser(list));
  if (out.length === 0) throw new NotifyError(`parse '${what}' addresses: mail: no address`, false);
  return out;
}

function tlsOptions(t: TLSConfig, host: string): ConnectionOptions {
  const read = (inline: string, file: string) => (inline !== '' ? inline : file !== '' ? readFileSync(file, 'utf8') : undefined);
  const o: ConnectionOptions = { servername: t.serverName || host, rejectUnauthorized: !t.insecureSkipVerify };
  const ca = read(t.ca, t.caFile);
  const cert = read(t.cert, t.certFile);
  const key = read(t.key, t.keyFile);
  if (ca) o.ca = ca;
  if (cert) o.cert = cert;
  if (key) o.key = key;
  return o;
}

/** Runs one step of the SMTP exchange, rejecting when the connection fails or the signal aborts. */
function step<T>(conn: SMTPConnection, signal: AbortSignal, what: string, run: (done: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (e: unknown) => {
      cleanup();
      reject(new NotifyError(`${what}: ${e instanceof Error ? e.message : String(e)}`, true));
    };
    const onAbort = () => fail(signal.reason);
    const onError = (e: Error) => fail(e);
    const cleanup = () => {
      signal.removeEventListener('abort', onAbort);
      conn.off('error', onError);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    conn.on('error', onError);
    run((err, v) => {
      if (err) return fail(err);
      cleanup();
      resolve(v as T);
    });
  });
}

/** Sends to one `email_configs` entry. */
export class EmailNotifier implements Notifier {
  private readonly headers: Record<string, string>;

  /** @param host the local host name, for `Message-Id` */
  constructor(
    private readonly conf: EmailConfig,
    private readonly host = hostname(),
  ) {
    this.headers = { ...conf.headers };
    if (!('Subject' in this.headers)) this.headers.Subject = DEFAULT_SUBJECT;
    if (!('To' in this.headers)) this.headers.To = conf.to;
    if (!('From' in this.headers)) this.headers.From = conf.from;
  }

  /**
   * Builds the message (headers and body) and its envelope.
   * @throws {NotifyError} (not retryable) for template and address errors
   */
  message(ctx: NotifyContext, alerts: readonly Alert[]): { from: string; to: string[]; raw: string } {
    const data = ctx.data(alerts);
    const t = new TextExpander(ctx.templates, data);
    const from = t.expand(this.conf.from);
    t.check("execute 'from' template");
    const to = t.expand(this.conf.to);
    t.check("execute 'to' template");
    const fromAddrs = parseAddressList(from, 'from');
    if (fromAddrs.length !== 1) throw new NotifyError(`must be exactly one 'from' address (got: ${fromAddrs.length})`, false);
    const toAddrs = parseAddressList(to, 'to');
    let head = '';
    for (const name of Object.keys(this.headers).sort()) {
      const value = t.expand(this.headers[name]!);
      t.check(`execute ${JSON.stringify(name)} header template`);
      head += `${name}: ${qEncode(value)}\r\n`;
    }
    if (!('Message-Id' in this.headers)) {
      head += `Message-Id: <${BigInt(Date.now()) * 1_000_000n}.${randomBytes(8).readBigUInt64BE()}@${this.host}>\r\n`;
    }
    if (this.conf.threading) {
      const d = new Date();
      const day = this.conf.threading.thread_by_date === 'daily' ? `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}` : '';
      const root = `<alert-${groupKeyHash(ctx.groupKey).slice(0, 16)}-${day}@alertmanager>`;
      head += `References: ${root}\r\nIn-Reply-To: ${root}\r\n`;
    }
    const boundary = randomBoundary();
    head += `Date: ${rfc1123z(Date.now())}\r\n`;
    head += `Content-Type: multipart/alternative;  boundary=${boundary}\r\n`;
    head += 'MIME-Version: 1.0\r\n\r\n';
    const parts: MimePart[] = [];
    const qp = { 'Content-Transfer-Encoding': 'quoted-printable' };
    if (this.conf.text !== '') {
      const body = t.expand(this.conf.text);
      t.check('execute text template');
      parts.push({ headers: { ...qp, 'Content-Type': 'text/plain; charset=UTF-8' }, body: quotedPrintable(body) });
    }
    if (this.conf.html !== '') {
      const body = t.expandHTML(this.conf.html);
      t.check('execute html template');
      parts.push({ headers: { ...qp, 'Content-Type': 'text/html; charset=UTF-8' }, body: quotedPrintable(body) });
    }
    return { from: fromAddrs[0]!, to: toAddrs, raw: head + multipartBody(boundary, parts) };
  }

  private password(): string {
    const c = this.conf;
    return c.auth_password_file !== '' ? readSecretFile(c.auth_password_file, 'SMTP password') : c.auth_password;
  }

  private secret(): string {
    const c = this.conf;
    return c.auth_secret_file !== '' ? readSecretFile(c.auth_secret_file, 'SMTP secret') : c.auth_secret;
  }

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.conf;
    const msg = this.message(ctx, alerts);
    const i = c.smarthost.lastIndexOf(':');
    const host = c.smarthost.slice(0, i).replace(/^\[(.*)\]$/, '$1');
    const port = Number(c.smarthost.slice(i + 1));
    const implicit = c.force_implicit_tls ?? port === 465;
    const tls = tlsOptions(c.tls_config, host);
    // Loaded on the first e-mail sent: nodemailer's SMTP client is not needed for the server to start.
    const { default: SMTPConnection } = await import('nodemailer/lib/smtp-connection');
    const conn = new SMTPConnection({
      host,
      port,
      secure: implicit,
      requireTLS: !implicit && c.require_tls,
      ignoreTLS: implicit || !c.require_tls,
      name: c.hello || 'localhost',
      tls,
      connectionTimeout: CONNECT_TIMEOUT,
      greetingTimeout: CONNECT_TIMEOUT,
      logger: false,
    });
    // Errors after a step settled (e.g. a reset while quitting) must not crash the process.
    conn.on('error', () => {});
    try {
      await step<void>(conn, ctx.signal, 'establish connection to server', (done) => conn.connect((err) => done(err)));
      if (c.auth_username !== '' && conn.allowsAuth) {
        const password = this.password();
        const secret = password === '' ? this.secret() : '';
        if (password === '' && secret === '') throw new NotifyError('find auth mechanism: missing password for PLAIN auth mechanism', true);
        const auth = password !== '' ? { user: c.auth_username, pass: password } : { user: c.auth_username, pass: secret, method: 'CRAM-MD5' };
        await step<boolean>(conn, ctx.signal, 'authenticate', (done) => conn.login(auth, (err, ok) => done(err, ok)));
      }
      await step(conn, ctx.signal, 'send message', (done) => conn.send({ from: msg.from, to: msg.to }, msg.raw, (err, info) => done(err, info)));
    } catch (e) {
      conn.close();
      throw e;
    }
    conn.quit();
  }
}
