/**
 * The rule manager, as Prometheus's `rules.Manager`: loads rule files into groups, replaces
 * groups on reload while keeping the state of unchanged ones (and carrying alerts over to changed
 * ones), runs every group on its own schedule, marks the series of removed groups stale, and
 * serves `/api/v1/rules` and `/api/v1/alerts`.
 */
import type { Registry } from 'prom-client';
import type { PostableAlert } from '../alertmanager/types.js';
import { loadRuleFile, type RuleFileOptions, type RuleGroupConfig } from '../config/rules.js';
import type { Logger } from '../log.js';
import { parseExpr } from '../promql/index.js';
import type { Storage } from '../tsdb/types.js';
import { AlertingRule } from './alerting.js';
import { alertsData, rulesData, type ApiAlert } from './api.js';
import { Group, type Rule } from './group.js';
import { RuleMetrics } from './metrics.js';
import { RecordingRule } from './recording.js';
import { engineQueryFunc, type QueryFunc, type RuleQueryEngine } from './rule.js';

/** Where alerts go: the {@link Notifier} (or anything with its `send`). */
export interface AlertSender {
  /** Queues alerts for delivery; never throws. */
  send(alerts: PostableAlert[]): void;
}

/**
 * A group handed to {@link RuleManager.update} besides those of the rule files. With `queryFunc`
 * its rules are evaluated by that function instead of the PromQL engine, which then receives each
 * rule's expression text (Loki's ruler: LogQL rules over the log store); results, `ALERTS` and
 * notifications go the same way as for PromQL rules.
 */
export type ExtraRuleGroup = RuleGroupConfig & { readonly queryFunc?: QueryFunc };

/** Options of {@link RuleManager}. Durations in ms. */
export interface RuleManagerOptions {
  /** PromQL engine (`src/promql` `Engine`). */
  engine: RuleQueryEngine;
  /** Rules query it; recording results, `ALERTS` and `ALERTS_FOR_STATE` are appended to it. */
  storage: Storage;
  notifier: AlertSender;
  /** `global.external_labels`, for `$externalLabels` in templates. */
  externalLabels: Record<string, string>;
  /** `--web.external-url`: generator URLs and `$externalURL`. */
  externalURL: string;
  log?: Logger;
  registry?: Registry;
  /** Wall clock in ms (default `Date.now`). */
  now?: () => number;
  /** `--rules.alert.for-outage-tolerance` (default 1h). */
  outageToleranceMs?: number;
  /** `--rules.alert.for-grace-period` (default 10m). */
  forGracePeriodMs?: number;
  /** `--rules.alert.resend-delay` (default 1m). */
  resendDelayMs?: number;
  /** `global.rule_query_offset` (default 0), for groups without `query_offset`. */
  defaultQueryOffsetMs?: number;
  /** How rule files are read (name validation, unknown fields); default: strict, UTF-8 names. */
  ruleFileOptions?: RuleFileOptions;
}

