/**
 * `/federate`, as Prometheus 2.42's federation handler in the text format 0.0.4: for every series
 * matching any `match[]` selector, its latest sample within the lookback window ending now (stale
 * markers dropped), grouped into untyped families by metric name; each metric carries its labels
 * (sorted, empty ones left out) and then the external labels it does not already have, in name
 * order, `instance=""` included when there is no `instance` external label; and its timestamp (ms).
 */
import { compare, key, METRIC_NAME, type Labels } from '../model/labels.js';
import { isStaleNaN } from '../model/value.js';
import type { Matcher } from '../model/matcher.js';
import { parseMetricSelector, PromQLError } from '../promql/index.js';
import { TextWriter } from '../exposition/writer.js';
import type { Storage } from '../tsdb/types.js';

/** A `match[]` selector that does not parse; the message is upstream's parse error (HTTP 400). */
export class FederateError extends Error {
  override name = 'FederateError';
}

/** What `/federate` needs besides the request. */
export interface FederateOptions {
  storage: Pick<Storage, 'querier'>;
  /** Evaluation time, ms. */
  nowMs: number;
  /** `--query.lookback-delta`, ms. */
  lookbackMs: number;
  /** `global.external_labels` of the running config. */
  externalLabels: Readonly<Record<string, string>>;
}

/**
 * The federation body for the `match[]` selectors (text format 0.0.4; no selector gives an empty
 * body).
 * @throws {FederateError} for a selector that does not parse
 */
export function federate(selectors: readonly string[], o: FederateOptions): string {
  const matcherSets: Matcher[][] = [];
  for (const s of selectors) {
    try {
      matcherSets.push(parseMetricSelector(s));
    } catch (e) {
      if (e instanceof PromQLError) throw new FederateError(e.message);
      throw e;
    }
  }
  const mint = o.nowMs - o.lookbackMs;
  const q = o.storage.querier(mint, o.nowMs);
  const latest = new Map<string, { labels: Labels; t: number; v: number }>();
  for (const matchers of matcherSets) {
    for (const s of q.select(matchers, mint, o.nowMs)) {
      const k = key(s.labels);
      if (latest.has(k) || s.count === 0) continue;
      const v = s.vs[s.count - 1]!;
      if (isStaleNaN(v)) continue;
      latest.set(k, { labels: s.labels, t: s.ts[s.count - 1]!, v });
    }
  }
  const nameOf = (ls: Labels) => {
    for (let i = 0; i < ls.length; i += 2) if (ls[i] === METRIC_NAME) return ls[i + 1]!;
    return '';
  };
  const samples = [...latest.values()].sort((a, b) => compare(a.labels, b.labels));
  samples.sort((a, b) => (nameOf(a.labels) < nameOf(b.labels) ? -1 : nameOf(a.labels) > nameOf(b.labels) ? 1 : 0));
  const external: Record<string, string> = { ...o.externalLabels };
  if (!('instance' in external)) external.instance = '';
  const externalNames = Object.keys(external).sort();
  const w = new TextWriter();
  let family = '';
  for (const s of samples) {
    const name = nameOf(s.labels);
    if (name === '') continue;
    if (name !== family) {
      w.familyWithoutHelp(name, 'unknown');
      family = name;
    }
    const out: string[] = [];
    const used = new Set<string>();
    for (let i = 0; i < s.labels.length; i += 2) {
      const n = s.labels[i]!;
      const v = s.labels[i + 1]!;
      if (n === METRIC_NAME || v === '') continue;
      out.push(n, v);
      if (n in external) used.add(n);
    }
    for (const n of externalNames) if (!used.has(n)) out.push(n, external[n]!);
    w.sample(name, out, s.v, s.t);
  }
  return w.toString();
}
