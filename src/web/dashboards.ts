/**
 * Dashboards as Grafana-JSON files in a folder (`--dashboards.dir`), like Grafana's file
 * provisioning, but writable: saving in the UI writes the file back, formatted stably (2-space JSON,
 * keys sorted as Grafana's own JSON encoder sorts them, trailing newline) so a team keeps dashboards
 * in git and reviews changes as small diffs. A sub-folder is the dashboard's folder.
 *
 * HTTP (a subset of Grafana's API, so its tools and exported files work):
 * - `GET /api/search?query=&tag=` — dashboards as Grafana's search answers (`type: dash-db`).
 * - `GET /api/dashboards/uid/:uid` — `{dashboard, meta}`; 404 when unknown.
 * - `POST /api/dashboards/db` — Grafana's save: `{dashboard, folderUid?, overwrite?}`; creates or updates.
 * - `PUT /api/dashboards/uid/:uid` — saves a dashboard (plain JSON or the `{dashboard}` wrapper).
 * - `POST /api/dashboards/import` — imports a Grafana export (plain or wrapped); a new uid when it has none;
 *   an existing uid is refused (400) unless `overwrite`.
 * - `DELETE /api/dashboards/uid/:uid` — removes the file.
 * - `GET /d/:uid[/slug]` — redirects Grafana's dashboard links to `/dashboards/:uid` (query kept).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { logger } from '../log.js';
import { writeFileAtomic } from '../fs-atomic.js';

const log = logger('dashboards');

/** A Grafana dashboard JSON model (only the fields Lookout reads are typed). */
export interface DashboardJSON {
  uid?: string;
  title?: string;
  tags?: string[];
  version?: number;
  [key: string]: unknown;
}

/** One dashboard as listed: `folder` is its sub-folder of the dashboards dir ('' = top level), `file` its path relative to the dir. */
export interface DashboardSummary {
  uid: string;
  title: string;
  tags: string[];
  folder: string;
  file: string;
}

/** A failed dashboard operation with the HTTP status Grafana answers for it (400, 404, 412). */
export class DashboardError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Grafana's `status` word for 412 answers (`version-mismatch`, `name-exists`). */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** Grafana's uid rule: 1–40 characters of letters, digits, `-` and `_`. */
const UID_RE = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * Serialises a value as Lookout writes dashboard files: 2-space indentation, object keys sorted
 * by code unit (as Go's encoder writes Grafana's maps), arrays in their order, trailing newline.
 */
export function formatDashboard(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
  return out;
}

/**
 * The dashboard inside a request body: a plain dashboard, or Grafana's `{dashboard: {...}}` wrapper
 * (export "for sharing externally", `/api/dashboards/uid` answers, save requests).
 * Throws DashboardError(400) for anything but a JSON object with a `panels` or `rows` array or a title.
 */
export function unwrapDashboard(body: unknown): DashboardJSON {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new DashboardError(400, 'dashboard must be a JSON object');
  const inner = (body as { dashboard?: unknown }).dashboard;
  const d = (inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? inner : body) as DashboardJSON;
  if (!Array.isArray(d.panels) && !Array.isArray(d.rows) && typeof d.title !== 'string') {
    throw new DashboardError(400, 'not a Grafana dashboard: no title, panels or rows');
  }
  if (d.uid !== undefined && d.uid !== null && (typeof d.uid !== 'string' || !UID_RE.test(d.uid))) {
    throw new DashboardError(400, `invalid uid "${String(d.uid)}": 1-40 letters, digits, - or _`);
  }
  return d;
}

/** A random Grafana-style uid (14 characters from [A-Za-z0-9]). */
export function newUid(): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(14)].map((b) => abc[b % abc.length]).join('');
}

/** A file name from a title: lower case, runs of other characters as `-` (Grafana's slug). */
export function slugify(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'dashboard';
}

interface Entry extends DashboardSummary {
  mtimeMs: number;
  size: number;
}

/**
 * The dashboards of one folder. Files are re-read when their mtime or size changes, so edits made
 * with an editor or `git pull` show up without a restart. A file that is not valid JSON, or a
 * second file with an already-seen uid, is skipped, logged once (warn) and listed in {@link DashboardStore.problems}.
 */
export class DashboardStore {
  private cache = new Map<string, Entry>();
  /** Files skipped by the last scan, with the reason. */
  problems: { file: string; error: string }[] = [];
  /** Problems already logged (file + reason), so each is logged once. */
  private logged = new Set<string>();

  /** `dir` is created on the first save when missing. */
  constructor(readonly dir: string) {}

  /** All dashboards, sorted by folder then title. */
  list(): DashboardSummary[] {
    return this.scan().map(({ mtimeMs: _m, size: _s, ...s }) => s);
  }

