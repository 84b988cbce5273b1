/**
 * JSON `data` of `GET /api/v1/rules` and `GET /api/v1/alerts`, shaped as Prometheus 3.x returns
 * them (times RFC 3339 with nanosecond precision trimmed, durations in float seconds, alert values
 * in Go `%e` form such as `1e+00`).
 */
import { formatFloat, GoTime } from '../template/index.js';
import { AlertingRule, type Alert } from './alerting.js';
import type { Group } from './group.js';

/** Go's JSON rendering of a `time.Time` (RFC 3339, fraction trimmed); null is Go's zero time. */
export function goJSONTime(ms: number | null): string {
  return ms === null ? '0001-01-01T00:00:00Z' : GoTime.fromMs(ms).Format('2006-01-02T15:04:05.999999999Z07:00');
}

/** One alert as the rules and alerts APIs show it. */
export interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt: string;
  keepFiringSince?: string;
  value: string;
}

function labelsObject(ls: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < ls.length; i += 2) out[ls[i]!] = ls[i + 1]!;
  return out;
}

/** Upstream `rulesAlertsToAPIAlerts`. */
export function apiAlert(a: Alert): ApiAlert {
  const out: ApiAlert = {
    labels: labelsObject(a.labels),
    annotations: { ...a.annotations },
    state: a.state,
    activeAt: goJSONTime(a.activeAt),
    value: formatFloat(a.value, 'e', -1),
  };
  if (a.keepFiringSince !== null) out.keepFiringSince = goJSONTime(a.keepFiringSince);
  return out;
}

/** `data` of `GET /api/v1/rules`; groups left without rules by the filter are omitted. */
export function rulesData(groups: Iterable<Group>, filter?: { type?: 'alert' | 'record' }): { groups: unknown[] } {
  const out: unknown[] = [];
  for (const g of groups) {
    const rules: unknown[] = [];
    for (const r of g.rules) {
      const common = {
        health: r.status.health,
        ...(r.status.lastError ? { lastError: r.status.lastError } : {}),
        evaluationTime: r.status.evaluationSeconds,
        lastEvaluation: goJSONTime(r.status.lastEvaluation),
      };
      if (r instanceof AlertingRule) {
        if (filter?.type === 'record') continue;
        rules.push({
          state: r.state(),
          name: r.name,
          query: r.spec.expr,
          duration: r.spec.holdMs / 1000,
          keepFiringFor: r.spec.keepFiringForMs / 1000,
          labels: r.labels,
          annotations: r.annotations,
          alerts: r.activeAlerts().map(apiAlert),
          ...common,
          type: 'alerting',
        });
      } else {
        if (filter?.type === 'alert') continue;
        const labels = Object.keys(r.labels).length > 0 ? { labels: r.labels } : {};
        rules.push({ name: r.name, query: r.spec.expr, ...labels, ...common, type: 'recording' });
      }
    }
    if (rules.length === 0) continue;
    out.push({
      name: g.name,
      file: g.file,
      rules,
      interval: g.intervalMs / 1000,
      limit: g.opts.limit,
      evaluationTime: g.evaluationSeconds,
      lastEvaluation: goJSONTime(g.lastEvaluation),
    });
  }
  return { groups: out };
}

/** `data` of `GET /api/v1/alerts`: pending and firing alerts of every alerting rule. */
export function alertsData(groups: Iterable<Group>): { alerts: ApiAlert[] } {
  const alerts: ApiAlert[] = [];
  for (const g of groups) {
    for (const r of g.rules) if (r instanceof AlertingRule) for (const a of r.activeAlerts()) alerts.push(apiAlert(a));
  }
  return { alerts };
}
