/**
 * The e-mail integration against a local SMTP server (the `smtp-server` package on 127.0.0.1):
 * envelope, EHLO name, AUTH, STARTTLS requirement, message headers and the multipart body as
 * Alertmanager 0.25 writes them (headers, Q-encoding and quoted-printable compared with a message
 * captured from the Debian build fed the same config and alerts).
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAlertmanagerConfig } from '../../../src/config/alertmanager.js';
import { ZERO_TIME, makeAlert, parseRFC3339, type Alert } from '../../../src/alertmanager/alert.js';
import { NotifyError, type NotifyContext } from '../../../src/alertmanager/notify/common.js';
import { EmailNotifier, parseAddressList } from '../../../src/alertmanager/notify/email.js';
import { multipartBody, qEncode, quotedPrintable } from '../../../src/alertmanager/notify/mime.js';
import { NotificationTemplates, templateData } from '../../../src/alertmanager/template.js';

interface Mail {
  from: string;
  to: string[];
  hello: string;
  user: string | undefined;
  /** Whether the session ran over TLS (STARTTLS or implicit). */
  secure: boolean;
  data: string;
}

let server: SMTPServer | null = null;
const mails: Mail[] = [];

async function smtp(opts: Partial<SMTPServerOptions> = {}): Promise<string> {
  mails.length = 0;
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...opts,
    onData(stream, session, cb) {
      let d = '';
      stream.on('data', (c: Buffer) => (d += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          hello: session.hostNameAppearsAs,
          user: session.user as string | undefined,
          secure: session.secure,
          data: d,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.server.address() as AddressInfo).port}`;
}
afterEach(async () => {
  if (server) await new Promise<void>((r) => server!.close(() => r()));
  server = null;
});

const t = (s: string) => parseRFC3339(s)!;
const EXTERNAL = 'http://am.example:9093';
const GROUP = { alertname: 'Disk', cluster: 'c1' };
const NOW = t('2026-11-29T22:00:30Z');

function ctx(now: number): NotifyContext {
  return {
    receiver: 'team.x',
    groupKey: '{}:{alertname="Disk", cluster="c1"}',
    groupLabels: GROUP,
    now,
    signal: new AbortController().signal,
    templates: new NotificationTemplates([], EXTERNAL),
    data: (as) => templateData('team.x', GROUP, as, EXTERNAL, now),
  };
}

function alerts(summary = 'disk full'): Alert[] {
  return [
    makeAlert({
      labels: { alertname: 'Disk', cluster: 'c1', instance: 'a:1', severity: 'critical', job: 'node' },
      annotations: { summary },
      startsAt: t('2026-11-29T22:00:00Z'),
      endsAt: ZERO_TIME,
      updatedAt: 0,
      generatorURL: '',
      timeout: false,
    }),
  ];
}

function emailConfig(smarthost: string, extra = '') {
  return parseAlertmanagerConfig(
    `global:
  smtp_smarthost: ${smarthost}
  smtp_from: Alertmanager <am@example.org>
  smtp_require_tls: false
  smtp_hello: lookout.test
route: {receiver: team.x}
receivers:
  - name: team.x
    email_configs:
      - to: 'ops@example.org, Two <two@example.org>'
        headers: {X-Extra: 'é {{ .Status }}'}
        text: '{{ .CommonAnnotations.summary }} <b>'
${extra}`,
    '/tmp/am.yml',
  ).receivers[0]!.email_configs;
}

/** Splits a received message into its header lines and the decoded parts of its multipart body. */
function parse(data: string): { headers: Map<string, string>; parts: { headers: string[]; body: string }[] } {
  const [head, ...rest] = data.split('\r\n\r\n');
  const headers = new Map(head!.split('\r\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)] as [string, string]));
  const boundary = /boundary=(\w+)/.exec(headers.get('Content-Type')!)![1]!;
  const parts = rest
    .join('\r\n\r\n')
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((p) => {
      const [ph, ...pb] = p.replace(/^\r\n/, '').split('\r\n\r\n');
      const qp = pb.join('\r\n\r\n').replace(/\r\n$/, '');
      const body = Buffer.from(
        qp.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
        'latin1',
      ).toString('utf8');
      return { headers: ph!.split('\r\n'), body };
    });
  return { headers, parts };
}

describe('e-mail integration (SMTP on 127.0.0.1)', () => {
  it('sends a multipart/alternative message with upstream headers to every recipient', async () => {
    const host = await smtp();
    const [conf] = emailConfig(host);
    await new EmailNotifier(conf!, 'vm').notify(ctx(NOW), alerts());
    expect(mails.map((m) => [m.from, m.to, m.hello])).toEqual([['am@example.org', ['ops@example.org', 'two@example.org'], 'lookout.test']]);
    const { headers, parts } = parse(mails[0]!.data);
    expect([...headers.keys()]).toEqual(['From', 'Subject', 'To', 'X-Extra', 'Message-Id', 'Date', 'Content-Type', 'MIME-Version']);
    expect(headers.get('From')).toBe('Alertmanager <am@example.org>');
    expect(headers.get('To')).toBe('ops@example.org, Two <two@example.org>');
    expect(headers.get('Subject')).toBe('[FIRING:1] Disk c1 (a:1 node critical)');
    expect(headers.get('X-Extra')).toBe('=?utf-8?q?=C3=A9_firing?=');
    expect(headers.get('Message-Id')).toMatch(/^<\d+\.\d+@vm>$/);
    expect(headers.get('Date')).toMatch(/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/);
    expect(headers.get('Content-Type')).toMatch(/^multipart\/alternative;  boundary=[0-9a-f]{60}$/);
    expect(headers.get('MIME-Version')).toBe('1.0');
    expect(parts.map((p) => p.headers)).toEqual([
      ['Content-Transfer-Encoding: quoted-printable', 'Content-Type: text/plain; charset=UTF-8'],
      ['Content-Transfer-Encoding: quoted-printable', 'Content-Type: text/html; charset=UTF-8'],
    ]);
    expect(parts[0]!.body).toBe('disk full <b>');
    expect(parts[1]!.body).toContain('<title>[FIRING:1] Disk c1 (a:1 node critical)</title>');
    expect(parts[1]!.body).toContain('<a href="http://am.example:9093/#/alerts?receiver=team%5C.x"');
    expect(parts[1]!.body).toContain('summary = disk full<br>');
  });

  it('threading adds References and In-Reply-To naming the group (and the day with daily)', async () => {
    const host = await smtp();
    const [daily] = emailConfig(host, '        threading: {enabled: true, thread_by_date: daily}\n');
    const [none] = emailConfig(host, '        threading: {enabled: true, thread_by_date: none}\n');
    const today = () => {
      const d = new Date();
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    };
    const before = today();
    await new EmailNotifier(daily!, 'vm').notify(ctx(NOW), alerts());
    const after = today();
    await new EmailNotifier(none!, 'vm').notify(ctx(NOW), alerts());
    // sha256('{}:{alertname="Disk", cluster="c1"}') starts with 843be1a89cabb7e7; the local date
    // is the sending day (either side of a midnight passing during the send).
    const heads = mails.map((m) => parse(m.data).headers);
    const day = heads[0]!.get('References') === `<alert-843be1a89cabb7e7-${after}@alertmanager>` ? after : before;
    expect(heads.map((h) => [h.get('References'), h.get('In-Reply-To')])).toEqual([
      [`<alert-843be1a89cabb7e7-${day}@alertmanager>`, `<alert-843be1a89cabb7e7-${day}@alertmanager>`],
      ['<alert-843be1a89cabb7e7-@alertmanager>', '<alert-843be1a89cabb7e7-@alertmanager>'],
    ]);
    const [plain] = emailConfig(host);
    await new EmailNotifier(plain!, 'vm').notify(ctx(NOW), alerts());
    expect(parse(mails[2]!.data).headers.has('References')).toBe(false);
  });

  it('escapes template values in the HTML part but not in the text part', async () => {
    const host = await smtp();
    const [conf] = emailConfig(host);
    await new EmailNotifier(conf!, 'vm').notify(ctx(NOW), alerts('x < y & "z"'));
    const { parts } = parse(mails[0]!.data);
    expect(parts[0]!.body).toBe('x < y & "z" <b>');
    expect(parts[1]!.body).toContain('summary = x &lt; y &amp; &#34;z&#34;<br>');
    expect(parts[1]!.body).not.toContain('x < y');
  });

  it('authenticates with auth_username and auth_password (PLAIN/LOGIN)', async () => {
    const seen: string[] = [];
    const host = await smtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, cb) {
        seen.push(`${auth.method} ${auth.username}:${auth.password}`);
        if (auth.username === 'am' && auth.password === 'secret') return cb(null, { user: 'am' });
        cb(new Error('Invalid username or password'));
      },
    });
    const [conf] = emailConfig(host, '        auth_username: am\n        auth_password: secret\n');
    await new EmailNotifier(conf!, 'vm').notify(ctx(NOW), alerts());
    expect(seen).toEqual(['PLAIN am:secret']);
    expect(mails.map((m) => m.user)).toEqual(['am']);
    const [bad] = emailConfig(host, '        auth_username: am\n        auth_password: wrong\n');
    const e = (await new EmailNotifier(bad!, 'vm').notify(ctx(NOW), alerts()).catch((x: unknown) => x)) as NotifyError;
    expect(e).toBeInstanceOf(NotifyError);
    expect(e.message).toMatch(/^authenticate: .*Invalid username or password/);
    expect(mails).toHaveLength(1);
  });

  it('authenticates with auth_secret by CRAM-MD5', async () => {
    const seen: string[] = [];
    const host = await smtp({
      authOptional: false,
      allowInsecureAuth: true,
      authMethods: ['CRAM-MD5'],
      onAuth(auth, _session, cb) {
        seen.push(`${auth.method} ${auth.username}`);
        if (auth.username === 'am' && auth.validatePassword!('s3cret')) return cb(null, { user: 'am' });
        cb(new Error('Invalid username or password'));
      },
    });
    const [conf] = emailConfig(host, '        auth_username: am\n        auth_secret: s3cret\n');
    await new EmailNotifier(conf!, 'vm').notify(ctx(NOW), alerts());
    expect(seen).toEqual(['CRAM-MD5 am']);
    expect(mails.map((m) => m.user)).toEqual(['am']);
  });

  it('upgrades with STARTTLS when require_tls is set (tls_config applies), and implicit TLS with force_implicit_tls', async () => {
    // smtp-server's built-in certificate is self-signed for "localhost" (and expired).
    const host = await smtp({ disabledCommands: [] });
    const [conf] = emailConfig(host, '        require_tls: true\n        tls_config: {insecure_skip_verify: true}\n');
    await new EmailNotifier(conf!, 'vm').notify(ctx(NOW), alerts());
    expect(mails.map((m) => [m.secure, m.to])).toEqual([[true, ['ops@example.org', 'two@example.org']]]);
    const [verified] = emailConfig(host, '        require_tls: true\n');
    const e = (await new EmailNotifier(verified!, 'vm').notify(ctx(NOW), alerts()).catch((x: unknown) => x)) as NotifyError;
    // Verification is on without insecure_skip_verify (the built-in certificate is also expired).
    expect(e.retry).toBe(true);
    expect(e.message).toMatch(/^establish connection to server: .*certificate/);
    expect(mails).toHaveLength(1);
    await new Promise<void>((r) => server!.close(() => r()));

    const implicit = await smtp({ secure: true, disabledCommands: [] });
    const [conf2] = emailConfig(implicit, '        force_implicit_tls: true\n        tls_config: {insecure_skip_verify: true}\n');
    await new EmailNotifier(conf2!, 'vm').notify(ctx(NOW), alerts());
    expect(mails.map((m) => m.secure)).toEqual([true]);
  });

  it('fails (retryable) when require_tls is set and the server offers no STARTTLS', async () => {
    const host = await smtp();
    const [conf] = emailConfig(host, '        require_tls: true\n');
    const e = (await new EmailNotifier(conf!, 'vm').notify(ctx(NOW), alerts()).catch((x: unknown) => x)) as NotifyError;
    expect(e).toBeInstanceOf(NotifyError);
    expect(e.retry).toBe(true);
    expect(e.message).toMatch(/^establish connection to server: /);
    expect(mails).toHaveLength(0);
  });

  it('refuses a bad address without retrying and fails on a refused connection with retry', async () => {
    const host = await smtp();
    const bad = emailConfig(host, "      - to: 'not-an-address'\n")[1]!;
    await expect(new EmailNotifier(bad, 'vm').notify(ctx(NOW), alerts())).rejects.toEqual(
      new NotifyError(`parse 'to' addresses: mail: missing @ in addr-spec: "not-an-address"`, false),
    );
    const [refused] = emailConfig('127.0.0.1:1');
    const e = (await new EmailNotifier(refused!, 'vm').notify(ctx(NOW), alerts()).catch((x: unknown) => x)) as NotifyError;
    expect([e.retry, e.message]).toEqual([true, 'establish connection to server: connect ECONNREFUSED 127.0.0.1:1']);
  });
});

describe('MIME encoding as Go', () => {
  it('Q-encodes non-ASCII header values (mime.QEncoding)', () => {
    expect(qEncode('é firing')).toBe('=?utf-8?q?=C3=A9_firing?=');
    expect(qEncode('plain ASCII')).toBe('plain ASCII');
    expect(qEncode('a?b_c=é')).toBe('=?utf-8?q?a=3Fb=5Fc=3D=C3=A9?=');
  });

  it('quoted-printable: soft breaks at 76 characters, CRLF, encoded "=" and trailing space', () => {
    expect(quotedPrintable('a=b \nc')).toBe('a=3Db=20\r\nc');
    const long = 'x'.repeat(80);
    expect(quotedPrintable(long)).toBe('x'.repeat(75) + '=\r\n' + 'x'.repeat(5));
    expect(quotedPrintable('é')).toBe('=C3=A9');
  });

  it('multipart body: sorted part headers, closing delimiter', () => {
    expect(multipartBody('B', [{ headers: { 'Content-Type': 'text/plain', 'Content-Transfer-Encoding': 'quoted-printable' }, body: 'hi' }])).toBe(
      '--B\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B--\r\n',
    );
  });

  it('parses address lists as net/mail does', () => {
    expect(parseAddressList('a@x, Name <b@y>', 'to')).toEqual(['a@x', 'b@y']);
    expect(() => parseAddressList('', 'from')).toThrow("parse 'from' addresses: mail: no address");
  });
});
