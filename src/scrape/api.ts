/**
 * The `data` objects of `GET /api/v1/targets` and `GET /api/v1/metadata`, in upstream's JSON
 * shape (`web/api/v1/api.go`), built from the running scrape pools.
 */
import { toObject } from '../model/labels.js';
import type { ScrapePool } from './pool.js';
import { SCRAPE_INTERVAL_LABEL, SCRAPE_TIMEOUT_LABEL } from './target.js';

/**
 * How `globalUrl` is derived, as upstream `GlobalURLOptions`: targets on a localhost address get
 * the externally reachable host instead (and the external scheme and host:port when they are
 * this server's own listen port).
 */
export interface GlobalURLOptions {
  /** The server's listen address, e.g. `:9090` or `0.0.0.0:9090`. */
  listenAddress: string;
  /** Host (with port) of the external URL, e.g. `monitor.example.com:9090`. */
  host: string;
  /** Scheme of the external URL, e.g. `http`. */
  scheme: string;
}

const LOCALHOSTS = ['127.0.0.1', 'localhost', '::1'];

/** Splits `host:port` (IPv6 in brackets); port `''` when absent. */
function splitHostPort(hostport: string): [string, string] {
  const m = /^\[([^\]]*)\](?::(\d*))?$/.exec(hostport) ?? /^([^:]*)(?::(\d*))?$/.exec(hostport);
  return m ? [m[1]!, m[2] ?? ''] : [hostport, ''];
}

function joinHostPort(host: string, port: string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port ? `${h}:${port}` : h;
}

/** The target URL as reachable from outside, as upstream `getGlobalURL`; unchanged without options. */
export function globalURL(scrapeUrl: string, opts: GlobalURLOptions | undefined): string {
  if (!opts) return scrapeUrl;
  const u = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/i.exec(scrapeUrl);
  if (!u) return scrapeUrl;
  const [host, port] = splitHostPort(u[2]!);
  if (!LOCALHOSTS.includes(host)) return scrapeUrl;
  const ownPort = splitHostPort(opts.listenAddress)[1];
  if (port === ownPort) return `${opts.scheme}://${opts.host}${u[3]}`;
  return `${u[1]}://${joinHostPort(splitHostPort(opts.host)[0], port)}${u[3]}`;
}

/** Go's zero `time.Time` as JSON, shown for targets not scraped yet. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** One entry of `activeTargets`. */
export interface ActiveTargetJSON {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  globalUrl: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  health: 'up' | 'down' | 'unknown';
  scrapeInterval: string;
  scrapeTimeout: string;
}

/** The targets endpoint's data. */
export interface TargetsJSON {
  activeTargets: ActiveTargetJSON[];
  droppedTargets: { discoveredLabels: Record<string, string>; scrapePool: string }[];
  droppedTargetCounts?: Record<string, number>;
}

/**
 * Builds the targets data. `state` (case-insensitive) `active` or `dropped` limits the lists, any
 * other value shows both, as upstream; `scrapePool` keeps one job; `urlOptions` derive `globalUrl`.
 */
export function targetsData(pools: ReadonlyMap<string, ScrapePool>, state?: string, scrapePool?: string, urlOptions?: GlobalURLOptions): TargetsJSON {
  const s = (state ?? '').toLowerCase();
  const showActive = s === '' || s === 'any' || s === 'active';
  const showDropped = s === '' || s === 'any' || s === 'dropped';
  const names = [...pools.keys()].sort();
  const out: TargetsJSON = { activeTargets: [], droppedTargets: [] };
  if (showActive) {
    for (const name of names) {
      if (scrapePool && name !== scrapePool) continue;
      for (const t of pools.get(name)!.activeTargets()) {
        out.activeTargets.push({
          discoveredLabels: toObject(t.discovered),
          labels: toObject(t.publicLabels()),
          scrapePool: name,
          scrapeUrl: t.url,
          globalUrl: globalURL(t.url, urlOptions),
          lastError: t.lastError,
          lastScrape: t.lastScrapeMs === 0 ? ZERO_TIME : new Date(t.lastScrapeMs).toISOString(),
          lastScrapeDuration: t.lastScrapeDurationMs / 1000,
          health: t.health,
          scrapeInterval: t.get(SCRAPE_INTERVAL_LABEL),
          scrapeTimeout: t.get(SCRAPE_TIMEOUT_LABEL),
        });
      }
    }
  }
  if (showDropped) {
    out.droppedTargetCounts = {};
    for (const name of names) {
      const pool = pools.get(name)!;
      out.droppedTargetCounts[name] = pool.droppedCount();
      if (scrapePool && name !== scrapePool) continue;
      for (const d of pool.droppedTargets()) out.droppedTargets.push({ discoveredLabels: toObject(d.discovered), scrapePool: name });
    }
  }
  return out;
}

/** One metadata entry of the metadata endpoint. */
export interface MetadataJSON {
  type: string;
  help: string;
  unit: string;
}

/**
 * Builds the metadata data: `{metric: [{type, help, unit}, …]}` over all active targets, each
 * distinct triple once per metric. `metric` selects one family; `limit` caps the number of
 * metrics and `limitPerMetric` the entries per metric (negative or undefined = no cap).
 */
export function metadataData(
  pools: ReadonlyMap<string, ScrapePool>,
  metric?: string,
  limit?: number,
  limitPerMetric?: number,
): Record<string, MetadataJSON[]> {
  const byMetric = new Map<string, Map<string, MetadataJSON>>();
  for (const pool of pools.values()) {
    for (const loop of pool.activeLoops()) {
      const list = metric ? [loop.cache.getMetadata(metric)].filter((m) => m !== undefined) : loop.cache.listMetadata();
      for (const m of list) {
        let set = byMetric.get(m.metric);
        if (limitPerMetric !== undefined && limitPerMetric > 0 && set && set.size >= limitPerMetric) continue;
        if (!set) byMetric.set(m.metric, (set = new Map()));
        set.set(`${m.type}\xff${m.help}\xff${m.unit}`, { type: m.type, help: m.help, unit: m.unit });
      }
    }
  }
  const out: Record<string, MetadataJSON[]> = {};
  let n = 0;
  for (const [name, set] of byMetric) {
    if (limit !== undefined && limit >= 0 && n >= limit) break;
    out[name] = [...set.values()];
    n++;
  }
  return out;
}
