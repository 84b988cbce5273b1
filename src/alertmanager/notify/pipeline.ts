/**
 * The notification pipeline run on every aggregation-group flush, as Alertmanager 0.25's
 * `notify.PipelineBuilder`: inhibition → active time intervals → mute time intervals → silences,
 * then for each integration of the receiver, concurrently: dedup against the notification log →
 * send with retries (exponential backoff until the flush deadline) → record in the notification log.
 * Each attempt first waits for one of the integration's slots (`limit.ts`: at most 64 sends in
 * flight per receiver integration; upstream has no such bound).
 *
 * Alerts are filtered by each mute stage; when none are left, the flush counts as successful.
 *
 * The per-attempt log lines (`Notify attempt failed, will retry later`, `Notify for alerts failed`,
 * `Notify success` after retries) are rate-limited per receiver integration (see `limit.ts`): with
 * thousands of aggregation groups failing against one endpoint, each window writes a few lines and
 * a count instead of one line per group.
 */
import type { Logger } from '../../log.js';
import { resolvedAt, type Alert } from '../alert.js';
import type { Clock } from '../clock.js';
import type { Inhibitor } from '../inhibit.js';
import type { AlertmanagerMetrics } from '../metrics.js';
import type { NflogEntry, NflogReceiver, NotificationLog } from '../nflog.js';
import type { Silences } from '../silences.js';
import type { Marker } from '../store.js';
import { templateData, type NotificationTemplates } from '../template.js';
import { inAnyInterval, type TimeInterval } from '../timeinterval.js';
import { NotifyError, type Integration, type NotifyContext } from './common.js';
import { LogRateLimiter, integrationLimiter } from './limit.js';

/** What the dispatcher passes for one flush of an aggregation group. */
export interface FlushContext {
  receiver: string;
  groupKey: string;
  groupLabels: Readonly<Record<string, string>>;
  /** ms */
  repeatInterval: number;
  muteTimeIntervals: readonly string[];
  activeTimeIntervals: readonly string[];
  /** ms: flush time. */
  now: number;
  signal: AbortSignal;
}

/** The pipeline's collaborators (replaced as a whole on config reload). */
export interface PipelineDeps {
  receivers: ReadonlyMap<string, readonly Integration[]>;
  timeIntervals: ReadonlyMap<string, TimeInterval[]>;
  templates: NotificationTemplates;
  inhibitor: Inhibitor;
  silences: Silences;
  marker: Marker;
  nflog: NotificationLog;
  metrics: AlertmanagerMetrics;
  clock: Clock;
  log: Logger;
}

/** Backoff of upstream's retry stage (cenkalti/backoff defaults): 0.5s × 1.5ⁿ ±50%, at most 60s. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(500 * 1.5 ** attempt, 60_000);
  return base * (0.5 + random());
}

/** Upstream `DedupStage.needsUpdate`. */
export function needsUpdate(
  entry: NflogEntry | undefined,
  firing: ReadonlySet<string>,
  resolved: ReadonlySet<string>,
  sendResolved: boolean,
  repeatInterval: number,
  now: number,
): boolean {
  if (!entry) return firing.size > 0;
  const prevFiring = new Set(entry.firingAlerts);
  for (const f of firing) if (!prevFiring.has(f)) return true;
  if (firing.size === 0) return entry.firingAlerts.length > 0;
  if (sendResolved) {
    const prevResolved = new Set(entry.resolvedAlerts);
    for (const r of resolved) if (!prevResolved.has(r)) return true;
  }
  return entry.timestamp < now - repeatInterval;
}

function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const h = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(h);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The notification pipeline. */
export class Pipeline {
  private readonly limitedLog: LogRateLimiter;

  constructor(
    private readonly deps: PipelineDeps,
    private readonly externalURL: string,
  ) {
    this.limitedLog = new LogRateLimiter(deps.clock);
  }

  /** Writes the pending summaries of rate-limited log lines and stops their timers. */
  stop(): void {
    this.limitedLog.stop();
  }

  /** Runs the pipeline for one flush; resolves true when every stage and integration succeeded. */
  async exec(ctx: FlushContext, alerts: readonly Alert[]): Promise<boolean> {
    const d = this.deps;
    let list = alerts.filter((a) => !d.inhibitor.mutes(a.labels, a.fingerprint));
    if (list.length === 0) return true;
    if (ctx.activeTimeIntervals.length > 0 && !this.inIntervals(ctx.activeTimeIntervals, ctx.now)) {
      d.log.debug('Notifications not sent, route is not within active time', { receiver: ctx.receiver });
      return true;
    }
    if (ctx.muteTimeIntervals.length > 0 && this.inIntervals(ctx.muteTimeIntervals, ctx.now)) {
      d.log.debug('Notifications not sent, route is within mute time', { receiver: ctx.receiver });
      return true;
    }
    list = list.filter((a) => {
      const m = d.silences.matching(a.labels);
      d.marker.setSilenced(a.fingerprint, m.active, m.pending);
      return m.active.length === 0;
    });
    if (list.length === 0) return true;
    const integrations = d.receivers.get(ctx.receiver);
    if (!integrations) {
      d.log.error('Notify for alerts failed', { err: 'stage for receiver missing', receiver: ctx.receiver });
      return false;
    }
    const results = await Promise.all(integrations.map((i) => this.integrationStage(ctx, i, list)));
    return results.every(Boolean);
  }