  /** The dashboard with `uid` and its summary; undefined when there is none. */
  get(uid: string): { dashboard: DashboardJSON; summary: DashboardSummary } | undefined {
    const e = this.scan().find((s) => s.uid === uid);
    if (!e) return undefined;
    return { dashboard: JSON.parse(readFileSync(join(this.dir, e.file), 'utf8')) as DashboardJSON, summary: e };
  }

  /**
   * Saves `dashboard`: overwrites the file holding its uid, or creates `<folder>/<slug>.json`
   * (new uid when it has none). Increments `version`. Unless `overwrite`, a stale `version` (not
   * the stored one) fails with 412 `version-mismatch`, and a new dashboard whose title is already
   * used in the folder with 412 `name-exists`, as Grafana. Returns the written summary and version.
   */
  save(dashboard: DashboardJSON, opts: { folder?: string; overwrite?: boolean } = {}): DashboardSummary & { version: number } {
    const entries = this.scan();
    const d: DashboardJSON = { ...dashboard };
    if (typeof d.title !== 'string' || d.title.trim() === '') throw new DashboardError(400, 'dashboard title is required');
    if (d.uid === undefined || d.uid === null || d.uid === '') d.uid = newUid();
    const existing = entries.find((e) => e.uid === d.uid);
    let file: string;
    if (existing) {
      const stored = this.get(existing.uid)!.dashboard.version ?? 0;
      if (!opts.overwrite && d.version !== undefined && d.version !== stored) {
        throw new DashboardError(412, 'The dashboard has been changed by someone else', 'version-mismatch');
      }
      d.version = stored + 1;
      file = existing.file;
    } else {
      const folder = cleanFolder(opts.folder ?? '');
      const clash = entries.find((e) => e.folder === folder && e.title.toLowerCase() === d.title!.toLowerCase());
      if (clash && !opts.overwrite) throw new DashboardError(412, 'A dashboard with the same name in the folder already exists', 'name-exists');
      d.version = 1;
      const base = join(folder, slugify(d.title));
      file = `${base}.json`;
      if (entries.some((e) => e.file === file) || existsSync(join(this.dir, file))) file = `${base}-${d.uid}.json`;
    }
    const path = join(this.dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, formatDashboard(d), false);
    this.cache.delete(path);
    const summary = this.scan().find((e) => e.uid === d.uid)!;
    return { uid: summary.uid, title: summary.title, tags: summary.tags, folder: summary.folder, file: summary.file, version: d.version };
  }

  /** Deletes the dashboard's file; false when there is no such uid. */
  delete(uid: string): boolean {
    const e = this.scan().find((s) => s.uid === uid);
    if (!e) return false;
    unlinkSync(join(this.dir, e.file));
    this.cache.delete(join(this.dir, e.file));
    return true;
  }

  private scan(): Entry[] {
    const files: string[] = [];
    const walk = (d: string) => {
      let names: string[];
      try {
        names = readdirSync(d).sort();
      } catch {
        return;
      }
      for (const n of names) {
        const p = join(d, n);
        if (n.startsWith('.')) continue;
        let st;
        try {
          st = statSync(p);
        } catch {
          continue;
        }
        if (st.isDirectory()) walk(p);
        else if (n.endsWith('.json')) files.push(p);
      }
    };
    walk(this.dir);
    const seen = new Set<string>();
    const out: Entry[] = [];
    this.problems = [];
    const live = new Set(files);
    for (const k of this.cache.keys()) if (!live.has(k)) this.cache.delete(k);
    for (const p of files) {
      const rel = relative(this.dir, p).split(sep).join('/');
      let e = this.cache.get(p);
      const st = statSync(p);
      if (!e || e.mtimeMs !== st.mtimeMs || e.size !== st.size) {
        try {
          const d = unwrapDashboard(JSON.parse(readFileSync(p, 'utf8')));
          if (typeof d.uid !== 'string') throw new Error('dashboard has no uid');
          const folder = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
          e = { uid: d.uid, title: typeof d.title === 'string' ? d.title : d.uid, tags: Array.isArray(d.tags) ? d.tags.map(String) : [], folder, file: rel, mtimeMs: st.mtimeMs, size: st.size };
          this.cache.set(p, e);
        } catch (err) {
          this.cache.delete(p);
          this.problems.push({ file: rel, error: (err as Error).message });
          continue;
        }
      }
      if (seen.has(e.uid)) {
        this.problems.push({ file: rel, error: `duplicate uid "${e.uid}"` });
        continue;
      }
      seen.add(e.uid);
      out.push(e);
    }
    for (const p of this.problems) {
      const key = `${p.file}\u0000${p.error}`;
      if (!this.logged.has(key)) log.warn('dashboard file skipped', { dir: this.dir, file: p.file, err: p.error });
      this.logged.add(key);
    }
    return out.sort((a, b) => a.folder.localeCompare(b.folder) || a.title.localeCompare(b.title));
  }
}

