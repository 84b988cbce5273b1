/**
 * HTTP proxies for scrapes and HTTP service discovery (`proxy_url`, `no_proxy`,
 * `proxy_from_environment`, `proxy_connect_header`), as Prometheus's HTTP client uses them:
 * plain-HTTP targets are requested from the proxy with their absolute URL, HTTPS targets through a
 * `CONNECT` tunnel. Credentials in the proxy URL go in `Proxy-Authorization` (basic).
 *
 * Which requests use the proxy follows Go: `proxy_url` without `no_proxy` proxies everything;
 * with `no_proxy`, and with `proxy_from_environment` (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`, or
 * their lower-case forms), requests to `localhost` and loopback addresses go direct, as do hosts
 * that `no_proxy` names: `*`, an IP address, a CIDR block, or a domain (which also covers its
 * subdomains), each optionally with `:port`.
 */
import { BlockList, isIP } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { HTTPClientConfig } from '../config/prometheus/http.js';

/** The proxy to use for `target`, or null to connect directly. */
export function proxyFor(target: URL, cfg: HTTPClientConfig, env: NodeJS.ProcessEnv = process.env): URL | null {
  let proxy = '';
  let noProxy = cfg.noProxy;
  if (cfg.proxyUrl) proxy = cfg.proxyUrl;
  else if (cfg.proxyFromEnvironment) {
    proxy = target.protocol === 'https:' ? (env.HTTPS_PROXY ?? env.https_proxy ?? '') : (env.HTTP_PROXY ?? env.http_proxy ?? '');
    noProxy = env.NO_PROXY ?? env.no_proxy ?? '';
  }
  if (!proxy) return null;
  if ((cfg.proxyFromEnvironment || noProxy) && !useProxy(target, noProxy)) return null;
  return new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
}

function useProxy(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  if (host === 'localhost' || isLoopback(host)) return false;
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return false;
    if (entry.includes('/')) {
      if (inCIDR(host, entry)) return false;
      continue;
    }
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) continue;
    const name = m[1]!.replace(/^\[|\]$/g, '');
    if (m[2] && m[2] !== port) continue;
    if (isIP(name)) {
      if (name === host) return false;
      continue;
    }
    const domain = name.replace(/^\*?\./, '');
    if (host === domain || host.endsWith('.' + domain)) return false;
  }
  return true;
}

function isLoopback(host: string): boolean {
  return (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
}

function inCIDR(host: string, cidr: string): boolean {
  const family = isIP(host);
  const [net, bits] = cidr.split('/');
  if (!family || isIP(net!) !== family) return false;
  const list = new BlockList();
  try {
    list.addSubnet(net!, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
  return list.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** `Proxy-Authorization` for credentials in the proxy URL, or none. */
export function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const creds = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(creds).toString('base64')}` };
}

/**
 * An HTTPS agent whose connections are TLS sessions inside a `CONNECT` tunnel through `proxy`
 * (keep-alive as the direct agent). A refused `CONNECT` fails the request with
 * `proxyconnect: <status line>`; a proxy that cannot be reached with `proxyconnect tcp: <error>`.
 */
export class TunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: URL,
    private readonly connectHeaders: Record<string, string>,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: tls.ConnectionOptions & { host?: string; port?: number }, callback: (err: Error | null, socket?: Duplex) => void): undefined {
    const target = `${options.host}:${options.port}`;
    const req = http.request({
      host: this.proxy.hostname.replace(/^\[|\]$/g, ''),
      port: Number(this.proxy.port || 80),
      method: 'CONNECT',
      path: target,
      headers: { host: target, ...this.connectHeaders, ...proxyAuthorization(this.proxy) },
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        callback(new Error(`proxyconnect: ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd()));
        return;
      }
      const secure = tls.connect({ ...options, socket, servername: options.servername || options.host });
      callback(null, secure);
    });
    req.once('error', (e) => callback(new Error(`proxyconnect tcp: ${e.message}`)));
    req.end();
    return undefined;
  }
}
