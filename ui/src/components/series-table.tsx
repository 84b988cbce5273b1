/** The table view of an instant query result. */
import type { QueryData } from '../api';
import { seriesName } from '../format';

export function SeriesTable(props: { data: QueryData }) {
  const d = props.data;
  if (d.resultType === 'scalar' || d.resultType === 'string') {
    return (
      <table class="results">
        <tbody>
          <tr>
            <td>{d.resultType}</td>
            <td class="value">{d.result[1]}</td>
          </tr>
        </tbody>
      </table>
    );
  }
  if (d.result.length === 0) return <p class="empty">Empty query result</p>;
  if (d.resultType === 'vector') {
    return (
      <table class="results">
        <tbody>
          {d.result.map((s) => (
            <tr>
              <td class="series">{seriesName(s.metric)}</td>
              <td class="value">{s.value[1]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <table class="results">
      <tbody>
        {d.result.map((s) => (
          <tr>
            <td class="series">{seriesName(s.metric)}</td>
            <td class="value">
              {s.values.map(([t, v]) => (
                <div>
                  {v} @{t}
                </div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
