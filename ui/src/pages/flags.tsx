/** Command-line flags in effect, from `/api/v1/status/flags`, filterable by name or value. */
import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api';

export function FlagsPage() {
  const [flags, setFlags] = useState<Record<string, string>>();
  const [error, setError] = useState('');
  const [filter, setFilter] = useState('');
  useEffect(() => {
    apiGet<Record<string, string>>('status/flags').then(
      (r) => setFlags(r.data),
      (e: Error) => setError(e.message),
    );
  }, []);
  const f = filter.toLowerCase();
  const rows = Object.entries(flags ?? {})
    .filter(([k, v]) => !f || k.toLowerCase().includes(f) || v.toLowerCase().includes(f))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return (
    <div class="flags-page">
      <h1>Command-line flags</h1>
      <div class="filters">
        <input type="search" placeholder="Filter" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
      </div>
      {error && <div class="error">Error: {error}</div>}
      {flags && (
        <table class="kv flags">
          <tbody>
            {rows.map(([k, v]) => (
              <tr>
                <th>--{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
