/**
 * TSDB status with cardinality, from `/api/v1/status/tsdb?limit=N`: head statistics, the metrics with
 * the most series, the labels with the most values, memory by label name and the most used label pairs.
 */
import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api';
import { navigate, useLocation } from '../router';

interface Entry {
  name: string;
  value: number;
}
interface TsdbStatus {
  headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  seriesCountByMetricName: Entry[];
  labelValueCountByLabelName: Entry[];
  memoryInBytesByLabelName: Entry[];
  seriesCountByLabelValuePair: Entry[];
}

const LIMITS = ['10', '20', '50', '100'];

/** A head time (ms) as an ISO date; the API's int64 sentinels of an empty head show as "–". */
function headTime(ms: number): string {
  return Math.abs(ms) > 8.64e15 ? '–' : new Date(ms).toISOString();
}

function Top(props: { title: string; unit: string; entries: Entry[]; link?: (name: string) => string }) {
  const max = Math.max(1, ...props.entries.map((e) => e.value));
  return (
    <section class="top">
      <h2>{props.title}</h2>
      {props.entries.length === 0 ? (
        <p class="empty">No data.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th class="num">{props.unit}</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((e) => (
              <tr>
                <td>
                  <code>{props.link ? <a href={props.link(e.name)}>{e.name}</a> : e.name}</code>
                  <div class="bar" style={{ width: `${(100 * e.value) / max}%` }} />
                </td>
                <td class="num">{e.value.toLocaleString('en-US')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function TsdbStatusPage() {
  const { search } = useLocation();
  const limit = search.get('limit') ?? '10';
  const [data, setData] = useState<TsdbStatus>();
  const [error, setError] = useState('');
  useEffect(() => {
    apiGet<TsdbStatus>('status/tsdb', { limit }).then(
      (r) => {
        setData(r.data);
        setError('');
      },
      (e: Error) => setError(e.message),
    );
  }, [limit]);
  const h = data?.headStats;
  const explore = (expr: string) => `/query?${new URLSearchParams({ 'g0.expr': expr, 'g0.tab': 'table' })}`;
  return (
    <div class="tsdb-status">
      <h1>
        TSDB status{' '}
        <label class="muted">
          Top{' '}
          <select value={limit} onChange={(e) => navigate(`/tsdb-status?limit=${(e.target as HTMLSelectElement).value}`)}>
            {LIMITS.map((l) => (
              <option value={l}>{l}</option>
            ))}
          </select>
        </label>
      </h1>
      {error && <div class="error">Error: {error}</div>}
      {h && (
        <section>
          <h2>Head</h2>
          <table class="kv head-stats">
            <tbody>
              <tr>
                <th>Series</th>
                <td data-stat="numSeries">{h.numSeries}</td>
              </tr>
              <tr>
                <th>Chunks</th>
                <td data-stat="chunkCount">{h.chunkCount}</td>
              </tr>
              <tr>
                <th>Label pairs</th>
                <td data-stat="numLabelPairs">{h.numLabelPairs}</td>
              </tr>
              <tr>
                <th>Lowest time</th>
                <td>{headTime(h.minTime)}</td>
              </tr>
              <tr>
                <th>Highest time</th>
                <td>{headTime(h.maxTime)}</td>
              </tr>
            </tbody>
          </table>
        </section>
      )}
      {data && (
        <div class="cardinality">
          <Top title="Top metrics by series" unit="Series" entries={data.seriesCountByMetricName} link={(n) => explore(`count by (__name__) ({__name__="${n}"})`)} />
          <Top title="Labels by number of values" unit="Values" entries={data.labelValueCountByLabelName} />
          <Top title="Label pairs by series" unit="Series" entries={data.seriesCountByLabelValuePair} />
          <Top title="Memory by label name" unit="Bytes" entries={data.memoryInBytesByLabelName} />
        </div>
      )}
    </div>
  );
}
