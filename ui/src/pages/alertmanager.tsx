/**
 * Alertmanager page: the alerts the in-process Alertmanager holds, grouped as its routes group them
 * (`GET /api/v2/alerts/groups`), with a "Silence" button per alert, and the silences with an "Expire" button
 * (`GET /api/v2/silences`, `DELETE /api/v2/silence/{id}`).
 */
import { useState } from 'preact/hooks';
import { amFetch, type AlertGroup, type GettableAlert, type Matcher, type Silence } from '../am-api';
import { formatMatcher, matchersFor } from '../matchers';
import { Labels } from '../components/labels';
import { RunbookLink } from '../components/runbook-link';
import { SilenceForm } from '../components/silence-form';
import { ago } from '../format';
import { usePoll } from '../use-poll';

const SILENCE_ORDER = { active: 0, pending: 1, expired: 2 };

export function AlertmanagerPage() {
  const [tick, setTick] = useState(0);
  const refresh = () => setTick(tick + 1);
  const groups = usePoll(() => amFetch<AlertGroup[]>('alerts/groups'), 5000, tick);
  const silences = usePoll(() => amFetch<Silence[]>('silences'), 5000, tick);
  const [draft, setDraft] = useState<Matcher[] | undefined>();
  const [showSuppressed, setShowSuppressed] = useState(true);
  const [showExpired, setShowExpired] = useState(false);
  const [error, setError] = useState('');

  const expire = (id: string) =>
    amFetch(`silence/${encodeURIComponent(id)}`, { method: 'DELETE' }).then(refresh, (e: Error) => setError(e.message));

  const shownGroups = (groups.data ?? [])
    .map((g) => ({ ...g, alerts: g.alerts.filter((a) => showSuppressed || a.status.state !== 'suppressed') }))
    .filter((g) => g.alerts.length > 0);
  const shownSilences = (silences.data ?? [])
    .filter((s) => showExpired || s.status.state !== 'expired')
    .sort((a, b) => SILENCE_ORDER[a.status.state] - SILENCE_ORDER[b.status.state] || b.updatedAt.localeCompare(a.updatedAt));

  return (
    <div class="alertmanager">
      <h1>Alertmanager</h1>
      {draft && (
        <section>
          <SilenceForm
            matchers={draft}
            onDone={() => {
              setDraft(undefined);
              refresh();
            }}
          />
        </section>
      )}
      {error && <div class="error">{error}</div>}

      <h2>
        Alert groups <span class="muted">as the routes group them</span>
      </h2>
      <div class="filters">
        <label>
          <input type="checkbox" checked={showSuppressed} onChange={() => setShowSuppressed(!showSuppressed)} /> Show silenced and inhibited
        </label>
        <button onClick={() => setDraft([])}>New silence</button>
      </div>
      {groups.error && <div class="error">Error: {groups.error}</div>}
      {groups.data && shownGroups.length === 0 && <p class="empty">No alerts.</p>}
      {shownGroups.map((g) => (
        <section class="alert-group">
          <h2>
            <Labels labels={g.labels} /> <span class="muted">→ receiver {g.receiver.name}</span>
          </h2>
          <table class="am-alerts">
            <tbody>
              {g.alerts.map((a) => (
                <AlertRow alert={a} groupLabels={g.labels} onSilence={() => setDraft(matchersFor(a.labels))} />
              ))}
            </tbody>
          </table>
        </section>
      ))}

      <h2>Silences</h2>
      <div class="filters">
        <label>
          <input type="checkbox" checked={showExpired} onChange={() => setShowExpired(!showExpired)} /> Show expired
        </label>
      </div>
      {silences.error && <div class="error">Error: {silences.error}</div>}
      {silences.data && shownSilences.length === 0 && <p class="empty">No silences.</p>}
      {shownSilences.length > 0 && (
        <table class="silences">
          <thead>
            <tr>
              <th>State</th>
              <th>Matchers</th>
              <th>Ends</th>
              <th>Creator</th>
              <th>Comment</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shownSilences.map((s) => (
              <tr data-id={s.id}>
                <td>
                  <span class={`state silence-${s.status.state}`}>{s.status.state}</span>
                </td>
                <td>
                  <span class="labels">
                    {s.matchers.map((m) => (
                      <span class="badge">{formatMatcher(m)}</span>
                    ))}
                  </span>
                </td>
                <td title={s.endsAt}>{new Date(s.endsAt).toLocaleString()}</td>
                <td>{s.createdBy}</td>
                <td>{s.comment}</td>
                <td>{s.status.state !== 'expired' && <button onClick={() => void expire(s.id)}>Expire</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function AlertRow(props: { alert: GettableAlert; groupLabels: Record<string, string>; onSilence: () => void }) {
  const a = props.alert;
  const own = Object.fromEntries(Object.entries(a.labels).filter(([k]) => !(k in props.groupLabels)));
  const suppressed = a.status.silencedBy.length > 0 ? 'silenced' : a.status.inhibitedBy.length > 0 ? 'inhibited' : '';
  return (
    <tr class={`am-alert ${a.status.state}`}>
      <td>
        <span class={`state ${suppressed ? 'suppressed' : 'firing'}`}>{suppressed || a.status.state}</span>
      </td>
      <td>
        <Labels labels={own} />
        {a.annotations.summary && <div class="summary">{a.annotations.summary}</div>}
      </td>
      <td title={a.startsAt}>since {ago(a.startsAt)}</td>
      <td>
        <RunbookLink annotations={a.annotations} />{' '}
        {a.generatorURL && (
          <a href={a.generatorURL} class="source">
            Source
          </a>
        )}{' '}
        <button onClick={props.onSilence}>Silence</button>
      </td>
    </tr>
  );
}
