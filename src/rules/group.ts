/**
 * Rule groups, as Prometheus's `rules.Group`: rules evaluated in order at slotted intervals (the
 * slot offset derived from the hash of file and name, so groups spread over their interval),
 * results appended to storage with staleness markers for series a rule stops producing, alerts
 * handed to the notifier, missed iterations counted, and `for` state restored from
 * `ALERTS_FOR_STATE` after the second iteration following a start.
 *
 * Times are ms. Evaluation is synchronous; scheduling uses timers.
 */
import type { PostableAlert } from '../alertmanager/types.js';
import type { Logger } from '../log.js';
import { dropMetricName, key, toString as labelsToString, type Labels } from '../model/labels.js';
import { isStaleNaN, STALE_NAN } from '../model/value.js';
import { labelsHash } from '../model/xxhash.js';
import { AppendResult, type Storage } from '../tsdb/types.js';
import { AlertingRule } from './alerting.js';
import type { RuleMetrics } from './metrics.js';
import type { RecordingRule } from './recording.js';
import type { QueryFunc } from './rule.js';

/** A rule of a group. */
export type Rule = AlertingRule | RecordingRule;

/** Everything a group needs from its manager. */
export interface GroupOptions {
  name: string;
  file: string;
  /** Evaluation interval (ms), > 0. */
  intervalMs: number;
  /** Max alerts / series per rule evaluation; 0 = none. */
  limit: number;
  /** Query offset (ms): rules query at `t - queryOffsetMs` and store samples there. */
  queryOffsetMs: number;
  rules: Rule[];
  /** Canonical text of the group's configuration; equal text means an unchanged group. */
  signature: string;
  storage: Storage;
  query: QueryFunc;
  notify: (alerts: PostableAlert[]) => void;
  resendDelayMs: number;
  outageToleranceMs: number;
  forGracePeriodMs: number;
  /** Restore `for` state after the second iteration (only for groups loaded at startup). */
  shouldRestore: boolean;
  metrics: RuleMetrics;
  log: Logger | null;
  /** Wall clock (ms). */
  now: () => number;
}

const APPEND_ERRORS: Record<number, string> = {
  [AppendResult.OutOfOrder]: 'out of order sample',
  [AppendResult.Duplicate]: 'duplicate sample for timestamp',
  [AppendResult.OutOfBounds]: 'out of bounds',
  [AppendResult.UnknownSeries]: 'unknown series',
};

/** A rule group and its evaluation state. */
export class Group {
  /** `<file>;<name>`, the `rule_group` metric label and the manager's key. */
  readonly key: string;
  /** Series each rule wrote in its last successful evaluation, by label-set key. */
  seriesInPreviousEval: Map<string, Labels>[];
  /** Series to mark stale at the next evaluation (from removed or renamed rules). */
  staleSeries: Labels[] = [];
  /** Wall-clock start of the last iteration (ms), null before the first. */
  lastEvaluation: number | null = null;
  /** Duration of the last iteration (seconds). */
  evaluationSeconds = 0;
  /** Evaluation timestamp of the last iteration (ms). */
  lastEvalTimestamp: number | null = null;

  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private nextEval = 0;
  private iterations = 0;
  private shouldRestore: boolean;

  constructor(readonly opts: GroupOptions) {
    this.key = `${opts.file};${opts.name}`;
    this.seriesInPreviousEval = opts.rules.map(() => new Map());
    this.shouldRestore = opts.shouldRestore;
    opts.metrics.groupInterval.set({ rule_group: this.key }, opts.intervalMs / 1000);
    opts.metrics.groupRules.set({ rule_group: this.key }, opts.rules.length);
    // As upstream, the group's counters exist at 0 from the start, so `increase()` sees their first increment.
    const m = opts.metrics;
    for (const c of [m.evalTotal, m.evalFailures, m.iterationsMissed, m.iterationsScheduled]) c.inc({ rule_group: this.key }, 0);
  }

  get name(): string {
    return this.opts.name;
  }
  get file(): string {
    return this.opts.file;
  }
  get rules(): Rule[] {
    return this.opts.rules;
  }
  get intervalMs(): number {
    return this.opts.intervalMs;
  }

  /** Whether `other` has the same configuration (upstream `Group.Equals`). */
  equals(other: Group): boolean {
    return this.opts.signature === other.opts.signature;
  }

  /**
   * The latest slotted evaluation time at or before `nowMs`: the interval grid shifted by
   * `hash(file, name) mod interval`, as upstream `EvalTimestamp`.
   */
  evalTimestamp(nowMs: number): number {
    const intervalNs = BigInt(this.opts.intervalMs) * 1_000_000n;
    const offsetNs = labelsHash(['file', this.opts.file, 'name', this.opts.name]) % intervalNs;
    const offset = Number(offsetNs / 1_000_000n);
    const adj = nowMs - offset;
    const base = adj - (((adj % this.opts.intervalMs) + this.opts.intervalMs) % this.opts.intervalMs);
    return base + offset;
  }

