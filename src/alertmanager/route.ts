/**
 * The routing tree, as Alertmanager's `dispatch.Route`: each node inherits receiver, grouping and
 * timing options from its parent; an alert descends into the first matching child (and further
 * siblings while the matching child has `continue: true`); a node none of whose children match
 * is itself the result.
 */
import type { RouteConfig } from '../config/alertmanager/types.js';
import { matchesAll, matchersToString, type AmMatcher } from './matcher.js';

/** Effective options of a route node. Durations in ms. */
export interface RouteOpts {
  readonly receiver: string;
  readonly groupBy: ReadonlySet<string>;
  readonly groupByAll: boolean;
  readonly groupWait: number;
  readonly groupInterval: number;
  readonly repeatInterval: number;
  readonly muteTimeIntervals: readonly string[];
  readonly activeTimeIntervals: readonly string[];
}

/** Upstream `DefaultRouteOpts`: group_wait 30s, group_interval 5m, repeat_interval 4h, no grouping. */
export const DEFAULT_ROUTE_OPTS: RouteOpts = {
  receiver: '',
  groupBy: new Set(),
  groupByAll: false,
  groupWait: 30_000,
  groupInterval: 300_000,
  repeatInterval: 4 * 3600_000,
  muteTimeIntervals: [],
  activeTimeIntervals: [],
};

/** A node of the routing tree. */
export class Route {
  readonly opts: RouteOpts;
  readonly matchers: readonly AmMatcher[];
  readonly continue: boolean;
  readonly routes: readonly Route[];
  /** Upstream `Route.Key()`: the path of matcher sets from the root, e.g. `{}/{severity="page"}`. */
  readonly key: string;

  constructor(
    cfg: RouteConfig,
    readonly parent: Route | null = null,
  ) {
    const p = parent ? parent.opts : DEFAULT_ROUTE_OPTS;
    let groupBy = p.groupBy;
    let groupByAll = p.groupByAll;
    if (cfg.group_by !== undefined) {
      groupBy = new Set(cfg.group_by);
      groupByAll = false;
    } else if (cfg.group_by_all) {
      groupByAll = true;
    }
    this.opts = {
      receiver: cfg.receiver !== '' ? cfg.receiver : p.receiver,
      groupBy,
      groupByAll,
      groupWait: cfg.group_wait ?? p.groupWait,
      groupInterval: cfg.group_interval ?? p.groupInterval,
      repeatInterval: cfg.repeat_interval ?? p.repeatInterval,
      muteTimeIntervals: cfg.mute_time_intervals,
      activeTimeIntervals: cfg.active_time_intervals,
    };
    this.matchers = cfg.matchers;
    this.continue = cfg.continue;
    this.key = (parent ? parent.key + '/' : '') + matchersToString(cfg.matchers);
    this.routes = cfg.routes.map((c) => new Route(c, this));
  }

  /** The nodes an alert with these labels is routed to, in tree order (empty when this node does not match). */
  match(labels: Readonly<Record<string, string>>): Route[] {
    if (!matchesAll(this.matchers, labels)) return [];
    const all: Route[] = [];
    for (const child of this.routes) {
      const m = child.match(labels);
      all.push(...m);
      if (m.length > 0 && !child.continue) break;
    }
    if (all.length === 0) all.push(this);
    return all;
  }

  /** Calls `visit` on this node and all descendants, depth first. */
  walk(visit: (r: Route) => void): void {
    visit(this);
    for (const r of this.routes) r.walk(visit);
  }

  /** The labels of `labels` this route groups by (all of them with `group_by: ['...']`). */
  groupLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) if (this.opts.groupByAll || this.opts.groupBy.has(k)) out[k] = v;
    return out;
  }
}
