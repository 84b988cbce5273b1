/**
 * How many notifications an Alertmanager routing tree would have sent for a backtest's alerts,
 * following Alertmanager 0.25's dispatcher and notification log:
 *
 * - each alert goes to the route nodes it matches, and there to the aggregation group of its
 *   `group_by` labels;
 * - a group is created by its first alert and flushes `group_wait` later, then every
 *   `group_interval`; once all its alerts are resolved and flushed it stays, empty, until the
 *   dispatcher's next 30 s clean-up tick (taken here at multiples of 30 s since the epoch; a real
 *   Alertmanager's phase depends on its start time): an alert arriving before that joins it and
 *   waits for its next flush, a later one creates the group again (with `group_wait`); the
 *   notification log entry is kept either way;
 * - a flush notifies (upstream `DedupStage.needsUpdate`) when a firing alert was not in the last
 *   notification, when every alert is resolved and the last notification had firing ones, when
 *   alerts resolved since the last notification (with `send_resolved`), or when `repeat_interval`
 *   has passed since it.
 *
 * Alerts reach Alertmanager when they start firing and resolve at their resolve time. Not
 * modelled: inhibition, silences, mute/active time intervals, and the few seconds of delay of real
 * delivery. Times in ms.
 */
import type { Route } from '../../alertmanager/route.js';
import type { AlertHistory } from './evaluate.js';

/** Notifications of one aggregation group. */
export interface GroupNotifications {
  receiver: string;
  /** The route node's key, e.g. `{}/{severity="page"}`. */
  route: string;
  /** The group's `group_by` labels. */
  groupLabels: Record<string, string>;
  /** Times (ms) of the notifications. */
  times: number[];
}

/** Options of {@link simulateNotifications}. */
export interface SimulateOptions {
  /** Whether receivers get resolved notifications (`send_resolved`); default true. */
  sendResolved?: boolean;
  /** End of the backtest (ms): flushes after it are not counted. */
  toMs: number;
}

/** Period of Alertmanager's clean-up of empty aggregation groups (upstream: a 30 s ticker). */
export const GROUP_CLEANUP_MS = 30_000;

interface Occurrence {
  fp: string;
  startMs: number;
  endMs: number;
}

/** Whether every element of `sub` is in `set`. */
function subset(sub: ReadonlySet<string>, set: ReadonlySet<string>): boolean {
  for (const x of sub) if (!set.has(x)) return false;
  return true;
}

function simulateGroup(occ: Occurrence[], route: Route, o: SimulateOptions): number[] {
  const { groupWait, groupInterval, repeatInterval } = route.opts;
  const sendResolved = o.sendResolved ?? true;
  occ.sort((a, b) => a.startMs - b.startMs);
  const times: number[] = [];
  let entry: { firing: Set<string>; resolved: Set<string>; at: number } | null = null;
  let next = 0;
  while (next < occ.length) {
    // A new aggregation group: created by the next alert, holding it and everything after it.
    let flush = occ[next]!.startMs + groupWait;
    const members: Occurrence[] = [];
    /** When the empty group is removed (the clean-up tick after it emptied); null while it has alerts. */
    let removeAt: number | null = null;
    for (;;) {
      if (flush > o.toMs) return times;
      // Empty since a flush: removed at the clean-up tick unless an alert arrives before it.
      if (removeAt !== null && (next >= occ.length || occ[next]!.startMs > removeAt)) break;
      while (next < occ.length && occ[next]!.startMs <= flush) members.push(occ[next++]!);
      if (members.length === 0) {
        flush += groupInterval;
        continue;
      }
      removeAt = null;
      const firing = new Set<string>();
      const resolved = new Set<string>();
      for (const m of members) (m.endMs > flush ? firing : resolved).add(m.fp);
      for (const fp of firing) resolved.delete(fp);
      let notify: boolean;
      if (entry === null) notify = firing.size > 0;
      else if (!subset(firing, entry.firing)) notify = true;
      else if (firing.size === 0) notify = entry.firing.size > 0;
      else if (sendResolved && !subset(resolved, entry.resolved)) notify = true;
      else notify = entry.at <= flush - repeatInterval;
      if (notify) {
        if (firing.size > 0 || sendResolved) times.push(flush);
        entry = { firing, resolved, at: flush };
      }
      const still = members.filter((m) => m.endMs > flush);
      members.length = 0;
      members.push(...still);
      if (members.length === 0) removeAt = Math.floor(flush / GROUP_CLEANUP_MS) * GROUP_CLEANUP_MS + GROUP_CLEANUP_MS;
      flush += groupInterval;
    }
  }
  return times;
}

/**
 * Notifications per aggregation group, in route-tree order then group labels.
 * @param root the routing tree of the Alertmanager configuration
 */
export function simulateNotifications(root: Route, alerts: readonly AlertHistory[], o: SimulateOptions): GroupNotifications[] {
  const groups = new Map<string, { route: Route; labels: Record<string, string>; occ: Occurrence[] }>();
  for (const a of alerts) {
    const fp = JSON.stringify(a.labels);
    for (const route of root.match(a.labels)) {
      const labels = route.groupLabels(a.labels);
      const k = `${route.key}\u0000${JSON.stringify(labels)}`;
      let g = groups.get(k);
      if (!g) {
        g = { route, labels, occ: [] };
        groups.set(k, g);
      }
      for (const f of a.firings) g.occ.push({ fp, startMs: f.startMs, endMs: f.endMs ?? Infinity });
    }
  }
  const order: Route[] = [];
  root.walk((r) => order.push(r));
  return [...groups.values()]
    .sort((a, b) => order.indexOf(a.route) - order.indexOf(b.route) || JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)))
    .map((g) => ({ receiver: g.route.opts.receiver, route: g.route.key, groupLabels: g.labels, times: simulateGroup(g.occ, g.route, o) }));
}