/** The rules manager. */
export class RuleManager {
  private groups = new Map<string, Group>();
  private readonly metrics: RuleMetrics;
  private readonly now: () => number;
  private readonly query;
  private started = false;
  /** Whether groups have been loaded once; later loads do not restore `for` state (upstream `m.restored`). */
  private loadedOnce = false;
  private readonly staleTimers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private opts: RuleManagerOptions) {
    this.metrics = new RuleMetrics(opts.registry);
    this.now = opts.now ?? Date.now;
    this.query = engineQueryFunc(opts.engine, opts.storage);
  }

  /**
   * Loads `files` (already resolved and globbed) and replaces the groups. Groups whose
   * configuration is unchanged keep running with their state; changed groups take over the
   * alerts and series of the old ones; removed groups stop and their series are marked stale two
   * intervals later.
   * @param defaultIntervalMs `global.evaluation_interval`, for groups without `interval`.
   * @param externalLabels new `global.external_labels` (groups are rebuilt when they change);
   *   omitted = unchanged
   * @param extraGroups groups not read from `files`, already validated (the rules generated from
   *   SLOs, LogQL rule files); loaded after the files' groups
   * @throws {ConfigError} when any file is bad; the old groups and external labels are kept.
   */
  update(defaultIntervalMs: number, files: string[], externalLabels?: Record<string, string>, extraGroups: readonly ExtraRuleGroup[] = []): void {
    const configs: ExtraRuleGroup[] = [];
    for (const f of new Set(files)) configs.push(...loadRuleFile(f, this.opts.ruleFileOptions));
    configs.push(...extraGroups);
    if (externalLabels) this.opts.externalLabels = externalLabels;
    const restored = this.loadedOnce;
    const next = new Map<string, Group>();
    for (const cfg of configs) {
      const g = this.newGroup(cfg, defaultIntervalMs, !restored);
      next.set(g.key, g);
    }
    this.loadedOnce = true;
    for (const [k, g] of next) {
      const old = this.groups.get(k);
      this.groups.delete(k);
      if (old && old.equals(g)) {
        next.set(k, old);
        continue;
      }
      if (old) {
        old.stop();
        g.copyState(old);
      }
      if (this.started) g.start();
    }
    for (const [k, old] of this.groups) {
      old.stop();
      this.metrics.forget(k);
      const at = this.now();
      const timer = setTimeout(() => {
        this.staleTimers.delete(timer);
        old.markAllStale(at);
      }, 2 * old.intervalMs);
      timer.unref?.();
      this.staleTimers.add(timer);
    }
    this.groups = next;
  }

  private newGroup(cfg: ExtraRuleGroup, defaultIntervalMs: number, shouldRestore: boolean): Group {
    const { opts } = this;
    const rules: Rule[] = cfg.rules.map((r) => {
      const labels = { ...cfg.labels, ...r.labels };
      const query = cfg.queryFunc ? r.expr : parseExpr(r.expr, opts.ruleFileOptions?.features);
      if (r.alert) {
        return new AlertingRule(
          {
            name: r.alert,
            expr: r.expr,
            query,
            holdMs: r.forMs,
            keepFiringForMs: r.keepFiringForMs,
            labels,
            annotations: r.annotations,
            externalLabels: opts.externalLabels,
            externalURL: opts.externalURL,
          },
          !shouldRestore,
          (err) => opts.log?.warn('Expanding alert template failed', { alert: r.alert, err: err.message }),
        );
      }
      return new RecordingRule({ name: r.record, expr: r.expr, query, labels });
    });
    const intervalMs = cfg.intervalMs || defaultIntervalMs;
    const queryOffsetMs = cfg.queryOffsetMs ?? opts.defaultQueryOffsetMs ?? 0;
    const signature = JSON.stringify([
      cfg.name,
      cfg.file,
      intervalMs,
      cfg.limit,
      queryOffsetMs,
      cfg.labels,
      cfg.rules.map((r) => [r.record, r.alert, r.expr, r.forMs, r.keepFiringForMs, r.labels, r.annotations]),
      opts.externalLabels,
    ]);
    return new Group({
      name: cfg.name,
      file: cfg.file,
      intervalMs,
      limit: cfg.limit,
      queryOffsetMs,
      rules,
      signature,
      storage: opts.storage,
      query: cfg.queryFunc ?? this.query,
      notify: (alerts) => opts.notifier.send(alerts),
      resendDelayMs: opts.resendDelayMs ?? 60_000,
      outageToleranceMs: opts.outageToleranceMs ?? 3_600_000,
      forGracePeriodMs: opts.forGracePeriodMs ?? 600_000,
      shouldRestore,
      metrics: this.metrics,
      log: opts.log?.with({ file: cfg.file, group: cfg.name }) ?? null,
      now: this.now,
    });
  }

  /** Starts evaluating every group on its schedule (and groups added by later updates). */
  start(): void {
    this.started = true;
    for (const g of this.groups.values()) g.start();
  }

  /** Stops all evaluation and pending staleness work. */
  stop(): void {
    this.started = false;
    for (const g of this.groups.values()) g.stop();
    for (const t of this.staleTimers) clearTimeout(t);
    this.staleTimers.clear();
  }

  /** The loaded groups, in configuration order. */
  groupList(): Group[] {
    return [...this.groups.values()];
  }

  /**
   * Runs one evaluation of every group at `t` (ms), in configuration order, with `for` state
   * treated as restored (as `promtool test rules` does).
   */
  evalAll(t: number): void {
    for (const g of this.groups.values()) {
      for (const r of g.rules) if (r instanceof AlertingRule) r.restored = true;
      g.iterate(t);
    }
  }

  /** `data` of `GET /api/v1/rules`, optionally only alerting (`alert`) or recording (`record`) rules. */
  rulesApi(filter?: { type?: 'alert' | 'record' }): unknown {
    return rulesData(this.groups.values(), filter);
  }

  /** `data` of `GET /api/v1/alerts`: `{ alerts: [{labels, annotations, state, activeAt, value}] }`. */
  alertsApi(): { alerts: ApiAlert[] } {
    return alertsData(this.groups.values());
  }
}

