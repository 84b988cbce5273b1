import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusConfig } from '../../../src/config/prometheus.js';
import { RemoteClient, RemoteNetworkError } from '../../../src/remote/client.js';

let dir: string;
let server: https.Server;
let url: string;
const seen: { cn: string; authorization: string }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-rw-tls-'));
  // One self-signed certificate for 127.0.0.1 serves as server certificate, client certificate and CA.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'tls.key', '-out', 'tls.crt', '-days', '1', '-subj', '/CN=lookout-rw-test', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'pipe' });
  const cert = readFileSync(join(dir, 'tls.crt'));
  const key = readFileSync(join(dir, 'tls.key'));
  server = https.createServer({ cert, key, ca: cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    seen.push({ cn: String(peer.subject?.CN), authorization: req.headers.authorization ?? '' });
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function client(extra: string): RemoteClient {
  const cfg = parsePrometheusConfig(join(dir, 'prometheus.yml'), `remote_write:\n  - url: ${url}\n${extra}`).remoteWrite[0]!;
  return new RemoteClient(cfg.url, cfg.httpClientConfig, {}, 5000);
}

describe('RemoteClient over TLS', () => {
  it('sends with tls_config (CA, client certificate) and basic_auth', async () => {
    const c = client('    tls_config: {ca_file: tls.crt, cert_file: tls.crt, key_file: tls.key}\n    basic_auth: {username: u, password_file: pw}\n');
    writeFileSync(join(dir, 'pw'), 'secret\n');
    const res = await c.post(Uint8Array.from([1, 2, 3]));
    c.close();
    expect(res.status).toBe(204);
    expect(seen.at(-1)).toEqual({ cn: 'lookout-rw-test', authorization: `Basic ${Buffer.from('u:secret').toString('base64')}` });
  });

  it('fails with a network error when the server certificate is not trusted', async () => {
    const c = client('    tls_config: {cert_file: tls.crt, key_file: tls.key}\n');
    await expect(c.post(Uint8Array.from([1]))).rejects.toThrow(RemoteNetworkError);
    c.close();
  });
});
