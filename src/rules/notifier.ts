/**
 * The notifier, as Prometheus's `notifier.Manager`: a bounded queue of alerts (oldest dropped
 * when full), drained in batches of 64 to every Alertmanager: `POST <url><path_prefix>/api/v2/alerts`
 * with a JSON array of alerts, and the in-process Alertmanager's `postAlerts`. External labels are
 * added to alerts that lack them, then `alerting.alert_relabel_configs` apply (an alert they drop is not
 * sent); an Alertmanager's own `alert_relabel_configs` apply to what is sent to it. A batch counts as delivered when at least one Alertmanager took
 * it; otherwise it is dropped (`prometheus_notifications_dropped_total`).
 */
import { Counter, Gauge, Summary, type Registry } from 'prom-client';
import type { AlertSink, PostableAlert } from '../alertmanager/types.js';
import type { RelabelConfig } from '../config/relabel.js';
import { relabel } from '../config/relabel.js';
import type { Logger } from '../log.js';
import { fromObject, toObject } from '../model/labels.js';

/** One Alertmanager reached over HTTP. */
export interface AlertmanagerTarget {
  /** Base URL, e.g. `http://127.0.0.1:9093`. */
  url: string;
  /** `path_prefix` of the alerting config, e.g. `/alertmanager`. */
  pathPrefix?: string;
  /** Request timeout in ms (default 10 s, as upstream). */
  timeoutMs?: number;
  /** Extra request headers (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /** This Alertmanager's `alert_relabel_configs`, applied after the global ones. */
  alertRelabelConfigs?: RelabelConfig[];
}

/** Options of {@link Notifier}. */
export interface NotifierOptions {
  /** The in-process Alertmanager. */
  inProcess?: AlertSink;
  targets?: AlertmanagerTarget[];
  /** Added to every alert that does not have the label. */
  externalLabels?: Record<string, string>;
  /** `alerting.alert_relabel_configs`, applied to every alert after the external labels. */
  alertRelabelConfigs?: RelabelConfig[];
  /** Queue capacity in alerts (`--alertmanager.notification-queue-capacity`, default 10000). */
  queueCapacity?: number;
  log?: Logger;
  registry?: Registry;
}

/** Upstream `maxBatchSize`. */
const MAX_BATCH_SIZE = 64;
const DEFAULT_TIMEOUT_MS = 10_000;
const IN_PROCESS = 'in-process';

interface Destination {
  /** Metric label: the alerts URL, or `in-process`. */
  name: string;
  relabelConfigs: readonly RelabelConfig[];
  post(body: PostableAlert[]): Promise<void>;
}

/** `<url><path_prefix>/api/v2/alerts` with single slashes between the parts. */
export function alertsURL(t: AlertmanagerTarget): string {
  const base = t.url.replace(/\/+$/, '');
  const prefix = (t.pathPrefix ?? '').replace(/^\/+|\/+$/g, '');
  return `${base}${prefix ? '/' + prefix : ''}/api/v2/alerts`;
}

