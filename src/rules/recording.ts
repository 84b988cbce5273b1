/**
 * Recording rules, as Prometheus's `rules.RecordingRule`: the result vector is stored under the
 * rule's name with the rule's labels applied.
 */
import { key, LabelsBuilder, METRIC_NAME } from '../model/labels.js';
import type { Expr } from '../promql/index.js';
import { RuleStatus, type QueryFunc, type RuleSample } from './rule.js';

/** Upstream's error when two results share a label set after renaming. */
export const DUPLICATE_RECORD_LABELSET = 'vector contains metrics with the same labelset after applying rule labels';

/** Definition of a recording rule. */
export interface RecordingRuleSpec {
  /** Metric name written (`record:`). */
  name: string;
  /** Expression text as written in the rule file. */
  expr: string;
  /** Parsed expression, or its text for a query language the group's {@link QueryFunc} parses itself (LogQL). */
  query: string | Expr;
  /** Rule labels (group labels merged in). */
  labels: Record<string, string>;
}

/** A recording rule. */
export class RecordingRule {
  readonly kind = 'recording';
  readonly status = new RuleStatus();

  constructor(readonly spec: RecordingRuleSpec) {}

  get name(): string {
    return this.spec.name;
  }

  get labels(): Record<string, string> {
    return this.spec.labels;
  }

  /**
   * Evaluates the rule at `t - offsetMs` and returns the samples to store.
   * @throws {Error} on query failure, duplicate label sets after renaming, or more than `limit` (> 0) series.
   */
  eval(t: number, offsetMs: number, query: QueryFunc, limit: number): RuleSample[] {
    const res = query(this.spec.query, t - offsetMs);
    const lb = new LabelsBuilder();
    const seen = new Set<string>();
    const out: RuleSample[] = new Array(res.length);
    for (let i = 0; i < res.length; i++) {
      const s = res[i]!;
      lb.reset(s.labels).set(METRIC_NAME, this.name);
      for (const [k, v] of Object.entries(this.spec.labels)) lb.set(k, v);
      const labels = lb.labels();
      const h = key(labels);
      if (seen.has(h)) throw new Error(DUPLICATE_RECORD_LABELSET);
      seen.add(h);
      out[i] = { labels, t: s.t, v: s.v };
    }
    if (limit > 0 && out.length > limit) throw new Error(`exceeded limit of ${limit} with ${out.length} series`);
    return out;
  }
}
