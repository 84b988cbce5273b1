/**
 * Inhibition, as Alertmanager's `inhibit` package: an alert matching a rule's target matchers is
 * muted while some firing alert matches the rule's source matchers and has the same values for
 * the rule's `equal` labels (a label absent on both sides counts as equal). An alert that matches
 * both sides of a rule cannot inhibit itself through that rule's other two-sided matches.
 * Checked at notification time and when the API reports alert status.
 */
import type { InhibitRuleConfig } from '../config/alertmanager/types.js';
import { resolvedAt, type Alert } from './alert.js';
import { matchesAll, type AmMatcher } from './matcher.js';
import type { AlertStore, Marker } from './store.js';

class InhibitRule {
  readonly source: readonly AmMatcher[];
  readonly target: readonly AmMatcher[];
  readonly equal: readonly string[];
  /**
   * Source-matching alerts (upstream's per-rule cache), indexed by the values of the `equal`
   * labels so a target only looks at the sources it could be inhibited by.
   */
  private readonly cache = new Map<string, Map<string, Alert>>();

  constructor(cfg: InhibitRuleConfig) {
    this.source = cfg.source_matchers;
    this.target = cfg.target_matchers;
    this.equal = cfg.equal;
  }

  private equalKey(labels: Readonly<Record<string, string>>): string {
    let k = '';
    for (const n of this.equal) k += (labels[n] ?? '') + '\xff';
    return k;
  }

  /** Records a source-matching alert (a newer copy replaces the older one). */
  add(a: Alert): void {
    const k = this.equalKey(a.labels);
    let bucket = this.cache.get(k);
    if (!bucket) {
      bucket = new Map();
      this.cache.set(k, bucket);
    }
    bucket.set(a.fingerprint, a);
  }

  /** Drops resolved source alerts. */
  gc(now: number): void {
    for (const [k, bucket] of this.cache) {
      for (const [fp, a] of bucket) if (resolvedAt(a, now)) bucket.delete(fp);
      if (bucket.size === 0) this.cache.delete(k);
    }
  }

  /** Fingerprint of a firing source alert inhibiting `labels`, or null. */
  inhibitingAlert(labels: Readonly<Record<string, string>>, now: number): string | null {
    const bucket = this.cache.get(this.equalKey(labels));
    if (!bucket) return null;
    const excludeTwoSided = matchesAll(this.source, labels);
    for (const a of bucket.values()) {
      if (resolvedAt(a, now)) continue;
      if (excludeTwoSided && matchesAll(this.target, a.labels)) continue;
      return a.fingerprint;
    }
    return null;
  }
}

/** The inhibitor: subscribes to the alert store and answers {@link mutes}. */
export class Inhibitor {
  private readonly rules: InhibitRule[];
  private readonly unsubscribe: () => void;

  constructor(
    rules: readonly InhibitRuleConfig[],
    store: AlertStore,
    private readonly marker: Marker,
    private readonly now: () => number,
  ) {
    this.rules = rules.map((r) => new InhibitRule(r));
    this.unsubscribe = store.subscribe((a) => {
      for (const r of this.rules) if (matchesAll(r.source, a.labels)) r.add(a);
    });
  }

  /** Whether an alert with these labels (and fingerprint) is inhibited now; updates the marker. */
  mutes(labels: Readonly<Record<string, string>>, fp: string): boolean {
    const now = this.now();
    for (const r of this.rules) {
      if (!matchesAll(r.target, labels)) continue;
      const by = r.inhibitingAlert(labels, now);
      if (by !== null) {
        this.marker.setInhibited(fp, [by]);
        return true;
      }
    }
    this.marker.setInhibited(fp, []);
    return false;
  }

  /** Drops resolved alerts from the source caches (upstream does this every 15 minutes). */
  gc(): void {
    const now = this.now();
    for (const r of this.rules) r.gc(now);
  }

  /** Stops listening to the store. */
  stop(): void {
    this.unsubscribe();
  }
}
