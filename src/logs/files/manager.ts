/**
 * Promtail-style file tailing: expands each scrape config's `__path__` globs (minus
 * `__path_exclude__`) into files, follows each with a {@link FileTailer}, runs the lines through
 * the scrape config's pipeline and pushes them to the log store through {@link LogWriter.push}
 * with the target's labels plus `filename`, as promtail does. Positions are recorded only for
 * lines the store acknowledged, written every `positions.sync_period` and on stop.
 *
 * Reading is driven by `fs.watch` on the glob's directories plus a polling fallback every
 * `pollIntervalMs` (1 s by default); globs are re-expanded every `target_config.sync_period` and
 * when a watched directory reports a new name. One cycle runs at a time; a cycle reads at most
 * {@link BATCH_BYTES} before pushing, so a large backlog is sent in bounded batches.
 */
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import { globFiles } from '../../config/prometheus/glob.js';
import { relabel } from '../../config/relabel.js';
import { EMPTY_LABELS, fromObject, fromPairs, key, toObject, type Labels } from '../../model/labels.js';
import type { Logger } from '../../log.js';
import type { LogWriter, PushEntry, PushStream } from '../types.js';
import type { FileScrapeConfig, PromtailConfig } from './config.js';
import { Positions } from './positions.js';
import type { Pipeline, PipelineEntry } from './stages.js';
import { FileTailer } from './tailer.js';

/** Bytes read from all files before one push (promtail's client `batchsize` default is 1 MiB). */
export const BATCH_BYTES = 1024 * 1024;

/** Options of {@link FileTargetManager}. */
export interface FileTargetManagerOptions {
  readonly config: PromtailConfig;
  readonly writer: LogWriter;
  /** Positions file used when the config sets none (promtail's default is `/var/log/positions.yaml`). */
  readonly defaultPositionsFile: string;
  /** Polling fallback interval, ms (default 1000). */
  readonly pollIntervalMs?: number;
  readonly registry?: Registry;
  readonly log?: Logger;
  /** Clock for entry times, ms since the epoch (tests). */
  readonly now?: () => number;
}

/** One followed file with the labels and pipeline of the target that found it. */
interface FileTarget {
  readonly tailer: FileTailer;
  /** Stream labels before the pipeline: target labels without `__` ones, plus `filename`. */
  readonly labels: Labels;
  readonly pipeline: Pipeline;
  /** Last entry time handed out for read-time stamps (ms, nanos), kept strictly increasing. */
  lastMs: number;
  lastNanos: number;
}

/** A target group after relabeling: its path globs and labels. */
interface TargetGroup {
  readonly include: string;
  readonly exclude: string;
  readonly labels: Labels;
  readonly pipeline: Pipeline;
}

/** Tails the files of a promtail config into a {@link LogWriter}; see the module comment. */
export class FileTargetManager {
  private readonly targets = new Map<string, FileTarget>();
  private readonly groups: TargetGroup[];
  private readonly positions: Positions;
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;
  private running: Promise<void> | null = null;
  private again = false;
  private resyncDue = true;
  private stopped = false;
  /** Set by `stop`: a failing push is no longer retried (its lines stay unrecorded in positions). */
  private closing = false;
  private readonly readLines?: Counter<'path'>;
  private readonly readBytes?: Counter<'path'>;
  private readonly activeFiles?: Gauge;

