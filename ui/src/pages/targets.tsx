/** Targets page: every scrape pool with its targets' health, labels, last scrape and error. */
import { apiGet, type Target } from '../api';
import { Labels } from '../components/labels';
import { ago, humanDuration } from '../format';
import { usePoll } from '../use-poll';

export function TargetsPage() {
  const { data, error } = usePoll(() => apiGet<{ activeTargets: Target[] }>('targets', { state: 'active' }).then((r) => r.data), 5000);
  const pools = new Map<string, Target[]>();
  for (const t of data?.activeTargets ?? []) {
    if (!pools.has(t.scrapePool)) pools.set(t.scrapePool, []);
    pools.get(t.scrapePool)!.push(t);
  }
  return (
    <div>
      <h1>Targets</h1>
      {error && <div class="error">Error: {error}</div>}
      {!data && !error && <p class="empty">Loading…</p>}
      {data && pools.size === 0 && <p class="empty">No targets configured.</p>}
      {[...pools].map(([pool, targets]) => {
        const up = targets.filter((t) => t.health === 'up').length;
        return (
          <section class="pool">
            <h2>
              {pool}{' '}
              <span class={up === targets.length ? 'count ok' : 'count bad'}>
                ({up}/{targets.length} up)
              </span>
            </h2>
            <table class="targets">
              <thead>
                <tr>
                  <th>Endpoint</th>
                  <th>State</th>
                  <th>Labels</th>
                  <th>Last scrape</th>
                  <th>Scrape duration</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {targets.map((t) => (
                  <tr>
                    <td>
                      <a href={t.scrapeUrl}>{t.scrapeUrl}</a>
                    </td>
                    <td>
                      <span class={`state ${t.health}`}>{t.health.toUpperCase()}</span>
                    </td>
                    <td>
                      <Labels labels={t.labels} />
                    </td>
                    <td>{ago(t.lastScrape)}</td>
                    <td>{humanDuration(t.lastScrapeDuration)}</td>
                    <td class="error-text">{t.lastError}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        );
      })}
    </div>
  );
}