function httpDestination(t: AlertmanagerTarget): Destination {
  const url = alertsURL(t);
  return {
    name: url,
    relabelConfigs: t.alertRelabelConfigs ?? [],
    async post(body) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'Lookout', ...(t.headers ?? {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(t.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) throw new Error(`bad response status ${res.status} ${res.statusText}`);
    },
  };
}

/** Sends alerts to Alertmanagers. */
export class Notifier {
  private queue: PostableAlert[] = [];
  private destinations: Destination[] = [];
  private draining: Promise<void> | null = null;
  private stopped = false;
  private readonly capacity: number;
  private externalLabels: [string, string][];
  private alertRelabelConfigs: readonly RelabelConfig[];
  private readonly log: Logger | null;
  private readonly sent: Counter<'alertmanager'>;
  private readonly errors: Counter<'alertmanager'>;
  private readonly dropped: Counter;
  private readonly latency: Summary<'alertmanager'>;
  private readonly discovered: Gauge;

  constructor(private readonly opts: NotifierOptions = {}) {
    this.capacity = opts.queueCapacity ?? 10_000;
    this.externalLabels = Object.entries(opts.externalLabels ?? {});
    this.alertRelabelConfigs = opts.alertRelabelConfigs ?? [];
    this.log = opts.log ?? null;
    const registers = opts.registry ? [opts.registry] : [];
    const labelNames = ['alertmanager'] as const;
    this.sent = new Counter({
      name: 'prometheus_notifications_sent_total',
      help: 'Total number of alerts sent.',
      labelNames,
      registers,
    });
    this.errors = new Counter({
      name: 'prometheus_notifications_errors_total',
      help: 'Total number of sent alerts affected by errors.',
      labelNames,
      registers,
    });
    this.dropped = new Counter({
      name: 'prometheus_notifications_dropped_total',
      help: 'Total number of alerts dropped due to errors when sending to Alertmanager.',
      registers,
    });
    this.latency = new Summary({
      name: 'prometheus_notifications_latency_seconds',
      help: 'Latency quantiles for sending alert notifications.',
      labelNames,
      percentiles: [0.5, 0.9, 0.99],
      registers,
    });
    const self = this;
    new Gauge({
      name: 'prometheus_notifications_queue_length',
      help: 'The number of alert notifications in the queue.',
      registers,
      collect() {
        this.set(self.queue.length);
      },
    });
    new Gauge({
      name: 'prometheus_notifications_queue_capacity',
      help: 'The capacity of the alert notifications queue.',
      registers,
      collect() {
        this.set(self.capacity);
      },
    });
    this.discovered = new Gauge({
      name: 'prometheus_notifications_alertmanagers_discovered',
      help: 'The number of alertmanagers discovered and active.',
      registers,
    });
    this.setTargets(opts.targets ?? []);
  }

  /** Replaces `global.external_labels` added to alerts sent from now on. */
  setExternalLabels(labels: Record<string, string>): void {
    this.externalLabels = Object.entries(labels);
  }

  /** Replaces `alerting.alert_relabel_configs` for alerts sent from now on. */
  setAlertRelabelConfigs(cfgs: readonly RelabelConfig[]): void {
    this.alertRelabelConfigs = cfgs;
  }

  /** Replaces the HTTP Alertmanagers (the in-process one stays). */
  setTargets(targets: AlertmanagerTarget[]): void {
    const dests: Destination[] = [];
    const inProcess = this.opts.inProcess;
    if (inProcess) dests.push({ name: IN_PROCESS, relabelConfigs: [], post: (body) => inProcess.postAlerts(body) });
    for (const t of targets) dests.push(httpDestination(t));
    // As upstream, each Alertmanager's counters exist at 0 as soon as it is known.
    for (const d of dests) {
      this.sent.inc({ alertmanager: d.name }, 0);
      this.errors.inc({ alertmanager: d.name }, 0);
    }
    this.destinations = dests;
    this.discovered.set(dests.length);
  }

  /** Number of alerts waiting to be sent. */
  queueLength(): number {
    return this.queue.length;
  }

  /**
   * Queues alerts (API v2 `PostableAlert` shape) for every Alertmanager, adding external labels
   * the alerts lack, then applying `alert_relabel_configs` (dropped alerts are not queued, nor
   * counted as dropped, as upstream). When the queue overflows the oldest alerts are dropped. Never throws.
   */
  send(alerts: PostableAlert[]): void {
    if (this.stopped || alerts.length === 0) {
      if (this.stopped) this.dropped.inc(alerts.length);
      return;
    }
    let batch = relabelAlerts(alerts.map((a) => this.withExternalLabels(a)), this.alertRelabelConfigs);
    let d = batch.length - this.capacity;
    if (d > 0) {
      batch = batch.slice(d);
      this.log?.warn('Alert batch larger than queue capacity, dropping alerts', { num_dropped: d });
      this.dropped.inc(d);
    }
    d = this.queue.length + batch.length - this.capacity;
    if (d > 0) {
      this.queue = this.queue.slice(d);
      this.log?.warn('Alert notification queue full, dropping alerts', { num_dropped: d });
      this.dropped.inc(d);
    }
    this.queue.push(...batch);
    this.kick();
  }

  private withExternalLabels(a: PostableAlert): PostableAlert {
    if (this.externalLabels.length === 0) return a;
    const labels = { ...a.labels };
    for (const [k, v] of this.externalLabels) if (!labels[k]) labels[k] = v;
    return { ...a, labels };
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH_SIZE);
      if (!(await this.sendAll(batch))) this.dropped.inc(batch.length);
    }
  }

  /** Posts a batch to every destination; true when at least one accepted it. */
  private async sendAll(batch: PostableAlert[]): Promise<boolean> {
    const dests = this.destinations;
    if (dests.length === 0) return false;
    const results = await Promise.all(
      dests.map(async (d) => {
        const body = relabelAlerts(batch, d.relabelConfigs);
        if (body.length === 0) return true;
        const t0 = performance.now();
        try {
          await d.post(body);
          this.sent.inc({ alertmanager: d.name }, body.length);
          return true;
        } catch (e) {
          this.errors.inc({ alertmanager: d.name }, body.length);
          this.log?.error('Error sending alerts', { alertmanager: d.name, count: body.length, err: (e as Error).message });
          return false;
        } finally {
          this.latency.observe({ alertmanager: d.name }, (performance.now() - t0) / 1000);
        }
      }),
    );
    return results.some(Boolean);
  }

  /** Resolves once every queued alert has been sent (or dropped). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Sends what is queued (as `--alertmanager.drain-notification-queue-on-shutdown`), then refuses new alerts. */
  async stop(): Promise<void> {
    await this.flush();
    this.stopped = true;
  }
}

/** Alerts with their labels passed through `cfgs` (upstream `relabelAlerts`); those dropped are left out. */
function relabelAlerts(alerts: PostableAlert[], cfgs: readonly RelabelConfig[]): PostableAlert[] {
  if (cfgs.length === 0) return alerts;
  const out: PostableAlert[] = [];
  for (const a of alerts) {
    const ls = relabel(fromObject(a.labels), cfgs);
    if (ls) out.push({ ...a, labels: toObject(ls) });
  }
  return out;
}
