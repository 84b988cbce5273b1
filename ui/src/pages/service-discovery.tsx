/**
 * Service discovery page, as Prometheus's: per scrape pool, each discovered target's labels before
 * relabeling next to its target labels after, or "Dropped" when relabeling dropped it.
 */
import { useState } from 'preact/hooks';
import { apiGet, type Metric, type Target } from '../api';
import { Labels } from '../components/labels';
import { usePoll } from '../use-poll';

interface DroppedTarget {
  discoveredLabels: Metric;
  scrapePool: string;
}

interface Row {
  discovered: Metric;
  labels?: Metric;
}

export function ServiceDiscoveryPage() {
  const { data, error } = usePoll(
    () => apiGet<{ activeTargets: Target[]; droppedTargets: DroppedTarget[] }>('targets', { state: 'any' }).then((r) => r.data),
    10_000,
  );
  const [showDropped, setShowDropped] = useState(true);
  const pools = new Map<string, { rows: Row[]; active: number; dropped: number }>();
  const pool = (name: string) => pools.get(name) ?? pools.set(name, { rows: [], active: 0, dropped: 0 }).get(name)!;
  for (const t of data?.activeTargets ?? []) {
    const p = pool(t.scrapePool);
    p.rows.push({ discovered: t.discoveredLabels, labels: t.labels });
    p.active++;
  }
  for (const t of data?.droppedTargets ?? []) {
    const p = pool(t.scrapePool);
    if (showDropped) p.rows.push({ discovered: t.discoveredLabels });
    p.dropped++;
  }
  return (
    <div>
      <h1>Service discovery</h1>
      <div class="filters">
        <label>
          <input type="checkbox" checked={showDropped} onChange={() => setShowDropped(!showDropped)} /> Show dropped targets
        </label>
      </div>
      {error && <div class="error">Error: {error}</div>}
      {!data && !error && <p class="empty">Loading…</p>}
      {data && pools.size === 0 && <p class="empty">No scrape pools configured.</p>}
      {[...pools].map(([name, p]) => (
        <section class="pool">
          <h2>
            {name}{' '}
            <span class="muted">
              ({p.active} active / {p.active + p.dropped} discovered)
            </span>
          </h2>
          <table class="discovery">
            <thead>
              <tr>
                <th>Discovered labels</th>
                <th>Target labels</th>
              </tr>
            </thead>
            <tbody>
              {p.rows.map((r) => (
                <tr class={r.labels ? 'active' : 'dropped'}>
                  <td>
                    <Labels labels={r.discovered} />
                  </td>
                  <td>{r.labels ? <Labels labels={r.labels} /> : <span class="state dropped">Dropped</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </div>
  );
}