  /** Starts periodic evaluation: the first iteration at the next slot after now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.iterations = 0;
    this.nextEval = this.evalTimestamp(this.opts.now()) + this.opts.intervalMs;
    this.schedule();
  }

  /** Stops periodic evaluation (an iteration in progress completes; evaluation is synchronous). */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    const delay = Math.max(0, this.nextEval - this.opts.now());
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref?.();
  }

  private tick(): void {
    if (!this.running) return;
    if (this.iterations > 0) {
      const missed = Math.floor((this.opts.now() - this.nextEval) / this.opts.intervalMs) - 1;
      if (missed > 0) {
        this.opts.metrics.iterationsMissed.inc({ rule_group: this.key }, missed);
        this.opts.metrics.iterationsScheduled.inc({ rule_group: this.key }, missed);
      }
      this.nextEval += (Math.max(missed, 0) + 1) * this.opts.intervalMs;
    }
    try {
      this.iterate(this.nextEval);
      this.iterations++;
      if (this.shouldRestore && this.iterations >= 2) {
        this.restoreForState(this.opts.now());
        this.shouldRestore = false;
      }
    } catch (e) {
      this.opts.log?.error('Rule group iteration failed', { group: this.name, err: (e as Error).message });
    } finally {
      if (this.running) {
        const wait = this.nextEval + this.opts.intervalMs;
        this.timer = setTimeout(() => this.tick(), Math.max(0, wait - this.opts.now()));
        this.timer.unref?.();
      }
    }
  }

  /** One iteration at evaluation time `ts` with its bookkeeping and metrics. */
  iterate(ts: number): void {
    const m = this.opts.metrics;
    m.iterationsScheduled.inc({ rule_group: this.key });
    const wall = this.opts.now();
    const t0 = performance.now();
    this.eval(ts);
    const seconds = (performance.now() - t0) / 1000;
    m.iterationDuration.observe(seconds);
    m.lastDuration.set({ rule_group: this.key }, seconds);
    m.lastEvalTimestamp.set({ rule_group: this.key }, wall / 1000);
    this.evaluationSeconds = seconds;
    this.lastEvaluation = wall;
    this.lastEvalTimestamp = ts;
  }

  /** Evaluates every rule in order at `ts` (ms), then writes pending staleness markers. */
  eval(ts: number): void {
    let samples = 0;
    this.opts.rules.forEach((rule, i) => {
      const wall = this.opts.now();
      const t0 = performance.now();
      samples += this.evalRule(i, rule, ts);
      const seconds = (performance.now() - t0) / 1000;
      rule.status.evaluationSeconds = seconds;
      rule.status.lastEvaluation = wall;
      this.opts.metrics.evalDuration.observe(seconds);
    });
    this.opts.metrics.lastEvalSamples.set({ rule_group: this.key }, samples);
    this.cleanupStaleSeries(ts);
  }

  /** Evaluates rule `i`; returns the number of samples it produced. */
  private evalRule(i: number, rule: Rule, ts: number): number {
    const { metrics, log, queryOffsetMs } = this.opts;
    const group = { rule_group: this.key };
    metrics.evalTotal.inc(group);
    let vector;
    try {
      vector = rule.eval(ts, queryOffsetMs, this.opts.query, this.opts.limit);
    } catch (e) {
      rule.status.health = 'err';
      rule.status.lastError = (e as Error).message;
      metrics.evalFailures.inc(group);
      log?.warn('Evaluating rule failed', { group: this.name, name: rule.name, index: i, err: (e as Error).message });
      return 0;
    }
    rule.status.health = 'ok';
    rule.status.lastError = '';
    if (rule instanceof AlertingRule) {
      const alerts = rule.alertsToSend(ts, this.opts.resendDelayMs, this.opts.intervalMs);
      if (alerts.length > 0) this.opts.notify(alerts);
    }

    const app = this.opts.storage.appender();
    const returned = new Map<string, Labels>();
    const failures: Record<string, number> = {};
    for (const s of vector) {
      let res: number;
      let msg: string;
      try {
        res = app.append(app.seriesRef(s.labels), s.t, s.v);
        msg = APPEND_ERRORS[res] ?? '';
      } catch (e) {
        res = -1;
        msg = (e as Error).message;
      }
      if (res === AppendResult.Ok) {
        returned.set(key(s.labels), s.labels);
        continue;
      }
      rule.status.health = 'err';
      rule.status.lastError = msg;
      failures[msg] = (failures[msg] ?? 0) + 1;
      log?.debug('Rule evaluation result discarded', { group: this.name, name: rule.name, err: msg, sample: labelsToString(s.labels) });
    }
    for (const [msg, n] of Object.entries(failures)) {
      log?.warn('Error on ingesting results from rule evaluation', { group: this.name, name: rule.name, err: msg, num_dropped: n });
    }
    for (const [k, lset] of this.seriesInPreviousEval[i]!) {
      if (returned.has(k)) continue;
      try {
        app.append(app.seriesRef(lset), ts - queryOffsetMs, STALE_NAN);
      } catch (e) {
        log?.warn('Adding stale sample failed', { sample: labelsToString(lset), err: (e as Error).message });
      }
    }
    try {
      app.commit();
    } catch (e) {
      rule.status.health = 'err';
      rule.status.lastError = (e as Error).message;
      metrics.evalFailures.inc(group);
      log?.warn('Rule sample appending failed', { group: this.name, name: rule.name, err: (e as Error).message });
      return vector.length;
    }
    this.seriesInPreviousEval[i] = returned;
    return vector.length;
  }

  /** Writes staleness markers (at `ts - queryOffset`) for the series in {@link staleSeries}. */
  cleanupStaleSeries(ts: number): void {
    if (this.staleSeries.length === 0) return;
    const app = this.opts.storage.appender();
    for (const lset of this.staleSeries) {
      try {
        app.append(app.seriesRef(lset), ts - this.opts.queryOffsetMs, STALE_NAN);
      } catch (e) {
        this.opts.log?.warn('Adding stale sample for previous configuration failed', { sample: labelsToString(lset), err: (e as Error).message });
      }
    }
    try {
      app.commit();
      this.staleSeries = [];
    } catch (e) {
      this.opts.log?.warn('Stale sample appending for previous configuration failed', { err: (e as Error).message });
    }
  }

  /** Marks every series this group wrote as stale, at `ts` (for a removed group). */
  markAllStale(ts: number): void {
    for (const m of this.seriesInPreviousEval) for (const l of m.values()) this.staleSeries.push(l);
    this.seriesInPreviousEval = this.opts.rules.map(() => new Map());
    try {
      this.cleanupStaleSeries(ts);
    } catch (e) {
      this.opts.log?.warn('Marking series of a removed group stale failed', { group: this.name, err: (e as Error).message });
    }
  }

  /**
   * Carries state over from the group this one replaces (upstream `CopyState`): rules are matched
   * by name and labels; matched rules keep their previous series and active alerts, series of
   * unmatched old rules are marked stale at the next evaluation.
   */
  copyState(from: Group): void {
    this.lastEvaluation = from.lastEvaluation;
    this.evaluationSeconds = from.evaluationSeconds;
    const ruleMap = new Map<string, number[]>();
    from.rules.forEach((r, fi) => {
      const k = nameAndLabels(r);
      ruleMap.set(k, [...(ruleMap.get(k) ?? []), fi]);
    });
    this.rules.forEach((rule, i) => {
      const k = nameAndLabels(rule);
      const indexes = ruleMap.get(k);
      if (!indexes || indexes.length === 0) return;
      const fi = indexes.shift()!;
      this.seriesInPreviousEval[i] = from.seriesInPreviousEval[fi]!;
      const old = from.rules[fi]!;
      if (rule instanceof AlertingRule && old instanceof AlertingRule) {
        for (const [h, a] of old.active) rule.active.set(h, a);
      }
    });
    this.staleSeries = [...from.staleSeries];
    for (const [, indexes] of ruleMap) {
      for (const fi of indexes) for (const l of from.seriesInPreviousEval[fi]!.values()) this.staleSeries.push(l);
    }
  }

  /**
   * Restores the `for` state of active alerts from `ALERTS_FOR_STATE` samples within the outage
   * tolerance before `ts` (upstream `RestoreForState`), then marks the rules restored.
   */
  restoreForState(ts: number): void {
    const { storage, outageToleranceMs, forGracePeriodMs, log } = this.opts;
    const mint = ts - outageToleranceMs;
    let querier;
    try {
      querier = storage.querier(mint, ts);
    } catch (e) {
      log?.error('Failed to get Querier', { err: (e as Error).message });
      return;
    }
    for (const rule of this.rules) {
      if (!(rule instanceof AlertingRule)) continue;
      const hold = rule.spec.holdMs;
      if (hold < forGracePeriodMs) {
        rule.restored = true;
        continue;
      }
      let series;
      try {
        series = querier.select(rule.forStateMatchers(), mint, ts);
      } catch (e) {
        log?.error('Failed to restore for state', { alertname: rule.name, err: (e as Error).message });
        continue;
      }
      const byLabels = new Map<string, { t: number; v: number }>();
      for (const s of series) {
        if (s.count === 0) continue;
        byLabels.set(key(dropMetricName(s.labels)), { t: s.ts[s.count - 1]!, v: s.vs[s.count - 1]! });
      }
      if (byLabels.size === 0) {
        rule.restored = true;
        continue;
      }
      for (const a of rule.active.values()) {
        const last = byLabels.get(key(a.labels));
        if (!last || isStaleNaN(last.v)) continue;
        const downAt = Math.trunc(last.t / 1000) * 1000;
        let activeAt = Math.trunc(last.v) * 1000;
        const remaining = hold - (downAt - activeAt);
        if (remaining <= 0) {
          // It was firing when the server went down; the next evaluation makes it fire again.
        } else if (remaining < forGracePeriodMs) {
          activeAt = ts + forGracePeriodMs - hold;
        } else {
          activeAt += ts - downAt;
        }
        a.activeAt = activeAt;
      }
      rule.restored = true;
    }
  }
}

/** Upstream `nameAndLabels`: how `copyState` matches old and new rules. */
function nameAndLabels(r: Rule): string {
  return r.name + JSON.stringify(r.labels);
}
