/**
 * History for backtests: the raw samples of every series the rules select, copied into a scratch
 * storage — from any server with the Prometheus HTTP API (Prometheus, Lookout, VictoriaMetrics…)
 * with range-vector instant queries (`{…}[1h]` at the end of each hour), or from a local storage
 * (the server's own TSDB for the UI's backtest page, or a data directory opened read-only).
 *
 * Series written by the rules' own recording rules are not fetched (the backtest computes them).
 * The range fetched starts before `from` by what the expressions look back: the lookback delta
 * plus every range, subquery range and offset in the expression (a safe upper bound). `@`
 * modifiers pointing outside that range are not followed.
 */
import { fromObject, key, METRIC_NAME } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import { parseExpr, walk, type Expr } from '../../promql/index.js';
import { AppendResult, type Storage } from '../../tsdb/types.js';

/** What was fetched. */
export interface FetchStats {
  /** Selectors queried. */
  selectors: string[];
  series: number;
  samples: number;
  /** Start (ms) of the history fetched. */
  startMs: number;
}

/** Options of {@link loadFromPrometheusAPI}. */
export interface FetchOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:9090`. */
  url: string;
  /** Rule expressions. */
  exprs: readonly string[];
  /** Metric names the rules record (not fetched). */
  recorded: ReadonlySet<string>;
  fromMs: number;
  toMs: number;
  storage: Storage;
  /** Lookback delta (ms); default 5 m. */
  lookbackDeltaMs?: number;
  /** Length (ms) of each range query; default 1 h. */
  chunkMs?: number;
  /** `fetch` to use (tests); default the global one. */
  fetch?: typeof fetch;
}

/** How far before the evaluation time an expression reads (ms), an upper bound. */
export function lookbehindMs(expr: Expr, lookbackDeltaMs: number): number {
  let sum = lookbackDeltaMs;
  walk(expr, (n) => {
    if (n.type === 'MatrixSelector') sum += n.range;
    if (n.type === 'SubqueryExpr') sum += n.range + Math.max(n.offset, 0);
    if (n.type === 'VectorSelector') sum += Math.max(n.offset, 0);
  });
  return sum;
}

/** The matchers of each selector of an expression that reads stored series, minus recorded ones. */
export function selectorMatchers(expr: Expr, recorded: ReadonlySet<string>): Matcher[][] {
  const out: Matcher[][] = [];
  walk(expr, (n) => {
    if (n.type !== 'VectorSelector') return;
    const name = n.matchers.find((m) => m.name === METRIC_NAME && m.type === '=');
    if (name && recorded.has(name.value)) return;
    out.push(n.matchers);
  });
  return out;
}

/** The selectors (PromQL text) of an expression that read stored series, minus recorded ones. */
export function fetchSelectors(expr: Expr, recorded: ReadonlySet<string>): string[] {
  return selectorMatchers(expr, recorded).map((ms) => `{${ms.map((m) => m.toString()).join(', ')}}`);
}

/** A sample value as the API writes it (`"1.5"`, `"+Inf"`, `"-Inf"`, `"NaN"`). */
function apiValue(v: string): number {
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

/** Thrown when the server cannot be queried or answers with an error. */
export class FetchError extends Error {
  override name = 'FetchError';
}

/**
 * Fetches the history the expressions need over `[from − lookbehind, to]` and appends it.
 * @throws {FetchError} when a request fails or the server answers with an error.
 */
export async function loadFromPrometheusAPI(o: FetchOptions): Promise<FetchStats> {
  const doFetch = o.fetch ?? fetch;
  const lookback = o.lookbackDeltaMs ?? 300_000;
  const chunk = o.chunkMs ?? 3_600_000;
  const selectors = new Set<string>();
  let back = lookback;
  for (const text of o.exprs) {
    const e = parseExpr(text);
    back = Math.max(back, lookbehindMs(e, lookback));
    for (const s of fetchSelectors(e, o.recorded)) selectors.add(s);
  }
  const startMs = o.fromMs - back;
  const last = new Map<string, number>();
  let samples = 0;
  for (const sel of selectors) {
    let done = startMs;
    do {
      const end = Math.min(done + chunk, o.toMs);
      const range = end - done;
      done = end;
      const params = new URLSearchParams({ query: `${sel}[${Math.max(range, 1)}ms]`, time: (end / 1000).toFixed(3) });
      const url = `${o.url.replace(/\/+$/, '')}/api/v1/query?${params}`;
      let body: { status?: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; values?: [number, string][] }[] } };
      try {
        const res = await doFetch(url);
        body = (await res.json()) as typeof body;
      } catch (e) {
        throw new FetchError(`querying ${url}: ${(e as Error).message}`);
      }
      if (body.status !== 'success' || body.data?.resultType !== 'matrix') {
        throw new FetchError(`querying ${url}: ${body.error ?? `unexpected answer (${body.data?.resultType ?? body.status})`}`);
      }
      const app = o.storage.appender();
      for (const s of body.data.result) {
        const labels = fromObject(s.metric);
        const k = key(labels);
        const ref = app.seriesRef(labels);
        let lastT = last.get(k) ?? -Infinity;
        for (const [ts, v] of s.values ?? []) {
          const t = Math.round(ts * 1000);
          if (t <= lastT) continue;
          if (app.append(ref, t, apiValue(v)) === AppendResult.Ok) samples++;
          lastT = t;
        }
        last.set(k, lastT);
      }
      app.commit();
    } while (done < o.toMs);
  }
  return { selectors: [...selectors], series: last.size, samples, startMs };
}

/** Options of {@link loadFromStorage}. */
export interface LocalLoadOptions {
  /** Where the history is (the server's own TSDB, a data directory opened read-only); only read. */
  source: Pick<Storage, 'querier'>;
  exprs: readonly string[];
  recorded: ReadonlySet<string>;
  fromMs: number;
  toMs: number;
  /** Receives a copy of the samples. */
  storage: Storage;
  /** Lookback delta (ms); default 5 m. */
  lookbackDeltaMs?: number;
}

/**
 * Copies the history the expressions need over `[from − lookbehind, to]` from a local storage,
 * so that recording rules of the backtest write into the copy, never into `source`.
 */
export function loadFromStorage(o: LocalLoadOptions): FetchStats {
  const lookback = o.lookbackDeltaMs ?? 300_000;
  const selectors = new Map<string, Matcher[]>();
  let back = lookback;
  for (const text of o.exprs) {
    const e = parseExpr(text);
    back = Math.max(back, lookbehindMs(e, lookback));
    for (const ms of selectorMatchers(e, o.recorded)) selectors.set(`{${ms.map((m) => m.toString()).join(', ')}}`, ms);
  }
  const startMs = o.fromMs - back;
  const querier = o.source.querier(startMs, o.toMs);
  const copied = new Set<string>();
  let samples = 0;
  const app = o.storage.appender();
  for (const ms of selectors.values()) {
    for (const s of querier.select(ms, startMs, o.toMs)) {
      const k = key(s.labels);
      if (copied.has(k)) continue;
      copied.add(k);
      const ref = app.seriesRef(s.labels);
      for (let i = 0; i < s.count; i++) if (app.append(ref, s.ts[i]!, s.vs[i]!) === AppendResult.Ok) samples++;
    }
  }
  app.commit();
  return { selectors: [...selectors.keys()], series: copied.size, samples, startMs };
}
