/** The loaded configuration file, as `/api/v1/status/config` returns it (YAML text). */
import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api';

export function ConfigPage() {
  const [yaml, setYaml] = useState<string>();
  const [error, setError] = useState('');
  useEffect(() => {
    apiGet<{ yaml: string }>('status/config').then(
      (r) => setYaml(r.data.yaml),
      (e: Error) => setError(e.message),
    );
  }, []);
  return (
    <div class="config-page">
      <h1>
        Configuration{' '}
        {yaml !== undefined && (
          <button type="button" onClick={() => void navigator.clipboard?.writeText(yaml)}>
            Copy
          </button>
        )}
      </h1>
      {error && <div class="error">Error: {error}</div>}
      {yaml !== undefined && <pre class="config">{yaml}</pre>}
    </div>
  );
}