  /**
   * Loads positions and starts following files right away.
   * @throws {PositionsError} for an invalid positions file (unless `ignore_invalid_yaml`)
   */
  constructor(private readonly opts: FileTargetManagerOptions) {
    const { config } = opts;
    this.now = opts.now ?? Date.now;
    this.positions = new Positions(config.positions.filename || opts.defaultPositionsFile, config.positions.ignoreInvalidYaml);
    this.groups = config.scrapeConfigs.flatMap(targetGroups);
    if (opts.registry) {
      this.readLines = new Counter({ name: 'promtail_read_lines_total', help: 'Number of lines read.', labelNames: ['path'], registers: [opts.registry] });
      this.readBytes = new Counter({ name: 'promtail_read_bytes_total', help: 'Number of bytes read.', labelNames: ['path'], registers: [opts.registry] });
      this.activeFiles = new Gauge({ name: 'promtail_files_active_total', help: 'Number of active files.', registers: [opts.registry] });
    }
    for (const url of config.clientURLs) opts.log?.info('promtail client ignored: entries go to the embedded log store', { url });
    const poll = opts.pollIntervalMs ?? 1000;
    this.timers.push(setInterval(() => this.kick(), poll));
    this.timers.push(setInterval(() => ((this.resyncDue = true), this.kick()), config.targetSyncPeriodMs));
    this.timers.push(setInterval(() => this.savePositions(), config.positions.syncPeriodMs));
    for (const t of this.timers) t.unref();
    this.kick();
  }

  /** Paths followed now, sorted. */
  files(): string[] {
    return [...this.targets.keys()].sort();
  }

  /**
   * Re-expands the globs and runs a read-and-push cycle now (or right after the current one);
   * resolves when everything readable at the time of the call has been pushed.
   */
  flush(): Promise<void> {
    this.resyncDue = true;
    this.kick();
    return this.running ?? Promise.resolve();
  }

  /**
   * Stops following: reads and pushes what is left, writes the positions file, closes files and
   * watchers. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.closing = true;
    for (const t of this.timers) clearInterval(t);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    await this.flush();
    this.stopped = true;
    this.savePositions();
    for (const t of this.targets.values()) t.tailer.close();
    this.targets.clear();
    this.activeFiles?.set(0);
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.cycle()
      .catch((e: unknown) => this.opts.log?.error('file tailing cycle failed', { err: e }))
      .finally(() => (this.running = null));
  }

  private async cycle(): Promise<void> {
    do {
      this.again = false;
      if (this.resyncDue) this.syncTargets();
      const more = await this.readAndPush();
      if (more) this.again = true;
    } while (this.again && !this.stopped);
  }

  private watchDir(pattern: string): void {
    const dir = dirname(pattern);
    if (this.stopped || this.closing || /[*?[\\]/.test(dir) || this.watchers.has(dir)) return;
    try {
      const w = watch(dir, { persistent: false }, (type) => {
        if (type === 'rename') this.resyncDue = true;
        this.kick();
      });
      w.on('error', () => {
        w.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, w);
    } catch {
      // The directory may not exist yet: polling and the periodic glob sync find files there later.
    }
  }

  /** Re-expands globs: new paths get a tailer (from their saved position), vanished ones are dropped. */
  private syncTargets(): void {
    this.resyncDue = false;
    const seen = new Set<string>();
    for (const g of this.groups) {
      // A folder that did not exist at the last sync may now: watch it from here on.
      this.watchDir(g.include);
      let paths: string[];
      try {
        const excluded = new Set(g.exclude ? globFiles(g.exclude) : []);
        paths = globFiles(g.include).filter((p) => !excluded.has(p));
      } catch (e) {
        this.opts.log?.error('bad __path__ glob', { path: g.include, err: e });
        continue;
      }
      for (const path of paths) {
        if (seen.has(path)) continue;
        seen.add(path);
        if (this.targets.has(path)) continue;
        this.opts.log?.info('tailing new file', { path });
        this.targets.set(path, {
          tailer: new FileTailer(path, this.positions.get(path)),
          labels: fromPairs([...g.labels, 'filename', path]),
          pipeline: g.pipeline,
          lastMs: 0,
          lastNanos: 0,
        });
      }
    }
    for (const [path, t] of this.targets) {
      if (seen.has(path) || t.tailer.open) continue;
      t.tailer.close();
      this.targets.delete(path);
      this.positions.remove(path);
      this.readLines?.remove(path);
      this.readBytes?.remove(path);
    }
    this.activeFiles?.set(this.targets.size);
  }

