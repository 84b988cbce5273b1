/**
 * An Alertmanager 0.25-compatible core that runs in-process (as Lookout's `AlertSink`) or
 * standalone behind `web/`: config loading and reload, the alert store, dispatcher, inhibition,
 * silences, notification log, receivers and API v2. State (silences, notification log) lives in
 * `storagePath` (`silences.json`, `nflog.json`) and survives restarts.
 *
 * Periodic maintenance as upstream: silences, notification log and inhibition caches are
 * garbage-collected every 15 minutes, resolved alerts every 30 minutes (`--alerts.gc-interval`).
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { loadAlertmanagerConfig, type AlertmanagerConfig } from '../config/alertmanager.js';
import { Logger } from '../log.js';
import { ZERO_TIME, makeAlert, validateAlert } from './alert.js';
import { ApiV2, type ApiRequest, type ApiResponse } from './api.js';
import { ApiError, readPostableAlerts, type PostedAlert } from './api-models.js';
import { clockFromNow, systemClock, type Clock, type TimerHandle } from './clock.js';
import { maskedConfigText } from './config-text.js';
import { Dispatcher } from './dispatcher.js';
import { Inhibitor } from './inhibit.js';
import { AlertmanagerMetrics } from './metrics.js';
import { NotificationLog } from './nflog.js';
import { buildReceivers } from './notify/integrations.js';
import { Pipeline } from './notify/pipeline.js';
import { Route } from './route.js';
import { Silences } from './silences.js';
import { AlertStore, Marker } from './store.js';
import { loadNotificationTemplates } from './template.js';
import type { AlertSink, PostableAlert } from './types.js';

/** Options of {@link Alertmanager.start}. */
export interface AlertmanagerOptions {
  /** `--config.file` */
  configFile: string;
  /** `--storage.path`: directory for `silences.json` and `nflog.json` (created if missing). */
  storagePath: string;
  /** `--web.external-url` (used in templates); default `http://<hostname>:9093`. */
  externalURL?: string;
  /** Where to register self-metrics (a private registry when omitted). */
  registry?: Registry;
  log?: Logger;
  /** Clock in ms (tests); timers stay real. */
  now?: () => number;
  /** Full clock including timers (tests: `ManualClock`); takes precedence over `now`. */
  clock?: Clock;
  /** `--data.retention` in ms (default 120h): how long silences and log entries are kept after they end. */
  retention?: number;
}

const MAINTENANCE_INTERVAL = 15 * 60_000;
/**
 * ms of work storing one posted batch before yielding to the event loop: a batch of 100,000
 * alerts (seconds of work) then delays other requests by about this much at a time.
 */
const RECEIVE_SLICE_MS = 10;
const ALERT_GC_INTERVAL = 30 * 60_000;

/** The running Alertmanager. */
export class Alertmanager implements AlertSink {
  private cfg!: AlertmanagerConfig;
  private route!: Route;
  private dispatcher!: Dispatcher;
  private inhibitor!: Inhibitor;
  private pipeline: Pipeline | null = null;
  private readonly api: ApiV2;
  private readonly timers: TimerHandle[] = [];
  private stopped = false;

  private constructor(
    private readonly opts: AlertmanagerOptions,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly externalURL: string,
    private readonly store: AlertStore,
    private readonly marker: Marker,
    private readonly silences: Silences,
    private readonly nflog: NotificationLog,
    private readonly metrics: AlertmanagerMetrics,
    startTime: number,
  ) {
    const now = () => this.clock.now();
    this.api = new ApiV2({
      config: () => this.cfg,
      route: () => this.route,
      configText: () => maskedConfigText(this.cfg.original),
      store,
      marker,
      silences,
      groups: () => this.dispatcher.groupViews(),
      refreshStatus: (a) => {
        this.inhibitor.mutes(a.labels, a.fingerprint);
        const m = silences.matching(a.labels);
        marker.setSilenced(a.fingerprint, m.active, m.pending);
      },
      receive: (alerts) => this.receive(alerts),
      now,
      startTime,
    });
  }

