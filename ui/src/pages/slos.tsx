/**
 * SLO page: one row per service level objective generated from the SLO file, read from the
 * recorded series (`slo:objective:ratio`, `slo:sli_error:ratio_rate1h` / `…1d`,
 * `slo:error_budget:remaining_ratio`) and the firing `ErrorBudgetBurn` alerts.
 */
import { apiGet, type InstantSample, type QueryData } from '../api';
import { usePoll } from '../use-poll';

interface SloRow {
  service: string;
  slo: string;
  objective?: number;
  error1h?: number;
  error1d?: number;
  remaining?: number;
  burning: string[];
}

async function vector(query: string): Promise<InstantSample[]> {
  const { data } = await apiGet<QueryData>('query', { query });
  return data.resultType === 'vector' ? data.result : [];
}

async function loadSlos(): Promise<SloRow[]> {
  const [objective, error1h, error1d, remaining, alerts] = await Promise.all([
    vector('slo:objective:ratio'),
    vector('slo:sli_error:ratio_rate1h'),
    vector('slo:sli_error:ratio_rate1d'),
    vector('slo:error_budget:remaining_ratio'),
    vector('ALERTS{alertname="ErrorBudgetBurn", alertstate="firing"}'),
  ]);
  const rows = new Map<string, SloRow>();
  const row = (s: InstantSample) => {
    const k = `${s.metric.service}\u0000${s.metric.slo}`;
    let r = rows.get(k);
    if (!r) {
      r = { service: s.metric.service ?? '', slo: s.metric.slo ?? '', burning: [] };
      rows.set(k, r);
    }
    return r;
  };
  for (const s of objective) row(s).objective = Number(s.value[1]);
  for (const s of error1h) row(s).error1h = Number(s.value[1]);
  for (const s of error1d) row(s).error1d = Number(s.value[1]);
  for (const s of remaining) row(s).remaining = Number(s.value[1]);
  for (const s of alerts) row(s).burning.push(s.metric.severity ?? '');
  return [...rows.values()].sort((a, b) => a.service.localeCompare(b.service) || a.slo.localeCompare(b.slo));
}

function percent(v: number | undefined, digits = 2): string {
  if (v === undefined || Number.isNaN(v)) return '–';
  return `${(v * 100).toFixed(digits)}%`;
}

export function SlosPage() {
  const { data, error } = usePoll(loadSlos, 15000);
  return (
    <div>
      <h1>SLOs</h1>
      {error && <div class="error">Error: {error}</div>}
      {data && data.length === 0 && <p class="empty">No SLOs: list them in slos.yml beside the configuration file (or --slo.file).</p>}
      {data && data.length > 0 && (
        <table class="slos">
          <thead>
            <tr>
              <th>Service</th>
              <th>SLO</th>
              <th>Objective</th>
              <th>Errors (1h)</th>
              <th>Errors (1d)</th>
              <th>Error budget left</th>
              <th>Burn alerts</th>
            </tr>
          </thead>
          <tbody>
            {data.map((r) => (
              <tr>
                <td>{r.service}</td>
                <td>{r.slo}</td>
                <td>{percent(r.objective, 3)}</td>
                <td>{percent(r.error1h)}</td>
                <td>{percent(r.error1d)}</td>
                <td class={r.remaining !== undefined && r.remaining < 0 ? 'error-text' : ''}>{percent(r.remaining, 1)}</td>
                <td>
                  {r.burning.length === 0 ? (
                    <span class="state inactive">ok</span>
                  ) : (
                    r.burning.sort().map((s) => <span class="state firing">{s}</span>)
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
