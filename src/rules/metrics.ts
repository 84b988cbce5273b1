/**
 * Self-metrics of rule evaluation, named and labelled as Prometheus's rules manager exports them
 * (`rule_group="<file>;<group name>"`), so existing dashboards work.
 */
import { Counter, Gauge, Summary, type Registry } from 'prom-client';

/** The rule-manager metric set; registered on `registry` when given. */
export class RuleMetrics {
  readonly evalTotal: Counter<'rule_group'>;
  readonly evalFailures: Counter<'rule_group'>;
  readonly iterationsMissed: Counter<'rule_group'>;
  readonly iterationsScheduled: Counter<'rule_group'>;
  readonly groupInterval: Gauge<'rule_group'>;
  readonly lastDuration: Gauge<'rule_group'>;
  readonly lastEvalTimestamp: Gauge<'rule_group'>;
  readonly lastEvalSamples: Gauge<'rule_group'>;
  readonly groupRules: Gauge<'rule_group'>;
  readonly evalDuration: Summary;
  readonly iterationDuration: Summary;

  constructor(registry?: Registry) {
    const registers = registry ? [registry] : [];
    const g = ['rule_group'] as const;
    this.evalTotal = new Counter({
      name: 'prometheus_rule_evaluations_total',
      help: 'The total number of rule evaluations.',
      labelNames: g,
      registers,
    });
    this.evalFailures = new Counter({
      name: 'prometheus_rule_evaluation_failures_total',
      help: 'The total number of rule evaluation failures.',
      labelNames: g,
      registers,
    });
    this.iterationsMissed = new Counter({
      name: 'prometheus_rule_group_iterations_missed_total',
      help: 'The total number of rule group evaluations missed due to slow rule group evaluation.',
      labelNames: g,
      registers,
    });
    this.iterationsScheduled = new Counter({
      name: 'prometheus_rule_group_iterations_total',
      help: 'The total number of scheduled rule group evaluations, whether executed or missed.',
      labelNames: g,
      registers,
    });
    this.groupInterval = new Gauge({
      name: 'prometheus_rule_group_interval_seconds',
      help: 'The interval of a rule group.',
      labelNames: g,
      registers,
    });
    this.lastDuration = new Gauge({
      name: 'prometheus_rule_group_last_duration_seconds',
      help: 'The duration of the last rule group evaluation.',
      labelNames: g,
      registers,
    });
    this.lastEvalTimestamp = new Gauge({
      name: 'prometheus_rule_group_last_evaluation_timestamp_seconds',
      help: 'The timestamp of the last rule group evaluation in seconds.',
      labelNames: g,
      registers,
    });
    this.lastEvalSamples = new Gauge({
      name: 'prometheus_rule_group_last_evaluation_samples',
      help: 'The number of samples returned during the last rule group evaluation.',
      labelNames: g,
      registers,
    });
    this.groupRules = new Gauge({
      name: 'prometheus_rule_group_rules',
      help: 'The number of rules.',
      labelNames: g,
      registers,
    });
    this.evalDuration = new Summary({
      name: 'prometheus_rule_evaluation_duration_seconds',
      help: 'The duration for a rule to execute.',
      percentiles: [0.5, 0.9, 0.99],
      registers,
    });
    this.iterationDuration = new Summary({
      name: 'prometheus_rule_group_duration_seconds',
      help: 'The duration of rule group evaluations.',
      percentiles: [0.01, 0.05, 0.5, 0.9, 0.99],
      registers,
    });
  }

  /** Drops the per-group series of a removed group. */
  forget(group: string): void {
    for (const m of [
      this.evalTotal,
      this.evalFailures,
      this.iterationsMissed,
      this.iterationsScheduled,
      this.groupInterval,
      this.lastDuration,
      this.lastEvalTimestamp,
      this.lastEvalSamples,
      this.groupRules,
    ]) {
      m.remove(group);
    }
  }
}
