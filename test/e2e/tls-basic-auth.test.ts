/**
 * `--web.config.file` end to end: `lookout server` behind TLS + basic auth (certificates made with
 * openssl) is scraped by itself and by the real Prometheus 2.42 with `tls_config` + `basic_auth`,
 * receives Prometheus's remote write and Loki pushes (main and Loki listeners) the same way,
 * answers queries over HTTPS to the right user, and refuses a wrong or missing password with 401
 * and nothing else on every endpoint — nothing a refused client sent is stored. `lookout node-exporter` and `lookout alertmanager` honour the
 * same file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, haveProgram, LOOKOUT_BIN, QUIET_ALERTMANAGER_FLAG, startNode, startProgram, stopAll, waitFor } from '../support/processes.js';
import { call, makeTestCerts, type CallOptions, type TestCerts } from '../unit/web/web-config-certs.js';

const USER = 'admin';
const PASSWORD = 's3cret';

let dir: string;
let certs: TestCerts;
let ca: string;
let base: string;
let webConfig: string;
let lokiBase: string;
const good = (): CallOptions => ({ ca, auth: `${USER}:${PASSWORD}` });

async function queryValue(url: string, q: string, opts: CallOptions = good()): Promise<string | undefined> {
  const r = await call(`${url}/api/v1/query?query=${encodeURIComponent(q)}`, opts);
  if (r.status !== 200) return undefined;
  return JSON.parse(r.body).data.result[0]?.value[1];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-tls-e2e-'));
  certs = makeTestCerts();
  ca = readFileSync(certs.caCert, 'utf8');
  const port = await freePort();
  base = `https://127.0.0.1:${port}`;
  const lokiPort = await freePort();
  lokiBase = `https://127.0.0.1:${lokiPort}`;
  webConfig = join(dir, 'web.yml');
  writeFileSync(
    webConfig,
    [
      'tls_server_config:',
      `  cert_file: ${certs.serverCert}`,
      `  key_file: ${certs.serverKey}`,
      'http_server_config:',
      '  headers:',
      '    X-Content-Type-Options: nosniff',
      'basic_auth_users:',
      `  ${USER}: ${bcrypt.hashSync(PASSWORD, 6)}`,
      '',
    ].join('\n'),
  );
  const job = (name: string, password: string) =>
    `  - job_name: ${name}\n    scheme: https\n    tls_config: { ca_file: ${certs.caCert} }\n    basic_auth: { username: ${USER}, password: ${password} }\n    static_configs: [ { targets: ['127.0.0.1:${port}'] } ]\n`;
  writeFileSync(join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n${job('self', PASSWORD)}${job('intruder', 'guess')}`);
  startNode(LOOKOUT_BIN, [
    'server',
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--web.config.file=${webConfig}`,
    '--web.enable-remote-write-receiver',
    `--logs.listen-address=127.0.0.1:${lokiPort}`,
    '--hostmetrics.enable=false',
    QUIET_ALERTMANAGER_FLAG,
  ]);
  await waitFor('server ready over TLS', 30_000, async () => (await call(`${base}/-/ready`, good())).status === 200);
}, 60_000);

afterAll(async () => {
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (certs) rmSync(certs.dir, { recursive: true, force: true });
});

describe('lookout server with TLS + basic auth', () => {
  it('scrapes itself with tls_config + basic_auth and answers queries over HTTPS', async () => {
    await waitFor('self scraped', 30_000, async () => (await queryValue(base, 'up{job="self"}')) === '1');
    await waitFor('intruder refused', 30_000, async () => (await queryValue(base, 'up{job="intruder"}')) === '0');
    const targets = JSON.parse((await call(`${base}/api/v1/targets`, good())).body).data.activeTargets as { scrapePool: string; lastError: string }[];
    expect(targets.find((t) => t.scrapePool === 'intruder')?.lastError).toBe('server returned HTTP status 401 Unauthorized');
    await waitFor('refusals counted', 30_000, async () => (await queryValue(base, 'count(lookout_web_auth_failures_total > 0)')) === '1');
  });

  it('refuses a wrong or missing password with 401 and leaks nothing', async () => {
    const paths = ['/api/v1/query?query=up', '/api/v1/series?match[]=up', '/api/v1/label/__name__/values', '/metrics', '/federate?match[]=up', '/api/v2/alerts', '/-/healthy', '/'];
    for (const path of paths) {
      for (const auth of [undefined, `${USER}:wrong`, `nobody:${PASSWORD}`]) {
        const r = await call(base + path, { ca, auth });
        expect({ path, auth, status: r.status, body: r.body, www: r.headers['www-authenticate'] }).toEqual({
          path,
          auth,
          status: 401,
          body: 'Unauthorized\n',
          www: 'Basic',
        });
      }
    }
    const ok = await call(`${base}/api/v1/label/job/values`, good());
    expect([ok.status, ok.headers['x-content-type-options'], JSON.parse(ok.body).data]).toEqual([200, 'nosniff', ['intruder', 'self']]);
  });

  it('takes Loki pushes on both listeners only with the right password', async () => {
    const push = (url: string, line: string, auth?: string) =>
      call(`${url}/loki/api/v1/push`, {
        ca,
        auth,
        method: 'POST',
        contentType: 'application/json',
        body: JSON.stringify({ streams: [{ stream: { app: 'tls-e2e' }, values: [[String(Date.now() * 1e6), line]] }] }),
      });
    for (const url of [base, lokiBase]) {
      expect((await push(url, `accepted via ${url}`, `${USER}:${PASSWORD}`)).status).toBe(204);
      const refused = await push(url, `intruder via ${url}`, `${USER}:wrong`);
      expect([refused.status, refused.body]).toEqual([401, 'Unauthorized\n']);
    }
    const lines = async () => {
      const r = await call(`${lokiBase}/loki/api/v1/query_range?query=${encodeURIComponent('{app="tls-e2e"}')}&limit=100`, good());
      return (JSON.parse(r.body).data.result as { values: [string, string][] }[]).flatMap((s) => s.values.map((v) => v[1])).sort();
    };
    await waitFor('pushed lines readable', 30_000, async () => (await lines()).length === 2);
    expect(await lines()).toEqual([`accepted via ${base}`, `accepted via ${lokiBase}`].sort());
    const anonymous = await call(`${lokiBase}/loki/api/v1/query_range?query=${encodeURIComponent('{app="tls-e2e"}')}`, { ca });
    expect([anonymous.status, anonymous.body]).toEqual([401, 'Unauthorized\n']);
  });

  it('refuses remote write without the password', async () => {
    const r = await call(`${base}/api/v1/write`, { ca, method: 'POST', contentType: 'application/x-protobuf', body: 'x' });
    expect([r.status, r.body]).toEqual([401, 'Unauthorized\n']);
  });

  it('serves HTTPS only, with a certificate clients must trust', async () => {
    await expect(call(base.replace('https:', 'http:') + '/-/healthy', { auth: `${USER}:${PASSWORD}` })).rejects.toThrow();
    await expect(call(`${base}/-/healthy`, { auth: `${USER}:${PASSWORD}` })).rejects.toThrow();
  });

  it('is scraped by and receives remote write from the real Prometheus, with tls_config + basic_auth', async () => {
    if (!haveProgram('/usr/bin/prometheus')) return;
    const port = await freePort();
    const cfg = join(dir, 'upstream.yml');
    writeFileSync(
      cfg,
      `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: lookout\n    scheme: https\n    tls_config: { ca_file: ${certs.caCert} }\n    basic_auth: { username: ${USER}, password: ${PASSWORD} }\n    static_configs: [ { targets: ['${base.slice(8)}'] } ]\nremote_write:\n  - url: ${base}/api/v1/write\n    tls_config: { ca_file: ${certs.caCert} }\n    basic_auth: { username: ${USER}, password: ${PASSWORD} }\n`,
    );
    startProgram('/usr/bin/prometheus', [`--config.file=${cfg}`, `--storage.tsdb.path=${join(dir, 'upstream-data')}`, `--web.listen-address=127.0.0.1:${port}`]);
    const upstream = `http://127.0.0.1:${port}`;
    await waitFor('Prometheus scraped Lookout', 60_000, async () => (await queryValue(upstream, 'up{job="lookout"}', {})) === '1');
    expect(Number(await queryValue(upstream, 'scrape_samples_scraped{job="lookout"}', {}))).toBeGreaterThan(10);
    // Only Prometheus has job="lookout": Lookout holds it through remote write over TLS + basic auth.
    await waitFor('remote-written samples in Lookout', 60_000, async () => (await queryValue(base, 'up{job="lookout"}')) === '1');
  }, 90_000);
});

describe('the other commands honour --web.config.file', () => {
  it('an unreadable or invalid file stops startup with upstream wording', async () => {
    const bad = join(dir, 'bad-web.yml');
    writeFileSync(bad, 'basic_auth_users:\n  admin: plaintext\n');
    for (const [file, reason] of [
      [join(dir, 'missing.yml'), `open ${join(dir, 'missing.yml')}: no such file or directory`],
      [bad, `${bad}:2:10: basic_auth_users.admin: crypto/bcrypt: hashedSecret too short to be a bcrypted password`],
    ]) {
      const p = startNode(LOOKOUT_BIN, ['node-exporter', '--web.listen-address=127.0.0.1:0', `--web.config.file=${file}`]);
      await new Promise((resolve) => p.child.once('close', resolve));
      expect([p.child.exitCode, p.output().trim()]).toEqual([1, `lookout: error: Unable to validate web configuration file: ${reason}`]);
    }
  });

  for (const command of ['node-exporter', 'alertmanager'] as const) {
    it(`lookout ${command}`, async () => {
      const port = await freePort();
      const url = `https://127.0.0.1:${port}`;
      const extra = command === 'alertmanager' ? [`--storage.path=${join(dir, 'am-data')}`, QUIET_ALERTMANAGER_FLAG.replace('--alertmanager.config.file', '--config.file')] : [];
      startNode(LOOKOUT_BIN, [command, `--web.listen-address=127.0.0.1:${port}`, `--web.config.file=${webConfig}`, ...extra]);
      const path = command === 'alertmanager' ? '/api/v2/status' : '/metrics';
      await waitFor(`${command} up`, 30_000, async () => (await call(url + path, good())).status === 200);
      const refused = await call(url + path, { ca, auth: `${USER}:nope` });
      expect([refused.status, refused.body]).toEqual([401, 'Unauthorized\n']);
    }, 60_000);
  }
});
