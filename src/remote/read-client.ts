/**
 * The remote-read client (`remote_read` in prometheus.yml), as Prometheus's
 * `storage/remote/read.go`: for one selection (matchers, time range in ms) it asks every
 * configured endpoint with a snappy-compressed `ReadRequest` (response type SAMPLES) and returns
 * the series as a {@link Querier} to merge with local data (`tsdb/merge_querier.ts`; the local
 * storage wins on equal timestamps, as upstream's primary querier does).
 *
 * Per endpoint, as upstream:
 * - `required_matchers`: the endpoint is asked only when the selection has an equality matcher
 *   for each of them;
 * - `read_recent: false` (the default): only the part of the range before the local storage's
 *   oldest sample is asked for, and nothing when local data covers it;
 * - `filter_external_labels: true` (the default): the external labels are sent as equality
 *   matchers (for names the selection does not match already) and removed from the series read.
 *
 * A failed endpoint is logged and left out (upstream turns secondary-storage errors into query
 * warnings; Lookout's worker protocol has no warnings channel for selects).
 */
import type { RemoteReadConfig } from '../config/prometheus.js';
import type { Logger } from '../log.js';
import { compare, type Labels } from '../model/labels.js';
import { matchesAll, type Matcher } from '../model/matcher.js';
import { MergeQuerier } from '../tsdb/merge_querier.js';
import type { Querier, SeriesSamples } from '../tsdb/types.js';
import { RemoteClient } from './client.js';
import { MatcherType, prompb, ResponseType, TO_OBJECT } from './proto.js';
import { snappyDecode, snappyEncode } from './snappy.js';
import { DEFAULT_MAX_DECODED_BYTES } from './write-handler.js';

/** Protocol headers of remote-read requests (upstream `client.go`). */
export const REMOTE_READ_HEADERS: Readonly<Record<string, string>> = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'x-prometheus-remote-read-version': '0.1.0',
};

const TYPES: Record<string, number> = { '=': MatcherType.EQ, '!=': MatcherType.NEQ, '=~': MatcherType.RE, '!~': MatcherType.NRE };

/** A querier over series already in memory (sorted by labels); only `select` and `series` are meaningful. */
export class StaticQuerier implements Querier {
  constructor(private readonly data: readonly SeriesSamples[]) {}

  /** Series matching `matchers` with their samples in [mint, maxt] (ms). */
  select(matchers: readonly Matcher[], mint: number, maxt: number): SeriesSamples[] {
    const out: SeriesSamples[] = [];
    for (const s of this.data) {
      if (!matchesAll(matchers, s.labels)) continue;
      let lo = 0;
      while (lo < s.count && s.ts[lo]! < mint) lo++;
      let hi = lo;
      while (hi < s.count && s.ts[hi]! <= maxt) hi++;
      if (hi > lo) out.push({ labels: s.labels, ts: s.ts.subarray(lo, hi), vs: s.vs.subarray(lo, hi), count: hi - lo });
    }
    return out;
  }

  series(matchers: readonly Matcher[], mint: number, maxt: number): Labels[] {
    return this.select(matchers, mint, maxt).map((s) => s.labels);
  }

  labelNames(): string[] {
    return [];
  }

  labelValues(): string[] {
    return [];
  }
}

interface Endpoint {
  cfg: RemoteReadConfig;
  client: RemoteClient;
}

/** Options of {@link RemoteReadStorage}. */
export interface RemoteReadStorageOptions {
  log: Logger;
  userAgent: string;
  /** Oldest sample time of the local storage, ms (Infinity when empty), for `read_recent: false`. */
  localStartMs: () => number;
}

/** Every `remote_read` endpoint of a server; see the module comment. */
export class RemoteReadStorage {
  private endpoints: Endpoint[] = [];
  private externalLabels: Labels = [];

  constructor(private readonly opts: RemoteReadStorageOptions) {}