  /** Reads up to {@link BATCH_BYTES}, pushes, records positions; true when more is waiting. */
  private async readAndPush(): Promise<boolean> {
    const streams = new Map<string, { labels: Labels; entries: PushEntry[] }>();
    const offsets: [string, number][] = [];
    let budget = BATCH_BYTES;
    let more = false;
    for (const [path, t] of this.targets) {
      if (budget <= 0) {
        more = true;
        break;
      }
      let r;
      try {
        r = t.tailer.read(budget);
      } catch (e) {
        this.opts.log?.warn('error reading file', { path, err: e });
        continue;
      }
      if (r.event) this.opts.log?.info(r.event === 'rename' ? 'file rotated, reopened' : 'file truncated, reading from the start', { path });
      budget -= r.bytes;
      more ||= r.more;
      offsets.push([path, r.offset]);
      if (r.lines.length === 0) continue;
      this.readLines?.inc({ path }, r.lines.length);
      this.readBytes?.inc({ path }, r.bytes);
      for (const line of r.lines) this.addLine(t, line, streams);
    }
    if (streams.size > 0) {
      const batch: PushStream[] = [...streams.values()];
      // A push that throws (the store failed) is retried with the same lines until it succeeds,
      // so nothing read is lost; positions move only after it. When stopping, a failure ends it:
      // positions keep the last acknowledged offsets and the next run reads those lines again.
      for (;;) {
        try {
          const res = await this.opts.writer.push(batch);
          if (res.rejected > 0) this.opts.log?.warn('log store rejected entries', { rejected: res.rejected, first: res.errors[0] ?? '' });
          break;
        } catch (e) {
          this.opts.log?.error('pushing tailed lines failed', { err: e, retrying: !this.closing });
          if (this.closing) return false;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }
    for (const [path, offset] of offsets) this.positions.set(path, offset);
    return more;
  }

  private addLine(t: FileTarget, line: string, streams: Map<string, { labels: Labels; entries: PushEntry[] }>): void {
    let labels = t.labels;
    let text = line;
    let time: { ms: number; nanos: number } | null = null;
    if (!t.pipeline.empty) {
      const e: PipelineEntry = { line, labels: new Map(), extracted: new Map(), time: null };
      for (let i = 0; i < t.labels.length; i += 2) {
        e.labels.set(t.labels[i]!, t.labels[i + 1]!);
        e.extracted.set(t.labels[i]!, t.labels[i + 1]!);
      }
      if (!t.pipeline.run(e)) return;
      labels = fromObject(Object.fromEntries(e.labels));
      text = e.line;
      time = e.time;
    }
    if (!time) {
      // Read time, kept strictly increasing per file so equal lines read in one go stay distinct.
      const ms = this.now();
      if (ms > t.lastMs) {
        t.lastMs = ms;
        t.lastNanos = 0;
      } else if (t.lastNanos < 999_999) t.lastNanos++;
      else {
        t.lastMs++;
        t.lastNanos = 0;
      }
      time = { ms: t.lastMs, nanos: t.lastNanos };
    }
    const k = key(labels);
    let s = streams.get(k);
    if (!s) streams.set(k, (s = { labels, entries: [] }));
    s.entries.push({ ms: time.ms, nanos: time.nanos, line: text, metadata: EMPTY_LABELS });
  }

  private savePositions(): void {
    try {
      this.positions.save();
    } catch (e) {
      this.opts.log?.error('error writing positions file', { file: this.positions.file, err: e });
    }
  }
}

/** Target groups of one scrape config: one per static target, after `relabel_configs`. */
function targetGroups(sc: FileScrapeConfig): TargetGroup[] {
  const out: TargetGroup[] = [];
  for (const st of sc.staticConfigs) {
    for (const target of st.targets.length > 0 ? st.targets : ['']) {
      const base = fromObject({ ...st.labels, ...(target ? { __address__: target } : {}) });
      const ls = relabel(base, sc.relabelConfigs);
      if (!ls) continue;
      const obj = toObject(ls);
      const include = obj.__path__ ?? '';
      if (!include) continue;
      const visible = Object.entries(obj).filter(([n]) => !n.startsWith('__'));
      out.push({ include, exclude: obj.__path_exclude__ ?? '', labels: visible.flat(), pipeline: sc.pipeline });
    }
  }
  return out;
}
