/**
 * Backtest page: paste rule-file YAML, pick a time range, and see when each alert would have fired
 * and resolved over the stored history, how often it flapped, and how many notifications the
 * current Alertmanager routing would have sent (`POST /api/v1/backtest`).
 */
import { useState } from 'preact/hooks';
import type { ApiResponse, Metric } from '../api';
import { Labels } from '../components/labels';
import { humanDuration } from '../format';

interface BacktestAnswer {
  from: string;
  to: string;
  evaluations: number;
  history: { series: number; samples: number };
  alerts: { alertname: string; labels: Metric; firings: { start: string; end: string | null }[]; flaps: number; firingSeconds: number }[];
  notifications: { receiver: string; groupLabels: Metric; times: string[] }[] | null;
  failures: { group: string; rule: string; first: string; count: number; error: string }[];
}

const EXAMPLE = `groups:
  - name: tuning
    rules:
      - alert: HighErrorRate
        expr: sum(rate(app_requests_total{status=~"5.."}[5m])) / sum(rate(app_requests_total[5m])) > 0.05
        for: 5m
`;

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

function withoutName(labels: Metric): Metric {
  const rest = { ...labels };
  delete rest.alertname;
  return rest;
}

export function BacktestPage() {
  const [rules, setRules] = useState(EXAMPLE);
  const [from, setFrom] = useState(() => isoSeconds(Date.now() - 6 * 3600_000));
  const [to, setTo] = useState(() => isoSeconds(Date.now()));
  const [result, setResult] = useState<BacktestAnswer | null>(null);
  const [error, setError] = useState('');
  const [running, setRunning] = useState(false);

  const run = async () => {
    setRunning(true);
    setError('');
    try {
      const res = await fetch('/api/v1/backtest', { method: 'POST', body: new URLSearchParams({ rules, from, to }) });
      const body = (await res.json()) as ApiResponse<BacktestAnswer>;
      if (body.status !== 'success') throw new Error(body.error ?? `${res.status} ${res.statusText}`);
      setResult(body.data!);
    } catch (e) {
      setResult(null);
      setError((e as Error).message);
    } finally {
      setRunning(false);
    }
  };

  return (
    <div>
      <h1>Backtest</h1>
      <p class="muted">Evaluate rules over stored history before deploying them: when would each alert have fired, and how noisy would it have been?</p>
      <textarea class="expr backtest-rules" rows={10} value={rules} onInput={(e) => setRules((e.target as HTMLTextAreaElement).value)} />
      <div class="backtest-range">
        <label>
          From <input class="backtest-from" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          To <input class="backtest-to" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </label>
        <button class="primary" disabled={running} onClick={() => void run()}>
          {running ? 'Running…' : 'Run backtest'}
        </button>
      </div>
      {error && <div class="error">Error: {error}</div>}
      {result && <BacktestResult r={result} />}
    </div>
  );
}

function BacktestResult({ r }: { r: BacktestAnswer }) {
  const total = r.notifications?.reduce((n, g) => n + g.times.length, 0) ?? 0;
  return (
    <section class="backtest-result">
      <p class="stats">
        {r.evaluations} group evaluations from {r.from} to {r.to} over {r.history.series} series ({r.history.samples} samples).
      </p>
      {r.alerts.length === 0 && <p class="empty">No alert would have fired.</p>}
      {r.alerts.length > 0 && (
        <table class="backtest-alerts">
          <thead>
            <tr>
              <th>Alert</th>
              <th>Fired</th>
              <th>Flaps</th>
              <th>Firing</th>
              <th>Periods</th>
            </tr>
          </thead>
          <tbody>
            {r.alerts.map((a) => (
              <tr>
                <td>
                  <strong>{a.alertname}</strong> <Labels labels={withoutName(a.labels)} />
                </td>
                <td>{a.firings.length}</td>
                <td>{a.flaps}</td>
                <td>{humanDuration(a.firingSeconds)}</td>
                <td>
                  {a.firings.map((f) => (
                    <div>
                      {f.start} → {f.end ?? 'still firing'}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r.notifications && (
        <>
          <h2>Notifications: {total}</h2>
          <table class="backtest-notifications">
            <thead>
              <tr>
                <th>Receiver</th>
                <th>Group</th>
                <th>Count</th>
              </tr>
            </thead>
            <tbody>
              {r.notifications.map((g) => (
                <tr>
                  <td>{g.receiver}</td>
                  <td>
                    <Labels labels={g.groupLabels} />
                  </td>
                  <td>{g.times.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {r.failures.map((f) => (
        <div class="error">
          {f.group} / {f.rule}: failed {f.count} times from {f.first}: {f.error}
        </div>
      ))}
    </section>
  );
}
