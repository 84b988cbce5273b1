/**
 * The text report of `lookout backtest rules`: per alert series its firing periods (RFC 3339, UTC),
 * how often it fired and flapped (fired again after resolving), time spent firing; then the
 * notifications per Alertmanager aggregation group and the rules that failed to evaluate.
 */
import { fromObject, toString } from '../../model/labels.js';
import { formatDuration } from '../../model/time.js';
import type { BacktestResult } from './evaluate.js';
import type { GroupNotifications } from './notify.js';

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** An alert series as `Name{label="value", …}` (without the `alertname` label). */
function alertTitle(alertname: string, labels: Record<string, string>): string {
  const rest = { ...labels };
  delete rest.alertname;
  const text = toString(fromObject(rest));
  return `${alertname}${text === '' ? '' : text}`;
}

/**
 * The report lines.
 * @param notifications null when no Alertmanager configuration was given
 * @param amFile the Alertmanager configuration's file name, for the heading
 */
export function backtestReport(r: BacktestResult, notifications: GroupNotifications[] | null, amFile = ''): string[] {
  const out: string[] = [];
  const fired = r.alerts.reduce((n, a) => n + a.firings.length, 0);
  out.push(`Backtest from ${iso(r.fromMs)} to ${iso(r.toMs)}: ${r.evaluations} group evaluations.`);
  out.push(`${r.alerts.length} alert series fired ${fired} times.`);
  for (const a of r.alerts) {
    const flaps = a.firings.length - 1;
    const firingMs = a.firings.reduce((n, f) => n + ((f.endMs ?? r.toMs) - f.startMs), 0);
    out.push('');
    out.push(alertTitle(a.alertname, a.labels));
    out.push(`  fired ${a.firings.length} time${a.firings.length === 1 ? '' : 's'}, ${flaps} flap${flaps === 1 ? '' : 's'}, firing ${formatDuration(firingMs)} in total`);
    for (const f of a.firings) {
      out.push(f.endMs === null ? `  ${iso(f.startMs)} → still firing` : `  ${iso(f.startMs)} → ${iso(f.endMs)} (${formatDuration(f.endMs - f.startMs)})`);
    }
  }
  if (notifications) {
    const total = notifications.reduce((n, g) => n + g.times.length, 0);
    out.push('');
    out.push(`Notifications${amFile ? ` with ${amFile}` : ''}: ${total}`);
    for (const g of notifications) {
      const labels = toString(fromObject(g.groupLabels)) || '{}';
      out.push(`  ${g.receiver} ${labels}: ${g.times.length}${g.times.length > 0 ? ` (${g.times.map(iso).join(', ')})` : ''}`);
    }
  }
  if (r.failures.length > 0) {
    out.push('');
    out.push('Rule evaluation failures:');
    for (const f of r.failures) out.push(`  ${f.group} / ${f.rule}: ${f.count} times from ${iso(f.firstAtMs)}: ${f.error}`);
  }
  return out;
}
