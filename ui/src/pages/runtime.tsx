/** Runtime information and build information, from `/api/v1/status/runtimeinfo` and `/status/buildinfo`. */
import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api';

type Info = Record<string, string | number | boolean>;

function InfoTable(props: { title: string; info: Info; name: string }) {
  return (
    <section>
      <h2>{props.title}</h2>
      <table class={`kv ${props.name}`}>
        <tbody>
          {Object.entries(props.info).map(([k, v]) => (
            <tr>
              <th>{k}</th>
              <td data-key={k}>{String(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function RuntimePage() {
  const [runtime, setRuntime] = useState<Info>();
  const [build, setBuild] = useState<Info>();
  const [error, setError] = useState('');
  useEffect(() => {
    Promise.all([apiGet<Info>('status/runtimeinfo'), apiGet<Info>('status/buildinfo')]).then(
      ([r, b]) => {
        setRuntime(r.data);
        setBuild(b.data);
      },
      (e: Error) => setError(e.message),
    );
  }, []);
  return (
    <div class="runtime-page">
      <h1>Runtime & build information</h1>
      {error && <div class="error">Error: {error}</div>}
      {runtime && <InfoTable title="Runtime information" info={runtime} name="runtime-info" />}
      {build && <InfoTable title="Build information" info={build} name="build-info" />}
    </div>
  );
}
