/**
 * A "logs" link from an alert to the logs explorer: the stream selector `{job="…", instance="…"}` of the
 * alert's labels (those it has), over 15 minutes either side of the time it became active.
 */
import type { ActiveAlert } from '../api';

const AROUND_MS = 15 * 60_000;

/** The `/logs` deep link for `alert`, or undefined when it has neither a job nor an instance label. */
export function alertLogsHref(alert: Pick<ActiveAlert, 'labels' | 'activeAt'>, now = Date.now()): string | undefined {
  const matchers = ['job', 'instance'].filter((k) => alert.labels[k] !== undefined).map((k) => `${k}=${JSON.stringify(alert.labels[k])}`);
  if (matchers.length === 0) return undefined;
  const at = alert.activeAt ? Date.parse(alert.activeAt) : NaN;
  const from = Number.isNaN(at) ? now - 2 * AROUND_MS : at - AROUND_MS;
  const to = Number.isNaN(at) ? now : Math.min(now, at + AROUND_MS);
  return `/logs?${new URLSearchParams({ query: `{${matchers.join(', ')}}`, from: String(from), to: String(Math.max(to, from + 60_000)) })}`;
}

export function LogsLink(props: { alert: ActiveAlert }) {
  const href = alertLogsHref(props.alert);
  return href ? (
    <a class="logs-link" href={href} title="Logs of this target around the time the alert became active">
      logs
    </a>
  ) : null;
}