  /**
   * Loads the config, silences and notification log from `storagePath`, and starts dispatching.
   * @throws {ConfigError} for an invalid config or notification template (located at the `templates:` entry)
   * @throws {StateFileError} for an unreadable state file
   */
  static async start(opts: AlertmanagerOptions): Promise<Alertmanager> {
    const clock = opts.clock ?? (opts.now ? clockFromNow(opts.now) : systemClock);
    const log = opts.log ?? new Logger({ component: 'alertmanager' });
    const cfg = loadAlertmanagerConfig(opts.configFile);
    mkdirSync(opts.storagePath, { recursive: true });
    const now = () => clock.now();
    const marker = new Marker();
    const store = new AlertStore(marker, now);
    const onWriteError = (e: unknown) => log.error('Writing state file failed', { err: e });
    const silences = new Silences({ now, retention: opts.retention, file: join(opts.storagePath, 'silences.json'), onWriteError });
    const nflog = new NotificationLog({ now, retention: opts.retention, file: join(opts.storagePath, 'nflog.json'), onWriteError });
    let am: Alertmanager | null = null;
    const metrics = new AlertmanagerMetrics(
      {
        alertsByState: () => store.countByState(),
        silencesByState: () => silences.countByState(),
        aggregationGroups: () => am?.dispatcher.size ?? 0,
      },
      opts.registry,
    );
    const externalURL = (opts.externalURL ?? `http://${hostname()}:9093`).replace(/\/+$/, '');
    am = new Alertmanager(opts, clock, log, externalURL, store, marker, silences, nflog, metrics, clock.now());
    am.apply(cfg);
    metrics.configReloadSuccessful.set(1);
    metrics.configReloadSuccessTimestamp.set(Math.floor(clock.now() / 1000));
    am.startMaintenance();
    log.info('Completed loading of configuration file', { file: opts.configFile });
    return am;
  }

  private apply(cfg: AlertmanagerConfig): void {
    const templates = loadNotificationTemplates(cfg, this.opts.configFile, this.externalURL, () => this.clock.now());
    const receivers = buildReceivers(cfg, this.log);
    const route = new Route(cfg.route);
    this.dispatcher?.stop();
    this.inhibitor?.stop();
    this.pipeline?.stop();
    const now = () => this.clock.now();
    this.cfg = cfg;
    this.route = route;
    this.inhibitor = new Inhibitor(cfg.inhibit_rules, this.store, this.marker, now);
    const pipeline = new Pipeline(
      {
        receivers,
        timeIntervals: cfg.time_intervals,
        templates,
        inhibitor: this.inhibitor,
        silences: this.silences,
        marker: this.marker,
        nflog: this.nflog,
        metrics: this.metrics,
        clock: this.clock,
        log: this.log.with({ component: 'dispatcher' }),
      },
      this.externalURL,
    );
    this.pipeline = pipeline;
    this.dispatcher = new Dispatcher(route, this.store, this.clock, (ctx, alerts) => pipeline.exec(ctx, alerts), this.log.with({ component: 'dispatcher' }));
    this.dispatcher.start();
  }

  private startMaintenance(): void {
    const every = (ms: number, fn: () => void) => {
      const run = () => {
        if (this.stopped) return;
        try {
          fn();
        } catch (e) {
          this.log.error('Running maintenance failed', { err: e });
        }
        this.timers.push(this.clock.setTimeout(run, ms));
      };
      this.timers.push(this.clock.setTimeout(run, ms));
    };
    every(MAINTENANCE_INTERVAL, () => {
      this.silences.gc();
      this.nflog.gc();
      this.inhibitor.gc();
    });
    every(ALERT_GC_INTERVAL, () => this.store.gc());
  }