  /** Replaces the endpoints and the external labels (sorted name, value pairs). */
  applyConfig(configs: readonly RemoteReadConfig[], externalLabels: Labels): void {
    for (const e of this.endpoints) e.client.close();
    this.externalLabels = externalLabels;
    this.endpoints = configs.map((cfg) => ({
      cfg,
      client: new RemoteClient(cfg.url, cfg.httpClientConfig, { ...cfg.headers, ...REMOTE_READ_HEADERS, 'user-agent': this.opts.userAgent }, cfg.remoteTimeoutMs),
    }));
  }

  /** Whether any endpoint is configured. */
  get enabled(): boolean {
    return this.endpoints.length > 0;
  }

  /**
   * The remote series for one selection (ms range, inclusive), as a querier; null when no endpoint
   * applies. Never rejects: failed endpoints are logged and skipped.
   */
  async prefetch(matchers: readonly Matcher[], mint: number, maxt: number): Promise<Querier | null> {
    const asks = this.endpoints.map((e) => this.readOne(e, matchers, mint, maxt));
    const results = (await Promise.all(asks)).filter((r): r is SeriesSamples[] => r !== null);
    if (results.length === 0) return null;
    const queriers = results.map((r) => new StaticQuerier(r.sort((a, b) => compare(a.labels, b.labels))));
    return queriers.length === 1 ? queriers[0]! : new MergeQuerier(queriers);
  }

  private async readOne(e: Endpoint, matchers: readonly Matcher[], mint: number, maxt: number): Promise<SeriesSamples[] | null> {
    const cfg = e.cfg;
    for (const [name, value] of Object.entries(cfg.requiredMatchers)) {
      if (!matchers.some((m) => m.type === '=' && m.name === name && m.value === value)) return null;
    }
    if (!cfg.readRecent) {
      const localStart = this.opts.localStartMs();
      if (mint > localStart) return null;
      maxt = Math.min(maxt, localStart);
    }
    const added: string[] = [];
    const pb = matchers.map((m) => ({ type: TYPES[m.type]!, name: m.name, value: m.value }));
    if (cfg.filterExternalLabels) {
      for (let i = 0; i < this.externalLabels.length; i += 2) {
        const name = this.externalLabels[i]!;
        if (matchers.some((m) => m.name === name)) continue;
        added.push(name);
        pb.push({ type: MatcherType.EQ, name, value: this.externalLabels[i + 1]! });
      }
    }
    const req = prompb.ReadRequest.fromObject({
      queries: [{ startTimestampMs: mint, endTimestampMs: maxt, matchers: pb, hints: { startMs: mint, endMs: maxt } }],
      acceptedResponseTypes: [ResponseType.SAMPLES],
    });
    try {
      const res = await e.client.post(snappyEncode(prompb.ReadRequest.encode(req).finish()), true);
      if (res.status !== 200) throw new Error(`remote server ${cfg.url} returned HTTP status ${res.status}: ${res.body.toString('utf8').trim()}`);
      const obj = prompb.ReadResponse.toObject(prompb.ReadResponse.decode(snappyDecode(res.body, DEFAULT_MAX_DECODED_BYTES * 8)), TO_OBJECT) as {
        results: { timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[] }[];
      };
      const out: SeriesSamples[] = [];
      for (const ts of obj.results[0]?.timeseries ?? []) {
        const ls = ts.labels.filter((l) => !added.includes(l.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const n = ts.samples.length;
        const t = new Float64Array(n);
        const v = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          t[i] = ts.samples[i]!.timestamp;
          v[i] = ts.samples[i]!.value;
        }
        out.push({ labels: ls.flatMap((l) => [l.name, l.value]), ts: t, vs: v, count: n });
      }
      return out;
    } catch (err) {
      this.opts.log.warn('Remote read failed; its series are left out of the query', { url: cfg.url, err: (err as Error).message });
      return null;
    }
  }

  /** Closes idle connections. */
  close(): void {
    for (const e of this.endpoints) e.client.close();
    this.endpoints = [];
  }
}
