/**
 * `/dashboards`: the dashboards of `--dashboards.dir`, searchable by title and tag and grouped by
 * folder; import a Grafana JSON (pasted or from a file, plain or `{dashboard}`-wrapped) and create a
 * new dashboard. `/dashboards/<uid>` shows one dashboard.
 */
import { useEffect, useState } from 'preact/hooks';
import { navigate, useLocation } from '../router';
import { DashboardPage } from './dashboard';
import '../dashboards/dashboards.css';

interface Hit {
  uid: string;
  title: string;
  tags: string[];
  folderTitle?: string;
  file: string;
}

async function postJSON(url: string, body: unknown): Promise<{ uid: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out = (await res.json()) as { uid: string; message?: string };
  if (!res.ok) throw new Error(out.message ?? `${res.status} ${res.statusText}`);
  return out;
}

function ImportForm(props: { onDone(uid: string): void }) {
  const [text, setText] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return setError(`Not JSON: ${(err as Error).message}`);
    }
    try {
      const wrapped = json && typeof json === 'object' && 'dashboard' in json ? json : { dashboard: json };
      const res = await postJSON('/api/dashboards/import', { ...(wrapped as object), overwrite });
      props.onDone(res.uid);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="import-form" onSubmit={(e) => void submit(e)}>
      <h3>Import a Grafana dashboard</h3>
      <input
        type="file"
        accept=".json,application/json"
        onChange={async (e) => {
          const f = (e.target as HTMLInputElement).files?.[0];
          if (f) setText(await f.text());
        }}
      />
      <textarea name="json" rows={8} placeholder="Paste dashboard JSON" value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      <label>
        <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite((e.target as HTMLInputElement).checked)} /> Overwrite a dashboard with the same uid or name
      </label>
      {error && <div class="error import-error">{error}</div>}
      <button type="submit" class="primary import-submit">
        Import
      </button>
    </form>
  );
}

function DashboardList() {
  const [hits, setHits] = useState<Hit[] | undefined>(undefined);
  const [error, setError] = useState('');
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<'' | 'import' | 'new'>('');
  const [newTitle, setNewTitle] = useState('');
  useEffect(() => {
    fetch('/api/search')
      .then((r) => r.json() as Promise<Hit[]>)
      .then(setHits, (e: Error) => setError(e.message));
  }, []);
  const q = query.trim().toLowerCase();
  const shown = (hits ?? []).filter((h) => !q || h.title.toLowerCase().includes(q) || h.tags.some((t) => t.toLowerCase() === q));
  const folders = [...new Set(shown.map((h) => h.folderTitle ?? ''))].sort();
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const res = await postJSON('/api/dashboards/db', { dashboard: { title: newTitle || 'New dashboard', panels: [], schemaVersion: 39, time: { from: 'now-6h', to: 'now' }, templating: { list: [] } } });
      navigate(`/dashboards/${res.uid}?edit`);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <div class="dashboards-page">
      <div class="dash-list-toolbar">
        <h2>Dashboards</h2>
        <input class="dash-search" type="search" placeholder="Search by title or tag" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
        <button type="button" class="new-dashboard" onClick={() => setMode(mode === 'new' ? '' : 'new')}>
          New dashboard
        </button>
        <button type="button" class="import-dashboard" onClick={() => setMode(mode === 'import' ? '' : 'import')}>
          Import
        </button>
      </div>
      {mode === 'new' && (
        <form class="new-form" onSubmit={(e) => void create(e)}>
          <input name="title" placeholder="Title" value={newTitle} onInput={(e) => setNewTitle((e.target as HTMLInputElement).value)} />
          <button type="submit" class="primary">
            Create
          </button>
        </form>
      )}
      {mode === 'import' && <ImportForm onDone={(uid) => navigate(`/dashboards/${uid}`)} />}
      {error && <p class="error">{error}</p>}
      {hits === undefined ? (
        <p class="empty">Loading…</p>
      ) : shown.length === 0 ? (
        <p class="empty">No dashboards{q ? ` match "${query}"` : ''}.</p>
      ) : (
        folders.map((f) => (
          <section class="dash-folder">
            <h3>{f || 'General'}</h3>
            <ul class="dash-list">
              {shown
                .filter((h) => (h.folderTitle ?? '') === f)
                .map((h) => (
                  <li>
                    <a href={`/dashboards/${h.uid}`} onClick={(e) => (e.preventDefault(), navigate(`/dashboards/${h.uid}`))}>
                      {h.title}
                    </a>
                    {h.tags.map((t) => (
                      <span class="tag" onClick={() => setQuery(t)}>
                        {t}
                      </span>
                    ))}
                    <span class="file">{h.file}</span>
                  </li>
                ))}
            </ul>
          </section>
        ))
      )}
    </div>
  );
}

/** The `/dashboards` route: the list, or one dashboard for `/dashboards/<uid>`. */
export function DashboardsPage() {
  const { path, search } = useLocation();
  const uid = decodeURIComponent(path.slice('/dashboards/'.length).split('/')[0] ?? '');
  if (path.startsWith('/dashboards/') && uid) return <DashboardPage key={uid} uid={uid} search={search} />;
  return <DashboardList />;
}