  /**
   * Receives alerts as `POST /api/v2/alerts` does: sets `updatedAt`, defaults `startsAt` (now,
   * or `endsAt` when only that is given) and `endsAt` (now + `resolve_timeout`, marked as timeout),
   * drops empty label values, validates, stores the valid alerts. A large batch is stored in
   * slices of {@link RECEIVE_SLICE_MS} of work, one per event-loop turn.
   * @returns the `; `-joined validation errors of rejected alerts, or null
   */
  private async receive(posted: PostedAlert[]): Promise<string | null> {
    const now = this.clock.now();
    const errors: string[] = [];
    for (let from = 0; from < posted.length; ) {
      if (from > 0) await new Promise<void>((r) => setImmediate(r));
      const sliceEnd = performance.now() + RECEIVE_SLICE_MS;
      let firing = 0;
      let resolved = 0;
      let invalid = 0;
      while (from < posted.length && performance.now() < sliceEnd) {
        const p = posted[from++]!;
        let startsAt = p.startsAt;
        let endsAt = p.endsAt;
        let timeout = false;
        if (startsAt === ZERO_TIME) startsAt = endsAt === ZERO_TIME ? now : endsAt;
        if (endsAt === ZERO_TIME) {
          timeout = true;
          endsAt = now + this.cfg.global.resolve_timeout;
        }
        if (endsAt > now) firing++;
        else resolved++;
        const labels: Record<string, string> = {};
        for (const [k, v] of Object.entries(p.labels)) if (v !== '') labels[k] = v;
        const candidate = { labels, annotations: p.annotations, startsAt, endsAt };
        const err = validateAlert(candidate);
        if (err) {
          errors.push(err);
          invalid++;
          continue;
        }
        // Stored one by one: storing (routing, grouping) is most of the work the slice bounds.
        this.store.put([makeAlert({ ...candidate, updatedAt: now, generatorURL: p.generatorURL, timeout })]);
      }
      if (firing > 0) this.metrics.alertsReceived.inc({ status: 'firing', version: 'v2' }, firing);
      if (resolved > 0) this.metrics.alertsReceived.inc({ status: 'resolved', version: 'v2' }, resolved);
      if (invalid > 0) this.metrics.alertsInvalid.inc({ version: 'v2' }, invalid);
    }
    if (errors.length > 0) {
      this.log.error('Failed to validate alerts', { err: errors.join('; ') });
      return errors.join('; ');
    }
    return null;
  }

  /**
   * Delivers alerts in-process, with the semantics of `POST /api/v2/alerts`.
   * @throws {Error} with the API's 400 message when some alerts are invalid (valid ones are stored).
   */
  async postAlerts(alerts: PostableAlert[]): Promise<void> {
    let posted: PostedAlert[];
    try {
      posted = readPostableAlerts(alerts);
    } catch (e) {
      if (e instanceof ApiError) throw new Error(e.message);
      throw e;
    }
    const err = await this.receive(posted);
    if (err !== null) throw new Error(err);
  }

  /**
   * Re-reads the config file and applies it; on any error throws and keeps the old config
   * running (`alertmanager_config_last_reload_successful` becomes 0).
   * @throws {ConfigError}
   */
  async reload(): Promise<void> {
    try {
      this.apply(loadAlertmanagerConfig(this.opts.configFile));
    } catch (e) {
      this.metrics.configReloadSuccessful.set(0);
      this.log.error('Loading configuration file failed', { file: this.opts.configFile, err: e });
      throw e;
    }
    this.metrics.configReloadSuccessful.set(1);
    this.metrics.configReloadSuccessTimestamp.set(Math.floor(this.clock.now() / 1000));
    this.log.info('Completed loading of configuration file', { file: this.opts.configFile });
  }

  /** API v2 without HTTP: `path` is what follows `/api/v2` (e.g. `/alerts/groups`). */
  handleApiV2(req: ApiRequest): Promise<ApiResponse> {
    return this.api.handle(req);
  }

  /** The loaded configuration. */
  get config(): AlertmanagerConfig {
    return this.cfg;
  }

  /** Persists silences and the notification log and stops all timers. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.dispatcher.stop();
    this.inhibitor.stop();
    this.pipeline?.stop();
    this.silences.persist();
    this.nflog.persist();
  }
}
