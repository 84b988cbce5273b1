/**
 * File-based service discovery (`file_sd_configs`), as upstream `discovery/file`: reads every file
 * matching the patterns (`.json`, `.yml`, `.yaml`), re-reads on changes in their directories and
 * every `refresh_interval`. Each group gets `__meta_filepath`. A file that fails to read or
 * parse keeps its previous groups (and is counted in `prometheus_sd_file_read_errors_total`); a
 * file that disappears loses them.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname, extname } from 'node:path';
import type { Logger } from '../../log.js';
import { globFiles } from '../../config/prometheus.js';
import type { FileSDConfig, TargetGroup } from '../../config/prometheus.js';
import type { ScrapeMetrics } from '../metrics.js';
import { parseTargetGroupsJSON, parseTargetGroupsYAML } from './targetgroups.js';
import type { DiscoveryProvider } from './provider.js';

/** Quiet time after a directory change before re-reading, to coalesce editor write bursts. */
const WATCH_DEBOUNCE_MS = 50;

/** Discovery over one `file_sd_configs` entry. */
export class FileDiscovery implements DiscoveryProvider {
  private readonly byFile = new Map<string, TargetGroup[]>();
  private watchers: FSWatcher[] = [];
  private interval: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private lastEmitted = '';

  constructor(
    private readonly cfg: FileSDConfig,
    private readonly onUpdate: (groups: TargetGroup[]) => void,
    private readonly log: Logger,
    private readonly metrics: ScrapeMetrics,
  ) {}

  /** Reads the files now (synchronously, so the first targets are known at once), then watches them. */
  start(): void {
    this.refresh();
    for (const dir of new Set(this.cfg.files.map((f) => dirname(f)))) {
      try {
        const w = watch(dir, () => this.scheduleRefresh());
        w.on('error', (e) => this.log.error('Error watching file', { path: dir, err: e }));
        w.unref();
        this.watchers.push(w);
      } catch (e) {
        this.log.error('Error adding file watch', { path: dir, err: e as Error });
      }
    }
    this.interval = setInterval(() => this.refresh(), this.cfg.refreshIntervalMs);
    this.interval.unref();
  }

  /** Stops watching. */
  stop(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.interval) clearInterval(this.interval);
    if (this.debounce) clearTimeout(this.debounce);
    this.interval = this.debounce = null;
  }

  private scheduleRefresh(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.refresh();
    }, WATCH_DEBOUNCE_MS);
    this.debounce.unref();
  }

  /** Re-reads all files and reports the groups when they changed. */
  refresh(): void {
    const start = performance.now();
    const seen = new Set<string>();
    for (const pattern of this.cfg.files) {
      let files: string[];
      try {
        files = globFiles(pattern);
      } catch (e) {
        this.log.error('Error expanding glob', { glob: pattern, err: e as Error });
        continue;
      }
      for (const f of files) {
        if (!/\.(json|ya?ml)$/i.test(f)) continue;
        seen.add(f);
        try {
          this.byFile.set(f, readGroups(f));
        } catch (e) {
          this.metrics.fileSdReadErrors.inc();
          this.log.error('Error reading file', { path: f, err: e as Error });
        }
      }
    }
    for (const f of [...this.byFile.keys()]) if (!seen.has(f)) this.byFile.delete(f);
    this.metrics.fileSdScanDuration.observe((performance.now() - start) / 1000);
    const groups = [...this.byFile.values()].flat();
    const fingerprint = JSON.stringify(groups);
    if (fingerprint === this.lastEmitted) return;
    this.lastEmitted = fingerprint;
    this.onUpdate(groups);
  }
}

function readGroups(file: string): TargetGroup[] {
  const text = readFileSync(file, 'utf8');
  const groups = extname(file).toLowerCase() === '.json' ? parseTargetGroupsJSON(text, file) : parseTargetGroupsYAML(file, text, file);
  for (const g of groups) g.labels.__meta_filepath = file;
  return groups;
}