/** A folder given by a client: `/`-separated names without `.`/`..` parts. Throws DashboardError(400) otherwise. */
function cleanFolder(folder: string): string {
  const parts = folder.split('/').filter((p) => p !== '');
  for (const p of parts) if (p === '.' || p === '..' || !/^[\w .-]+$/.test(p)) throw new DashboardError(400, `invalid folder "${folder}"`);
  return parts.join('/');
}

function searchHit(s: DashboardSummary) {
  return { uid: s.uid, title: s.title, uri: `db/${slugify(s.title)}`, url: `/dashboards/${s.uid}`, slug: slugify(s.title), type: 'dash-db', tags: s.tags, isStarred: false, folderTitle: s.folder || undefined, folderUid: s.folder || undefined, file: s.file };
}

/** Registers the routes listed in the module comment on `app`, in a scope that reads JSON bodies (up to 32 MiB). */
export async function registerDashboards(app: FastifyInstance, store: DashboardStore): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 32 << 20 }, (_req, body, done) => {
      if (body === '') return done(null, undefined);
      try {
        done(null, JSON.parse(body as string));
      } catch (e) {
        done(Object.assign(new DashboardError(400, `invalid JSON: ${(e as Error).message}`), { statusCode: 400 }), undefined);
      }
    });
    scope.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
      if (err instanceof DashboardError) return reply.code(err.status).send({ message: err.message, status: err.reason });
      const status = err.statusCode ?? 500;
      return reply.code(status).send({ message: err.message });
    });
    scope.get('/api/search', async (req) => {
      const q = req.query as { query?: string; tag?: string | string[] };
      const query = (q.query ?? '').toLowerCase();
      const tags = q.tag === undefined ? [] : Array.isArray(q.tag) ? q.tag : [q.tag];
      return store
        .list()
        .filter((s) => s.title.toLowerCase().includes(query) && tags.every((t) => s.tags.includes(t)))
        .map(searchHit);
    });
    // Grafana's dashboard links (`/d/<uid>/<slug>?var-x=…`) open the dashboard in Lookout's UI.
    const toUI = (req: { params: unknown; url: string }, reply: { redirect(url: string): unknown }) => {
      const q = req.url.indexOf('?');
      return reply.redirect(`/dashboards/${encodeURIComponent((req.params as { uid: string }).uid)}${q >= 0 ? req.url.slice(q) : ''}`);
    };
    scope.get('/d/:uid', toUI as never);
    scope.get('/d/:uid/*', toUI as never);
    scope.get('/api/dashboards/uid/:uid', async (req, reply) => {
      const got = store.get((req.params as { uid: string }).uid);
      if (!got) return reply.code(404).send({ message: 'Dashboard not found' });
      const s = got.summary;
      return { dashboard: got.dashboard, meta: { slug: slugify(s.title), url: `/dashboards/${s.uid}`, folderTitle: s.folder || 'General', folderUid: s.folder, canSave: true, canEdit: true, provisioned: true, provisionedExternalId: s.file } };
    });
    const saved = (s: DashboardSummary & { version: number }) => ({ status: 'success', uid: s.uid, url: `/dashboards/${s.uid}`, slug: slugify(s.title), version: s.version, file: s.file });
    scope.post('/api/dashboards/db', async (req) => {
      const body = (req.body ?? {}) as { folderUid?: unknown; overwrite?: unknown };
      const folder = typeof body.folderUid === 'string' ? body.folderUid : undefined;
      return saved(store.save(unwrapDashboard(req.body), { folder, overwrite: body.overwrite === true }));
    });
    scope.post('/api/dashboards/import', async (req) => {
      const body = (req.body ?? {}) as { folderUid?: unknown; overwrite?: unknown };
      const d = { ...unwrapDashboard(req.body) };
      delete d.version;
      delete d.id;
      const overwrite = body.overwrite === true;
      // The version check of save() cannot protect an import (the export's version is dropped), so
      // an existing uid is refused here unless overwriting, as Grafana refuses it.
      if (!overwrite && typeof d.uid === 'string' && d.uid !== '' && store.get(d.uid)) {
        throw new DashboardError(400, 'A dashboard with the same uid already exists');
      }
      const folder = typeof body.folderUid === 'string' ? body.folderUid : undefined;
      return saved(store.save(d, { folder, overwrite }));
    });
    scope.put('/api/dashboards/uid/:uid', async (req) => {
      const uid = (req.params as { uid: string }).uid;
      const d = unwrapDashboard(req.body);
      if (d.uid !== undefined && d.uid !== uid) throw new DashboardError(400, `uid in body "${d.uid}" differs from uid in path "${uid}"`);
      if (!store.get(uid)) throw new DashboardError(404, 'Dashboard not found');
      return saved(store.save({ ...d, uid }));
    });
    scope.delete('/api/dashboards/uid/:uid', async (req, reply) => {
      const uid = (req.params as { uid: string }).uid;
      if (!store.delete(uid)) return reply.code(404).send({ message: 'Dashboard not found' });
      return { title: uid, message: 'Dashboard deleted' };
    });
  });
}
