/**
 * Test harness: an Alertmanager on a ManualClock with a temporary storage path and a local HTTP
 * receiver that records requests (and answers with queued status codes).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { Alertmanager } from '../../../src/alertmanager/alertmanager.js';
import { ManualClock } from '../../../src/alertmanager/clock.js';
import { Logger, setLogLevel } from '../../../src/log.js';

/** A request received by {@link Receiver}. */
export interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: any;
}

/** A local HTTP endpoint recording POSTs. */
export class Receiver {
  readonly requests: Received[] = [];
  /** Status codes to answer with, in order (200 when empty). */
  readonly statuses: number[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        let json: unknown = null;
        try {
          json = JSON.parse(body);
        } catch {
          json = null;
        }
        this.requests.push({ path: req.url!, headers: req.headers, body, json });
        res.statusCode = this.statuses.shift() ?? 200;
        res.end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** Polls `cond` in real time (I/O on loopback) until true; throws after `ms`. */
export async function until(cond: () => boolean, what = 'condition', ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets in-flight work settle in real time without expecting anything. */
export function settle(ms = 50): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A started Alertmanager with its clock, registry and storage directory. */
export interface Harness {
  am: Alertmanager;
  clock: ManualClock;
  registry: Registry;
  dir: string;
  configFile: string;
}

/** Quiet logs in tests. */
setLogLevel('error');

/** Writes `config` to a temp dir and starts an Alertmanager on a ManualClock at `start` ms. */
export async function startAm(config: string, opts: { start?: number; dir?: string; clock?: ManualClock } = {}): Promise<Harness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'am-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, config);
  const clock = opts.clock ?? new ManualClock(opts.start ?? Date.UTC(2024, 0, 1));
  const registry = new Registry();
  const am = await Alertmanager.start({
    configFile,
    storagePath: join(dir, 'data'),
    externalURL: 'http://am.test:9093',
    clock,
    registry,
    log: new Logger({ component: 'alertmanager-test' }),
  });
  return { am, clock, registry, dir, configFile };
}

/** POSTs alerts through the API handler; returns the response. */
export function post(am: Alertmanager, alerts: unknown) {
  return am.handleApiV2({ method: 'POST', path: '/alerts', query: new URLSearchParams(), body: alerts });
}

/** GETs an API path with a query string. */
export function get(am: Alertmanager, path: string, query = '') {
  return am.handleApiV2({ method: 'GET', path, query: new URLSearchParams(query), body: undefined });
}

/** ISO time of `ms`. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Value of a metric sample from the registry (`undefined` when absent). */
export async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const m = await registry.getSingleMetric(name)?.get();
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => (x.labels as Record<string, unknown>)[k] === val));
  return v?.value;
}
