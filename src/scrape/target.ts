/**
 * Scrape targets, as Prometheus's `scrape/target.go`: building a target's label set from a
 * discovered target and its group (`populateLabels`, upstream `PopulateLabels`), its scrape URL,
 * its identity hash and scrape offset, and its health as reported by its scrape loop.
 */
import { fnv64a } from '../model/fnv.js';
import { isWellFormed, LabelsBuilder, key as labelsKey, type Labels } from '../model/labels.js';
import { formatDuration, parseDuration } from '../model/time.js';
import { relabelBuilder } from '../config/relabel.js';
import type { ScrapeConfig } from '../config/prometheus.js';

/** Health of a target as shown by /api/v1/targets. */
export type TargetHealth = 'up' | 'down' | 'unknown';

/** Reserved label names and prefixes (upstream `model.*Label`). */
export const ADDRESS_LABEL = '__address__';
export const SCHEME_LABEL = '__scheme__';
export const METRICS_PATH_LABEL = '__metrics_path__';
export const SCRAPE_INTERVAL_LABEL = '__scrape_interval__';
export const SCRAPE_TIMEOUT_LABEL = '__scrape_timeout__';
export const PARAM_LABEL_PREFIX = '__param_';
export const META_LABEL_PREFIX = '__meta_';
export const RESERVED_LABEL_PREFIX = '__';
export const JOB_LABEL = 'job';
export const INSTANCE_LABEL = 'instance';
const HISTOGRAM_FLAG_LABELS = [
  ['__convert_classic_histograms_to_nhcb__', 'convert classic histograms to nhcb'],
  ['__always_scrape_classic_histograms__', 'always scrape classic histograms'],
  ['__scrape_native_histograms__', 'scrape native histograms'],
] as const;

/** Result of {@link populateLabels}. */
export type PopulateResult =
  | { kind: 'active'; labels: Labels; discovered: Labels }
  | { kind: 'dropped'; discovered: Labels }
  | { kind: 'error'; error: string; discovered: Labels };

/**
 * The label set before relabeling: the target's labels, then its group's labels where the target
 * has none of that name, then the scrape config's defaults (`job`, `__scrape_interval__`,
 * `__scrape_timeout__`, `__metrics_path__`, `__scheme__`, histogram flags, `__param_<name>`)
 * where not already set. Upstream `PopulateDiscoveredLabels`.
 */
function discoveredBuilder(cfg: ScrapeConfig, target: Record<string, string>, group: Record<string, string>): LabelsBuilder {
  const lb = new LabelsBuilder();
  for (const [n, v] of Object.entries(target)) lb.set(n, v);
  for (const [n, v] of Object.entries(group)) if (!(n in target)) lb.set(n, v);
  const defaults: [string, string][] = [
    [JOB_LABEL, cfg.jobName],
    [SCRAPE_INTERVAL_LABEL, formatDuration(cfg.scrapeIntervalMs)],
    [SCRAPE_TIMEOUT_LABEL, formatDuration(cfg.scrapeTimeoutMs)],
    [METRICS_PATH_LABEL, cfg.metricsPath],
    [SCHEME_LABEL, cfg.scheme],
    [HISTOGRAM_FLAG_LABELS[0][0], String(cfg.convertClassicHistogramsToNhcb)],
    [HISTOGRAM_FLAG_LABELS[1][0], String(cfg.alwaysScrapeClassicHistograms)],
    [HISTOGRAM_FLAG_LABELS[2][0], String(cfg.scrapeNativeHistograms)],
  ];
  for (const [n, v] of defaults) if (lb.get(n) === '') lb.set(n, v);
  for (const [k, vs] of Object.entries(cfg.params)) {
    const name = PARAM_LABEL_PREFIX + k;
    if (vs.length > 0 && lb.get(name) === '') lb.set(name, vs[0]!);
  }
  return lb;
}

/**
 * Builds a target's final label set as upstream `PopulateLabels`: discovered labels, target
 * relabeling, then checks (address present and without `/`, interval and timeout valid, non-zero
 * and timeout ≤ interval, histogram flags boolean), `__meta_*` labels removed, `instance`
 * defaulting to `__address__`, label values valid UTF-8.
 * Prometheus 3.x behaviour: no default port is added to the address.
 */