  private inIntervals(names: readonly string[], now: number): boolean {
    for (const n of names) {
      const intervals = this.deps.timeIntervals.get(n);
      if (intervals && inAnyInterval(intervals, now)) return true;
    }
    return false;
  }

  private async integrationStage(ctx: FlushContext, integration: Integration, alerts: readonly Alert[]): Promise<boolean> {
    const d = this.deps;
    const recv: NflogReceiver = { groupName: ctx.receiver, integration: integration.name, idx: integration.index };
    const now = d.clock.now();
    const firing: string[] = [];
    const resolved: string[] = [];
    for (const a of alerts) (resolvedAt(a, ctx.now) ? resolved : firing).push(a.fingerprint);
    const entry = d.nflog.query(ctx.groupKey, recv);
    if (!needsUpdate(entry, new Set(firing), new Set(resolved), integration.sendResolved, ctx.repeatInterval, now)) return true;

    d.metrics.notifications.inc({ integration: integration.name });
    const ok = await this.send(ctx, integration, alerts, firing.length);
    if (!ok) {
      d.metrics.notificationsFailed.inc({ integration: integration.name });
      return false;
    }
    d.nflog.log(recv, ctx.groupKey, firing, resolved, 2 * ctx.repeatInterval);
    return true;
  }

  private async send(ctx: FlushContext, integration: Integration, alerts: readonly Alert[], numFiring: number): Promise<boolean> {
    const d = this.deps;
    const log = d.log.with({ receiver: ctx.receiver, integration: `${integration.name}[${integration.index}]` });
    const slotKey = `${ctx.receiver}/${integration.name}[${integration.index}]`;
    const limited = (level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>) =>
      this.limitedLog.write(log, level, `${level}\x00${msg}\x00${slotKey}`, msg, fields);
    let sent = alerts;
    if (!integration.sendResolved) {
      if (numFiring === 0) return true;
      sent = alerts.filter((a) => !resolvedAt(a, ctx.now));
    }
    const nctx: NotifyContext = {
      receiver: ctx.receiver,
      groupKey: ctx.groupKey,
      groupLabels: ctx.groupLabels,
      now: ctx.now,
      signal: ctx.signal,
      templates: d.templates,
      data: (as) => templateData(ctx.receiver, ctx.groupLabels, as, this.externalURL, ctx.now),
    };
    let lastErr = '';
    const canceled = (attempts: number): false => {
      const reason = (ctx.signal.reason as Error | undefined)?.message ?? 'context canceled';
      const fields = {
        num_alerts: sent.length,
        err: `${ctx.receiver}/${integration.name}[${integration.index}]: notify retry canceled after ${attempts} attempts: ${lastErr || reason}`,
      };
      if (reason === 'context canceled') log.debug('Notify for alerts failed', fields);
      else limited('error', 'Notify for alerts failed', fields);
      return false;
    };
    for (let attempt = 0; ; attempt++) {
      if (ctx.signal.aborted) return canceled(attempt);
      let release: () => void;
      try {
        release = await integrationLimiter.acquire(slotKey, ctx.signal);
      } catch {
        return canceled(attempt);
      }
      const start = performance.now();
      try {
        await integration.notifier.notify(nctx, sent);
        release();
        d.metrics.notificationLatency.observe({ integration: integration.name }, (performance.now() - start) / 1000);
        d.metrics.notificationRequests.inc({ integration: integration.name });
        if (attempt > 0) limited('info', 'Notify success', { attempts: attempt + 1 });
        else log.debug('Notify success', { attempts: 1 });
        return true;
      } catch (e) {
        release();
        d.metrics.notificationLatency.observe({ integration: integration.name }, (performance.now() - start) / 1000);
        d.metrics.notificationRequests.inc({ integration: integration.name });
        d.metrics.notificationRequestsFailed.inc({ integration: integration.name });
        const err = e instanceof NotifyError ? e : new NotifyError(e instanceof Error ? e.message : String(e), !ctx.signal.aborted);
        if (!err.retry) {
          limited('error', 'Notify for alerts failed', {
            num_alerts: sent.length,
            err: `${ctx.receiver}/${integration.name}[${integration.index}]: notify retry canceled due to unrecoverable error after ${attempt + 1} attempts: ${err.message}`,
          });
          return false;
        }
        if (err.message !== lastErr && !ctx.signal.aborted) limited('warn', 'Notify attempt failed, will retry later', { attempts: attempt + 1, err: err.message });
        lastErr = err.message;
      }
      try {
        await sleep(d.clock, backoffDelay(attempt), ctx.signal);
      } catch {
        // Deadline passed: the next turn reports the cancellation.
      }
    }
  }
}
