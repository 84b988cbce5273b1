/**
 * The dispatcher, as Alertmanager 0.25's `dispatch` package: every stored alert is routed; per
 * matched route and distinct values of the route's `group_by` labels there is one aggregation
 * group. A new group flushes after `group_wait` (at once if its first alert is older than
 * `group_wait`), then every `group_interval`. A flush hands the group's alerts (those not yet
 * resolved get a zero `endsAt`) to the notification pipeline with a deadline of
 * `max(group_interval, 10s)`; after a successful flush, resolved alerts that did not change
 * meanwhile leave the group. Empty groups are removed every 30 s.
 */
import { ZERO_TIME, resolvedAt, type Alert } from './alert.js';
import type { Clock, TimerHandle } from './clock.js';
import { compareAlertLabels, labelSetString } from './labelset.js';
import type { Route } from './route.js';
import type { AlertStore } from './store.js';
import type { FlushContext } from './notify/pipeline.js';
import type { Logger } from '../log.js';

/** Upstream `notify.MinTimeout`: the shortest flush deadline. */
const MIN_FLUSH_TIMEOUT = 10_000;
/** How often empty aggregation groups are removed (upstream: 30s ticker). */
const CLEANUP_INTERVAL = 30_000;

/** Runs the notification pipeline for a flush; resolves true on success. */
export type FlushFn = (ctx: FlushContext, alerts: readonly Alert[]) => Promise<boolean>;

/** One aggregation group. */
export class AggregationGroup {
  readonly alerts = new Map<string, Alert>();
  readonly groupKey: string;
  private timer: TimerHandle | null = null;
  private hasFlushed = false;
  private flushing = false;
  private pendingFlush = false;
  private stopped = false;
  private abort: AbortController | null = null;

  constructor(
    readonly route: Route,
    readonly labels: Readonly<Record<string, string>>,
    private readonly clock: Clock,
    private readonly flushFn: FlushFn,
    private readonly log: Logger,
  ) {
    this.groupKey = `${route.key}:${labelSetString(labels)}`;
    this.schedule(route.opts.groupWait);
  }

  private schedule(ms: number): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.tick(), ms);
  }

  /** Adds or replaces an alert; flushes at once if the group has not flushed and the alert is older than group_wait. */
  insert(a: Alert): void {
    this.alerts.set(a.fingerprint, a);
    if (!this.hasFlushed && a.startsAt + this.route.opts.groupWait < this.clock.now()) this.schedule(0);
  }

  /** True when the group holds no alerts. */
  empty(): boolean {
    return this.alerts.size === 0;
  }

  private tick(): void {
    this.timer = null;
    if (this.stopped) return;
    this.schedule(this.route.opts.groupInterval);
    this.hasFlushed = true;
    if (this.flushing) {
      this.pendingFlush = true;
      return;
    }
    void this.flush();
  }

  private async flush(): Promise<void> {
    if (this.empty()) return;
    this.flushing = true;
    const now = this.clock.now();
    const opts = this.route.opts;
    const batch = [...this.alerts.values()]
      .map((a) => (resolvedAt(a, now) ? a : { ...a, endsAt: ZERO_TIME }))
      .sort((x, y) => compareAlertLabels(x.labels, y.labels));
    const abort = new AbortController();
    this.abort = abort;
    const deadline = this.clock.setTimeout(() => abort.abort(new Error('context deadline exceeded')), Math.max(opts.groupInterval, MIN_FLUSH_TIMEOUT));
    let ok = false;
    try {
      ok = await this.flushFn(
        {
          receiver: opts.receiver,
          groupKey: this.groupKey,
          groupLabels: this.labels,
          repeatInterval: opts.repeatInterval,
          muteTimeIntervals: opts.muteTimeIntervals,
          activeTimeIntervals: opts.activeTimeIntervals,
          now,
          signal: abort.signal,
        },
        batch,
      );
    } catch (e) {
      this.log.error('Notify for alerts failed', { num_alerts: batch.length, err: e });
    } finally {
      this.clock.clearTimeout(deadline);
      this.abort = null;
    }
    if (ok) {
      for (const a of batch) {
        const cur = this.alerts.get(a.fingerprint);
        if (cur && resolvedAt(a, now) && cur.updatedAt === a.updatedAt) this.alerts.delete(a.fingerprint);
      }
    }
    this.flushing = false;
    if (this.pendingFlush && !this.stopped) {
      this.pendingFlush = false;
      void this.flush();
    }
  }

  /** Stops the group's timers and cancels a running flush. */
  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.abort?.abort(new Error('context canceled'));
  }
}

/** An aggregation group as the API lists it. */
export interface GroupView {
  labels: Readonly<Record<string, string>>;
  receiver: string;
  alerts: Alert[];
}

/** Routes stored alerts into aggregation groups and flushes them. */
export class Dispatcher {
  private readonly groups = new Map<Route, Map<string, AggregationGroup>>();
  private unsubscribe: (() => void) | null = null;
  private cleanupTimer: TimerHandle | null = null;

  constructor(
    readonly route: Route,
    private readonly store: AlertStore,
    private readonly clock: Clock,
    private readonly flushFn: FlushFn,
    private readonly log: Logger,
  ) {}

  /** Starts consuming alerts (every stored alert first) and the periodic cleanup. */
  start(): void {
    this.unsubscribe = this.store.subscribe((a) => this.process(a));
    this.scheduleCleanup();
  }

  private scheduleCleanup(): void {
    this.cleanupTimer = this.clock.setTimeout(() => {
      this.cleanup();
      this.scheduleCleanup();
    }, CLEANUP_INTERVAL);
  }

  /** Removes empty aggregation groups. */
  cleanup(): void {
    for (const groups of this.groups.values()) {
      for (const [k, g] of groups) {
        if (g.empty()) {
          g.stop();
          groups.delete(k);
        }
      }
    }
  }

  private process(a: Alert): void {
    for (const r of this.route.match(a.labels)) {
      const labels = r.groupLabels(a.labels);
      const key = labelSetString(labels);
      let groups = this.groups.get(r);
      if (!groups) {
        groups = new Map();
        this.groups.set(r, groups);
      }
      let g = groups.get(key);
      if (!g) {
        g = new AggregationGroup(r, labels, this.clock, this.flushFn, this.log.with({ aggrGroup: `${r.key}:${key}` }));
        groups.set(key, g);
      }
      g.insert(a);
    }
  }

  /** Number of aggregation groups. */
  get size(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.size;
    return n;
  }

  /** Snapshot of all groups with their current alerts. */
  groupViews(): GroupView[] {
    const out: GroupView[] = [];
    for (const [route, groups] of this.groups) {
      for (const g of groups.values()) out.push({ labels: g.labels, receiver: route.opts.receiver, alerts: [...g.alerts.values()] });
    }
    return out;
  }

  /** Stops consuming alerts and all groups. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.cleanupTimer) this.clock.clearTimeout(this.cleanupTimer);
    this.cleanupTimer = null;
    for (const groups of this.groups.values()) for (const g of groups.values()) g.stop();
    this.groups.clear();
  }
}
