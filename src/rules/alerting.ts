/**
 * Alerting rules, as Prometheus's `rules.AlertingRule` and the alert-generator compliance
 * specification: each evaluation turns the result vector into alerts (labels templated, then
 * `alertname`), moves them through pending → firing → inactive (`for`, `keep_firing_for`), keeps
 * resolved alerts 15 minutes for re-sending, produces `ALERTS{alertstate}` and `ALERTS_FOR_STATE`
 * samples, and decides which alerts go to the Alertmanager (resend delay, `endsAt`).
 *
 * Times are ms; `null` stands for Go's zero `time.Time`.
 */
import { compareStrings, fromObject, key, LabelsBuilder, METRIC_NAME, type Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import type { PostableAlert } from '../alertmanager/types.js';
import type { Expr } from '../promql/index.js';
import { queryEscape } from '../template/index.js';
import { RuleStatus, type QueryFunc, type RuleSample } from './rule.js';
import { AlertTemplateData, AlertTemplateExpander } from './template.js';

/** State of one alert instance. */
export type AlertState = 'pending' | 'firing' | 'inactive';

/** How long a resolved alert is kept (and re-sent) after it resolved: upstream `resolvedRetention`. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

/** Upstream's error for two results with one label set after templating. */
export const DUPLICATE_ALERT_LABELSET = 'vector contains metrics with the same labelset after applying alert labels';

/** One alert instance of an alerting rule. */
export interface Alert {
  state: AlertState;
  /** Sorted label set, including `alertname`, without `__name__`. */
  labels: Labels;
  /** Expanded annotations, in name order (empty values kept). */
  annotations: Record<string, string>;
  /** Value of the sample that produced the alert at the last evaluation. */
  value: number;
  activeAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
  lastSentAt: number | null;
  validUntil: number | null;
  keepFiringSince: number | null;
}

/** Definition of an alerting rule (labels and annotations are template texts). */
export interface AlertingRuleSpec {
  name: string;
  /** Expression text as written in the rule file. */
  expr: string;
  /** Parsed expression, or its text for a query language the group's {@link QueryFunc} parses itself (LogQL). */
  query: string | Expr;
  /** `for` (ms). */
  holdMs: number;
  /** `keep_firing_for` (ms). */
  keepFiringForMs: number;
  /** Rule labels (group labels merged in), as template texts. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  externalLabels: Record<string, string>;
  externalURL: string;
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort(compareStrings)) out[k] = r[k]!;
  return out;
}

/** Text of a time for the Alertmanager API (RFC 3339 with milliseconds, UTC). */
function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/** An alerting rule with its active alerts. */
export class AlertingRule {
  readonly kind = 'alerting';
  readonly status = new RuleStatus();
  /** Alerts by label-set key: pending, firing, and resolved ones kept for re-sending. */
  readonly active = new Map<string, Alert>();
  /** Whether `for` state was restored; ALERTS samples are only written after that (as upstream). */
  restored: boolean;
  private readonly expander: AlertTemplateExpander;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;

  constructor(
    readonly spec: AlertingRuleSpec,
    restored: boolean,
    private readonly onTemplateError?: (err: Error) => void,
  ) {
    this.restored = restored;
    this.labels = sortedRecord(spec.labels);
    this.annotations = sortedRecord(spec.annotations);
    this.expander = new AlertTemplateExpander(spec.name, spec.externalURL);
  }

  get name(): string {
    return this.spec.name;
  }

  /**
   * Evaluates the rule at `t` (ms) with the query `offsetMs` before it and returns the ALERTS and
   * ALERTS_FOR_STATE samples to append (timestamped `t - offsetMs`).
   * @throws {Error} on query failure, duplicate label sets after templating, or when more than
   *   `limit` (> 0) alerts are active (all alerts are then dropped, as upstream).
   */
  eval(t: number, offsetMs: number, query: QueryFunc, limit: number): RuleSample[] {
    const res = query(this.spec.query, t - offsetMs);
    const fresh = new Map<string, Alert>();
    const lb = new LabelsBuilder();
    for (const s of res) {
      const sampleLabels: Record<string, string> = {};
      for (let i = 0; i < s.labels.length; i += 2) sampleLabels[s.labels[i]!] = s.labels[i + 1]!;
      const data = new AlertTemplateData(sampleLabels, this.spec.externalLabels, this.spec.externalURL, s.v);
      const expand = (text: string) => this.expander.expand(text, data, query, t, this.onTemplateError);
      lb.reset(s.labels).del(METRIC_NAME);
      for (const [k, v] of Object.entries(this.labels)) lb.set(k, expand(v));
      lb.set('alertname', this.name);
      const annotations: Record<string, string> = {};
      for (const [k, v] of Object.entries(this.annotations)) annotations[k] = expand(v);
      const labels = lb.labels();
      const h = key(labels);
      if (fresh.has(h)) throw new Error(DUPLICATE_ALERT_LABELSET);
      fresh.set(h, {
        state: 'pending',
        labels,
        annotations,
        value: s.v,
        activeAt: t,
        firedAt: null,
        resolvedAt: null,
        lastSentAt: null,
        validUntil: null,
        keepFiringSince: null,
      });
    }

    for (const [h, a] of fresh) {
      const existing = this.active.get(h);
      if (existing && existing.state !== 'inactive') {
        existing.value = a.value;
        existing.annotations = a.annotations;
        continue;
      }
      this.active.set(h, a);
    }

    const out: RuleSample[] = [];
    let activeCount = 0;
    for (const [h, a] of this.active) {
      if (!fresh.has(h)) {
        let keepFiring = false;
        if (a.state === 'firing' && this.spec.keepFiringForMs > 0) {
          if (a.keepFiringSince === null) a.keepFiringSince = t;
          if (t - a.keepFiringSince < this.spec.keepFiringForMs) keepFiring = true;
        }
        if (a.state === 'pending' || (a.resolvedAt !== null && t - a.resolvedAt > RESOLVED_RETENTION_MS)) {
          this.active.delete(h);
        }
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAt = t;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = null;
      }
      activeCount++;
      if (a.state === 'pending' && t - a.activeAt >= this.spec.holdMs) {
        a.state = 'firing';
        a.firedAt = t;
      }
      if (this.restored) {
        out.push(this.alertsSample(a, t - offsetMs));
        out.push({ labels: this.forStateLabels(a), t: t - offsetMs, v: Math.floor(a.activeAt / 1000) });
      }
    }
    if (limit > 0 && activeCount > limit) {
      this.active.clear();
      throw new Error(`exceeded limit of ${limit} with ${activeCount} alerts`);
    }
    return out;
  }

  /** `ALERTS{alertstate="…", …}` sample of an alert (value 1). */
  private alertsSample(a: Alert, t: number): RuleSample {
    const lb = new LabelsBuilder(fromObject(this.labels));
    for (let i = 0; i < a.labels.length; i += 2) lb.set(a.labels[i]!, a.labels[i + 1]!);
    lb.set(METRIC_NAME, 'ALERTS').set('alertname', this.name).set('alertstate', a.state);
    return { labels: lb.labels(), t, v: 1 };
  }

  /** Labels of the `ALERTS_FOR_STATE` series of an alert, or of the rule's series when `a` is null. */
  forStateLabels(a: Alert | null): Labels {
    const lb = new LabelsBuilder(fromObject(this.labels));
    if (a) for (let i = 0; i < a.labels.length; i += 2) lb.set(a.labels[i]!, a.labels[i + 1]!);
    lb.set(METRIC_NAME, 'ALERTS_FOR_STATE').set('alertname', this.name);
    return lb.labels();
  }

  /** Equality matchers selecting every `ALERTS_FOR_STATE` series of this rule (upstream `QueryForStateSeries`). */
  forStateMatchers(): Matcher[] {
    const ls = this.forStateLabels(null);
    const out: Matcher[] = [];
    for (let i = 0; i < ls.length; i += 2) out.push(new Matcher('=', ls[i]!, ls[i + 1]!));
    return out;
  }

  /**
   * The alerts to send after an evaluation at `t`: firing and resolved alerts not sent within
   * `resendDelayMs`, or resolved since their last send. Marks them sent; firing alerts get
   * `endsAt = t + 4 × max(intervalMs, resendDelayMs)`, resolved ones `endsAt = resolvedAt`.
   */
  alertsToSend(t: number, resendDelayMs: number, intervalMs: number): PostableAlert[] {
    const out: PostableAlert[] = [];
    for (const a of this.active.values()) {
      if (!needsSending(a, t, resendDelayMs)) continue;
      a.lastSentAt = t;
      a.validUntil = t + 4 * Math.max(intervalMs, resendDelayMs);
      const labels: Record<string, string> = {};
      for (let i = 0; i < a.labels.length; i += 2) labels[a.labels[i]!] = a.labels[i + 1]!;
      out.push({
        labels,
        annotations: { ...a.annotations },
        startsAt: isoMillis(a.firedAt ?? a.activeAt),
        endsAt: isoMillis(a.resolvedAt ?? a.validUntil),
        generatorURL: `${this.spec.externalURL}/graph?g0.expr=${queryEscape(this.spec.expr)}&g0.tab=1`,
      });
    }
    return out;
  }

  /** Highest state of the rule's alerts; `unknown` before the first evaluation (upstream `State`). */
  state(): AlertState | 'unknown' {
    if (this.status.lastEvaluation === null) return 'unknown';
    let s: AlertState = 'inactive';
    for (const a of this.active.values()) {
      if (a.state === 'firing') return 'firing';
      if (a.state === 'pending') s = 'pending';
    }
    return s;
  }

  /** Pending and firing alerts (not the resolved ones still kept), sorted by labels. */
  activeAlerts(): Alert[] {
    return [...this.active.values()]
      .filter((a) => a.resolvedAt === null)
      .sort((x, y) => compareStrings(key(x.labels), key(y.labels)));
  }
}

/** Upstream `Alert.needsSending`. */
function needsSending(a: Alert, t: number, resendDelayMs: number): boolean {
  if (a.state === 'pending') return false;
  if (a.resolvedAt !== null && (a.lastSentAt === null || a.resolvedAt > a.lastSentAt)) return true;
  return a.lastSentAt === null || a.lastSentAt + resendDelayMs < t;
}
