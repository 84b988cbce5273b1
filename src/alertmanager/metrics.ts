/**
 * Self-metrics of the Alertmanager core, named and labelled as Alertmanager 0.25 names them so
 * existing dashboards work: `alertmanager_alerts{state}`, `alertmanager_alerts_received_total
 * {status,version}`, `alertmanager_alerts_invalid_total{version}`, `alertmanager_notifications_total
 * {integration}`, `alertmanager_notifications_failed_total{integration}`,
 * `alertmanager_notification_requests_total`, `alertmanager_notification_requests_failed_total`,
 * `alertmanager_notification_latency_seconds`, `alertmanager_silences{state}`,
 * `alertmanager_dispatcher_aggregation_groups`, `alertmanager_config_last_reload_successful`,
 * `alertmanager_config_last_reload_success_timestamp_seconds`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AlertState } from './store.js';
import type { SilenceState } from './silences.js';

/** Integrations pre-initialised with zero counters, as upstream 0.25. */
const INTEGRATIONS = ['email', 'pagerduty', 'wechat', 'pushover', 'slack', 'opsgenie', 'webhook', 'victorops', 'sns', 'telegram'];

/** Sources of the gauge values, read at scrape time. */
export interface MetricSources {
  alertsByState(): Record<AlertState, number>;
  silencesByState(): Record<SilenceState, number>;
  aggregationGroups(): number;
}

/** The Alertmanager's metrics. */
export class AlertmanagerMetrics {
  readonly alertsReceived: Counter<'status' | 'version'>;
  readonly alertsInvalid: Counter<'version'>;
  readonly notifications: Counter<'integration'>;
  readonly notificationsFailed: Counter<'integration'>;
  readonly notificationRequests: Counter<'integration'>;
  readonly notificationRequestsFailed: Counter<'integration'>;
  readonly notificationLatency: Histogram<'integration'>;
  readonly configReloadSuccessful: Gauge;
  readonly configReloadSuccessTimestamp: Gauge;

  /** @param registry where to register (a private registry when omitted) */
  constructor(sources: MetricSources, registry: Registry = new Registry()) {
    const registers = [registry];
    new Gauge({
      name: 'alertmanager_alerts',
      help: 'How many alerts by state.',
      labelNames: ['state'],
      registers,
      collect() {
        const c = sources.alertsByState();
        for (const s of ['active', 'suppressed', 'unprocessed'] as const) this.set({ state: s }, c[s]);
      },
    });
    new Gauge({
      name: 'alertmanager_silences',
      help: 'How many silences by state.',
      labelNames: ['state'],
      registers,
      collect() {
        const c = sources.silencesByState();
        for (const s of ['active', 'pending', 'expired'] as const) this.set({ state: s }, c[s]);
      },
    });
    new Gauge({
      name: 'alertmanager_dispatcher_aggregation_groups',
      help: 'Number of active aggregation groups',
      registers,
      collect() {
        this.set(sources.aggregationGroups());
      },
    });
    this.alertsReceived = new Counter({
      name: 'alertmanager_alerts_received_total',
      help: 'The total number of received alerts.',
      labelNames: ['status', 'version'],
      registers,
    });
    this.alertsInvalid = new Counter({
      name: 'alertmanager_alerts_invalid_total',
      help: 'The total number of received alerts that were invalid.',
      labelNames: ['version'],
      registers,
    });
    this.alertsReceived.inc({ status: 'firing', version: 'v2' }, 0);
    this.alertsReceived.inc({ status: 'resolved', version: 'v2' }, 0);
    this.alertsInvalid.inc({ version: 'v2' }, 0);
    this.notifications = new Counter({
      name: 'alertmanager_notifications_total',
      help: 'The total number of attempted notifications.',
      labelNames: ['integration'],
      registers,
    });
    this.notificationsFailed = new Counter({
      name: 'alertmanager_notifications_failed_total',
      help: 'The total number of failed notifications.',
      labelNames: ['integration'],
      registers,
    });
    this.notificationRequests = new Counter({
      name: 'alertmanager_notification_requests_total',
      help: 'The total number of attempted notification requests.',
      labelNames: ['integration'],
      registers,
    });
    this.notificationRequestsFailed = new Counter({
      name: 'alertmanager_notification_requests_failed_total',
      help: 'The total number of failed notification requests.',
      labelNames: ['integration'],
      registers,
    });
    this.notificationLatency = new Histogram({
      name: 'alertmanager_notification_latency_seconds',
      help: 'The latency of notifications in seconds.',
      labelNames: ['integration'],
      buckets: [1, 5, 10, 15, 20],
      registers,
    });
    for (const integration of INTEGRATIONS) {
      for (const c of [this.notifications, this.notificationsFailed, this.notificationRequests, this.notificationRequestsFailed]) {
        c.inc({ integration }, 0);
      }
      this.notificationLatency.zero({ integration });
    }
    this.configReloadSuccessful = new Gauge({
      name: 'alertmanager_config_last_reload_successful',
      help: 'Whether the last configuration reload attempt was successful.',
      registers,
    });
    this.configReloadSuccessTimestamp = new Gauge({
      name: 'alertmanager_config_last_reload_success_timestamp_seconds',
      help: 'Timestamp of the last successful configuration reload.',
      registers,
    });
  }
}
