/** Rules page: every rule group with each rule's health, last evaluation and evaluation time. */
import { apiGet, type RuleGroup } from '../api';
import { ago, humanDuration } from '../format';
import { usePoll } from '../use-poll';

export function RulesPage() {
  const { data, error } = usePoll(() => apiGet<{ groups: RuleGroup[] }>('rules').then((r) => r.data), 10000);
  return (
    <div>
      <h1>Rules</h1>
      {error && <div class="error">Error: {error}</div>}
      {data && data.groups.length === 0 && <p class="empty">No rule groups configured.</p>}
      {(data?.groups ?? []).map((g) => (
        <section class="rule-group">
          <h2>
            {g.name} <span class="muted">({g.file}, every {g.interval}s, last evaluated {ago(g.lastEvaluation)} in {humanDuration(g.evaluationTime)})</span>
          </h2>
          <table class="rules">
            <thead>
              <tr>
                <th>Rule</th>
                <th>Health</th>
                <th>Last evaluation</th>
                <th>Evaluation time</th>
              </tr>
            </thead>
            <tbody>
              {g.rules.map((r) => (
                <tr>
                  <td>
                    <pre class="rule-def">{r.type === 'alerting' ? `alert: ${r.name}\nexpr: ${r.query}` : `record: ${r.name}\nexpr: ${r.query}`}</pre>
                    {r.lastError && <div class="error">{r.lastError}</div>}
                  </td>
                  <td>
                    <span class={`state ${r.health === 'ok' ? 'up' : r.health === 'err' ? 'down' : 'unknown'}`}>{r.health}</span>
                  </td>
                  <td>{ago(r.lastEvaluation)}</td>
                  <td>{humanDuration(r.evaluationTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </div>
  );
}
