/** Alerts page: alerting rules by group with their state (inactive, pending, firing) and active alerts. */
import { useState } from 'preact/hooks';
import { apiGet, type Rule, type RuleGroup } from '../api';
import { Labels } from '../components/labels';
import { RunbookLink } from '../components/runbook-link';
import { LogsLink } from '../components/logs-link';
import { ago, humanDuration, shortValue } from '../format';
import { usePoll } from '../use-poll';

const STATES = ['firing', 'pending', 'inactive'] as const;

export function AlertsPage() {
  const { data, error } = usePoll(() => apiGet<{ groups: RuleGroup[] }>('rules', { type: 'alert' }).then((r) => r.data), 5000);
  const [show, setShow] = useState<Set<string>>(new Set(STATES));
  const rules = (data?.groups ?? []).flatMap((g) => g.rules.map((r) => ({ group: g, rule: r })));
  const counts = Object.fromEntries(STATES.map((s) => [s, rules.filter((r) => r.rule.state === s).length]));
  return (
    <div>
      <h1>Alerts</h1>
      <div class="filters">
        {STATES.map((s) => (
          <label class={`filter ${s}`}>
            <input
              type="checkbox"
              checked={show.has(s)}
              onChange={() => {
                const next = new Set(show);
                if (next.has(s)) next.delete(s);
                else next.add(s);
                setShow(next);
              }}
            />{' '}
            {s[0]!.toUpperCase() + s.slice(1)} ({counts[s]})
          </label>
        ))}
      </div>
      {error && <div class="error">Error: {error}</div>}
      {!data && !error && <p class="empty">Loading…</p>}
      {data && rules.length === 0 && <p class="empty">No alerting rules configured.</p>}
      {(data?.groups ?? []).map((g) => {
        const visible = g.rules.filter((r) => show.has(r.state ?? 'inactive'));
        if (visible.length === 0) return null;
        return (
          <section class="rule-group">
            <h2>
              {g.file} › {g.name}
            </h2>
            {visible.map((r) => (
              <AlertRule rule={r} />
            ))}
          </section>
        );
      })}
    </div>
  );
}

function AlertRule(props: { rule: Rule }) {
  const r = props.rule;
  const [open, setOpen] = useState(r.state !== 'inactive');
  return (
    <div class={`alert-rule ${r.state}`}>
      <div class="alert-head" onClick={() => setOpen(!open)}>
        <span class={`state ${r.state}`}>{r.state}</span> <strong>{r.name}</strong>
        {r.alerts && r.alerts.length > 0 && <span class="count"> ({r.alerts.length} active)</span>}
      </div>
      {open && (
        <div class="alert-body">
          <pre class="rule-def">
            {`alert: ${r.name}\nexpr: ${r.query}` +
              (r.duration ? `\nfor: ${humanDuration(r.duration).replace(' ', '')}` : '') +
              (r.labels && Object.keys(r.labels).length ? `\nlabels:\n${Object.entries(r.labels).map(([k, v]) => `  ${k}: ${v}`).join('\n')}` : '') +
              (r.annotations && Object.keys(r.annotations).length
                ? `\nannotations:\n${Object.entries(r.annotations).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`
                : '')}
          </pre>
          <RunbookLink annotations={r.annotations} />
          {r.lastError && <div class="error">{r.lastError}</div>}
          {r.alerts && r.alerts.length > 0 && (
            <table class="active-alerts">
              <thead>
                <tr>
                  <th>Labels</th>
                  <th>State</th>
                  <th>Active since</th>
                  <th>Value</th>
                </tr>
              </thead>
              <tbody>
                {r.alerts.map((a) => (
                  <tr>
                    <td>
                      <Labels labels={a.labels} /> <RunbookLink annotations={a.annotations} /> <LogsLink alert={a} />
                    </td>
                    <td>
                      <span class={`state ${a.state}`}>{a.state}</span>
                    </td>
                    <td>{ago(a.activeAt)}</td>
                    <td title={a.value}>{shortValue(a.value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </div>
  );
}
