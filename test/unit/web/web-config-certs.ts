/**
 * Test certificates made with the `openssl` program into a temporary folder: a CA, a server
 * certificate for 127.0.0.1/localhost signed by it, and a client certificate (SAN
 * `DNS:client.test`) signed by it. EC P-256 keys, valid one day. Also a small HTTP(S) client.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** Writes the certificates; throws when `openssl` is missing (CI installs it). */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=lookout-test-ca']);
  for (const [name, san] of [
    ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ['client', 'subjectAltName=DNS:client.test'],
  ] as const) {
    openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    writeFileSync(join(dir, `${name}.ext`), `${san}\n`);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`]);
  }
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
  };
}

/** An HTTP answer read whole. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Basic-auth `user:password`, TLS CA/client certificate (PEM text), method and body. */
export interface CallOptions {
  auth?: string;
  ca?: string;
  cert?: string;
  key?: string;
  method?: string;
  body?: string;
  contentType?: string;
}

/** One request on a fresh connection (no keep-alive), over HTTP or HTTPS by the URL's scheme. */
export function call(url: string, o: CallOptions = {}): Promise<Answer> {
  const u = new URL(url);
  const headers: Record<string, string> = {};
  if (o.auth) headers.authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`;
  if (o.contentType) headers['content-type'] = o.contentType;
  const opts = {
    host: u.hostname,
    port: u.port,
    path: u.pathname + u.search,
    method: o.method ?? 'GET',
    headers,
    agent: false as const,
    ...(u.protocol === 'https:' ? { ca: o.ca, cert: o.cert, key: o.key } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
