/**
 * `lookout tsdb snapshot [--url=URL] [--skip-head]`: asks a running server for a snapshot of its
 * data directory through the admin API (`POST /api/v1/admin/tsdb/snapshot`, which needs
 * `--web.enable-admin-api`), as Prometheus users do with curl (promtool has no such command), and
 * prints where it went: `<data dir>/snapshots/<name>` on the server's machine.
 */
import { str, bool, type FlagSpecs, type ParsedFlags, FlagError } from './flags.js';

/** Flags of `lookout tsdb snapshot`. */
export const TSDB_SNAPSHOT_FLAGS: FlagSpecs = {
  url: { default: 'http://localhost:9090', help: 'Base URL of the running Lookout (or Prometheus) server.' },
  'skip-head': { default: false, help: 'Leave out the head (samples not yet in a block).' },
};

/**
 * Requests the snapshot and writes `Snapshot created: snapshots/<name>` (relative to the server's
 * data directory) to `out`. Resolves to the exit code: 0, or 1 when the server refused (its error
 * written to `err`).
 * @throws {FlagError} for positional arguments; `Error` when the server cannot be reached.
 */
export async function tsdbSnapshot(f: ParsedFlags, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  if (f.positionals.length > 0) throw new FlagError(`unexpected ${f.positionals[0]}: lookout tsdb snapshot [--url=URL] [--skip-head]`);
  const base = str(f, 'url').replace(/\/+$/, '');
  const query = bool(f, 'skip-head') ? '?skip_head=true' : '';
  const res = await fetch(`${base}/api/v1/admin/tsdb/snapshot${query}`, { method: 'POST' });
  const text = await res.text();
  let body: { status?: string; data?: { name?: string }; error?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not the API's JSON: reported below with the status.
  }
  if (res.status !== 200 || body.status !== 'success' || typeof body.data?.name !== 'string') {
    err(`snapshot failed: HTTP ${res.status}: ${body.error ?? text.trim()}`);
    return 1;
  }
  out(`Snapshot created: snapshots/${body.data.name}`);
  return 0;
}