export function populateLabels(cfg: ScrapeConfig, target: Record<string, string>, group: Record<string, string>): PopulateResult {
  const lb = discoveredBuilder(cfg, target, group);
  const discovered = lb.labels();
  if (!relabelBuilder(lb, cfg.relabelConfigs)) return { kind: 'dropped', discovered };
  const fail = (error: string): PopulateResult => ({ kind: 'error', error, discovered });
  const addr = lb.get(ADDRESS_LABEL);
  if (addr === '') return fail('no address');
  if (addr.includes('/')) return fail(`${JSON.stringify(addr)} is not a valid hostname`);
  const interval = lb.get(SCRAPE_INTERVAL_LABEL);
  const intervalMs = durationOr(interval);
  if (intervalMs === null) return fail(`error parsing scrape interval: not a valid duration string: ${JSON.stringify(interval)}`);
  if (intervalMs === 0) return fail('scrape interval cannot be 0');
  const timeout = lb.get(SCRAPE_TIMEOUT_LABEL);
  const timeoutMs = durationOr(timeout);
  if (timeoutMs === null) return fail(`error parsing scrape timeout: not a valid duration string: ${JSON.stringify(timeout)}`);
  if (timeoutMs === 0) return fail('scrape timeout cannot be 0');
  if (timeoutMs > intervalMs) {
    return fail(`scrape timeout cannot be greater than scrape interval (${JSON.stringify(timeout)} > ${JSON.stringify(interval)})`);
  }
  for (const [name, desc] of HISTOGRAM_FLAG_LABELS) {
    const v = lb.get(name);
    if (v !== '' && parseGoBool(v) === null) return fail(`error parsing ${desc}: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
  const meta: string[] = [];
  lb.forEach((n) => {
    if (n.startsWith(META_LABEL_PREFIX)) meta.push(n);
  });
  lb.del(...meta);
  if (lb.get(INSTANCE_LABEL) === '') lb.set(INSTANCE_LABEL, addr);
  const labels = lb.labels();
  for (let i = 0; i < labels.length; i += 2) {
    if (!isWellFormed(labels[i + 1]!)) return fail(`invalid label value for ${JSON.stringify(labels[i])}: ${JSON.stringify(labels[i + 1])}`);
  }
  return { kind: 'active', labels, discovered };
}

function durationOr(s: string): number | null {
  try {
    return parseDuration(s);
  } catch {
    return null;
  }
}

/** Go's `strconv.ParseBool`. */
function parseGoBool(s: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return null;
}

/** Go's `url.QueryEscape`: everything but `A-Za-z0-9-_.~` percent-encoded, space as `+`. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/**
 * The scrape URL of a target label set: `__scheme__://__address____metrics_path__?params`, where
 * params are the config's `params` with each `__param_<name>` label replacing the first value of
 * `<name>`, encoded sorted by name as Go's `url.Values.Encode`.
 */
export function targetURL(labels: Labels, params: Record<string, string[]>): string {
  const merged: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(params)) merged[k] = [...v];
  let scheme = '';
  let host = '';
  let path = '';
  for (let i = 0; i < labels.length; i += 2) {
    const n = labels[i]!;
    const v = labels[i + 1]!;
    if (n === SCHEME_LABEL) scheme = v;
    else if (n === ADDRESS_LABEL) host = v;
    else if (n === METRICS_PATH_LABEL) path = v;
    else if (n.startsWith(PARAM_LABEL_PREFIX)) {
      const k = n.slice(PARAM_LABEL_PREFIX.length);
      if (merged[k] && merged[k].length > 0) merged[k][0] = v;
      else merged[k] = [v];
    }
  }
  if (path !== '' && !path.startsWith('/')) path = '/' + path;
  const query = Object.keys(merged)
    .sort()
    .flatMap((k) => merged[k]!.map((v) => `${queryEscape(k)}=${queryEscape(v)}`))
    .join('&');
  return `${scheme}://${host}${encodeURI(path)}${query ? `?${query}` : ''}`;
}

/**
 * A target of a scrape pool: its labels (including `__`-prefixed ones), URL and the state its
 * scrape loop reports. Identity is {@link hash} (labels + URL), as upstream.
 */
export class Target {
  /** Final labels after relabeling, sorted, including reserved `__` labels. */
  readonly labels: Labels;
  /** Labels before relabeling (for the API), updated when the target is rediscovered. */
  discovered: Labels;
  readonly url: string;
  /** Identity of the target within its pool. */
  readonly hash: string;
  /** Scrape interval and timeout from `__scrape_interval__`/`__scrape_timeout__` (ms). */
  readonly intervalMs: number;
  readonly timeoutMs: number;
  health: TargetHealth = 'unknown';
  /** Empty when the last scrape succeeded. */
  lastError = '';
  /** Timestamp of the last scrape (its samples' default timestamp), ms since epoch; 0 before the first. */
  lastScrapeMs = 0;
  /** Duration of the last scrape in ms. */
  lastScrapeDurationMs = 0;

  constructor(labels: Labels, discovered: Labels, params: Record<string, string[]>) {
    this.labels = labels;
    this.discovered = discovered;
    this.url = targetURL(labels, params);
    this.hash = `${labelsKey(labels)}\xfe${this.url}`;
    this.intervalMs = durationOr(this.get(SCRAPE_INTERVAL_LABEL)) ?? 0;
    this.timeoutMs = durationOr(this.get(SCRAPE_TIMEOUT_LABEL)) ?? 0;
  }

  /** Value of a label, `''` when absent. */
  get(name: string): string {
    for (let i = 0; i < this.labels.length; i += 2) if (this.labels[i] === name) return this.labels[i + 1]!;
    return '';
  }

  /** The labels attached to every scraped series: all except `__`-prefixed ones. */
  publicLabels(): Labels {
    const out: string[] = [];
    for (let i = 0; i < this.labels.length; i += 2) {
      if (!this.labels[i]!.startsWith(RESERVED_LABEL_PREFIX)) out.push(this.labels[i]!, this.labels[i + 1]!);
    }
    return out;
  }

  /** Records the outcome of a scrape. */
  report(startMs: number, durationMs: number, error: string): void {
    this.health = error === '' ? 'up' : 'down';
    this.lastError = error;
    this.lastScrapeMs = startMs;
    this.lastScrapeDurationMs = durationMs;
  }
}

/**
 * Delay in ms until the target's first scrape, as upstream `Target.offset`: targets are spread
 * evenly over the interval by `(hash(target) ^ seed) mod interval`, pinned to absolute time so
 * that a restarted loop keeps its phase.
 * @param seed per-server seed (hostname + external labels), so HA pairs scrape at different times
 */
export function scrapeOffset(targetHash: string, intervalMs: number, seed: bigint, nowMs: number): number {
  const offset = Number((fnv64a(targetHash) ^ seed) % BigInt(intervalMs));
  const base = intervalMs - (nowMs % intervalMs);
  let next = base + offset;
  if (next > intervalMs) next -= intervalMs;
  return next;
}
