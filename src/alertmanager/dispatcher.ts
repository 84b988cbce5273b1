/**
 * The dispatcher, as Alertmanager 0.25's `dispatch` package: every stored alert is routed; per
 * matched route and distinct values of the route's `group_by` labels there is one aggregation
 * group. A new group flushes after `group_wait` (at once if its first alert is older than
 * `group_wait`), then every `group_interval`. A flush hands the group's alerts (those not yet
 * resolved get a zero `endsAt`) to the notification pipeline with a deadline of
 * `max(group_interval, 10s)`; after a successful flush, resolved alerts that did not change
 * meanwhile leave the group. Empty groups are removed every 30 s.
 *
 * Flushes that fall due together (thousands of groups created by one batch of alerts share their
 * group_wait timer instant) start in slices of at most {@link FLUSH_SLICE_MS} of synchronous work
 * per event-loop turn, so HTTP requests and timers keep being served in between — upstream runs
 * each group in its own goroutine, which Go's scheduler preempts. Taking over the stored alerts
 * after a reload and cancelling the old groups' flushes are sliced the same way.
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
/**
 * ms of queued dispatcher work run back to back before yielding to the event loop: short enough
 * that a health check or API call waits at most about this long, long enough that yielding (one
 * `setImmediate` per slice) costs nothing measurable.
 */
export const FLUSH_SLICE_MS = 10;

/**
 * Runs the dispatcher's bulk work — flush starts, alerts taken over after a reload, cancellations
 * of flushes on stop — in order, {@link FLUSH_SLICE_MS} of it at a time, continuing on the next
 * event-loop turn.
 */
export class FlushQueue {
  private tasks: (() => void)[] = [];
  private head = 0;
  private scheduled = false;

  /** Queues `task` to run on a coming event-loop turn. */
  push(task: () => void): void {
    this.tasks.push(task);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Tasks queued and not yet run. */
  get length(): number {
    return this.tasks.length - this.head;
  }

  private drain(): void {
    const end = performance.now() + FLUSH_SLICE_MS;
    while (this.head < this.tasks.length) {
      const task = this.tasks[this.head]!;
      this.tasks[this.head++] = NOOP;
      task();
      if (performance.now() >= end) break;
    }
    if (this.head < this.tasks.length) {
      if (this.head > 1024) {
        this.tasks = this.tasks.slice(this.head);
        this.head = 0;
      }
      setImmediate(() => this.drain());
      return;
    }
    this.tasks = [];
    this.head = 0;
    this.scheduled = false;
  }
}

const NOOP = () => {};

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
    /** The dispatcher's logger; the group adds its `aggrGroup` field when it logs (rarely). */
    private readonly log: Logger,
    private readonly queue: FlushQueue,
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
    this.flushing = true;
    this.queue.push(() => void this.flush());
  }

  private async flush(): Promise<void> {
    if (this.stopped || this.empty()) {
      this.flushing = false;
      return;
    }
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
      this.log.with({ aggrGroup: this.groupKey }).error('Notify for alerts failed', { num_alerts: batch.length, err: e });
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
    if (this.pendingFlush && !this.stopped) {
      this.pendingFlush = false;
      this.queue.push(() => void this.flush());
      return;
    }
    this.flushing = false;
  }

  /** Stops the group's timers: it never flushes again. A running flush goes on until {@link cancel}. */
  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Whether a flush is running (and {@link cancel} would abort it). */
  get flushRunning(): boolean {
    return this.abort !== null;
  }

  /** Aborts a running flush (`context canceled`). */
  cancel(): void {
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
  private readonly queue = new FlushQueue();
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private cleanupTimer: TimerHandle | null = null;

  constructor(
    readonly route: Route,
    private readonly store: AlertStore,
    private readonly clock: Clock,
    private readonly flushFn: FlushFn,
    private readonly log: Logger,
  ) {}

  /**
   * Starts consuming alerts and the periodic cleanup. Alerts stored before are taken in slices on
   * the coming event-loop turns (a reload with 100,000 alerts would otherwise block for seconds);
   * one replaced meanwhile is skipped, as its newer version arrives through the subscription.
   */
  start(): void {
    this.unsubscribe = this.store.subscribe((a) => this.process(a), false);
    for (const a of this.store.list()) {
      this.queue.push(() => {
        if (!this.stopped && this.store.get(a.fingerprint) === a) this.process(a);
      });
    }
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
          g.cancel();
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
        g = new AggregationGroup(r, labels, this.clock, this.flushFn, this.log, this.queue);
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

  /**
   * Stops consuming alerts and all groups: no group flushes again; flushes in progress are
   * cancelled on the coming event-loop turns, in slices.
   */
  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.cleanupTimer) this.clock.clearTimeout(this.cleanupTimer);
    this.cleanupTimer = null;
    for (const groups of this.groups.values()) {
      for (const g of groups.values()) {
        g.stop();
        if (g.flushRunning) this.queue.push(() => g.cancel());
      }
    }
    this.groups.clear();
  }
}
