/**
 * The samples of one host scrape, grouped into metric families and rendered in the Prometheus text
 * format 0.0.4 in the order node_exporter's registry gathers them: families sorted by name, the
 * samples of a family sorted by their label values (label names sorted).
 */
import { formatValue, TextWriter } from '../exposition/writer.js';
import type { Labels } from '../model/labels.js';

/** Metric types of single-value samples. `untyped` is written as `# TYPE … untyped`. */
export type HostMetricType = 'counter' | 'gauge' | 'untyped';

/** Types of samples with several series (`textfile` passes them through). */
export type HostCompositeType = 'summary' | 'histogram';

/**
 * A summary or histogram sample, as client_golang's const summaries/histograms: `points` are
 * quantile → value (summary) or upper bound → cumulative count (histogram), in any order.
 */
export interface CompositeValue {
  count: number;
  sum: number;
  points: [bound: number, value: number][];
}

interface Family {
  type: HostMetricType | HostCompositeType;
  help: string;
  /** Sorted flat label sets, parallel to `values`. */
  labels: Labels[];
  values: number[];
  /** For summary and histogram families, parallel to `labels`. */
  composites: CompositeValue[];
  keys: Set<string>;
}

function sortedLabels(labels: Readonly<Record<string, string>> | undefined): Labels {
  if (labels === undefined) return [];
  const names = Object.keys(labels).sort();
  const out: string[] = new Array(names.length * 2);
  for (let i = 0; i < names.length; i++) {
    out[2 * i] = names[i]!;
    out[2 * i + 1] = labels[names[i]!]!;
  }
  return out;
}

/** Orders label sets of one family by their values, as client_golang's `MetricSorter`. */
function compareByValues(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 1; i < n; i += 2) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

/** Samples collected during one scrape. */
export class MetricSet {
  private readonly families = new Map<string, Family>();
  private readonly dropped: string[] = [];

  /**
   * Adds one sample. Label values may be empty (they are written as `name=""`, as node_exporter
   * does). A sample whose family was first added with another type or help, or whose label set
   * repeats one already added, is dropped and recorded (client_golang reports both as
   * gathering errors and leaves the sample out).
   */
  add(name: string, type: HostMetricType, help: string, value: number, labels?: Readonly<Record<string, string>>): void {
    const fam = this.familyFor(name, type, help, labels);
    if (fam === undefined) return;
    fam.values.push(value);
  }

  /**
   * Adds one summary or histogram sample, with the same checks as {@link add}. Rendered as
   * client_golang renders const summaries and histograms: quantiles (upper bounds) sorted, a `+Inf`
   * bucket with the count added when absent, then `_sum` and `_count`; the `quantile`/`le` label
   * comes after the sorted labels.
   */
  addComposite(name: string, type: HostCompositeType, help: string, value: CompositeValue, labels?: Readonly<Record<string, string>>): void {
    const fam = this.familyFor(name, type, help, labels);
    if (fam === undefined) return;
    fam.values.push(NaN);
    fam.composites.push(value);
  }

  /** The family a new sample joins (its label set recorded), or undefined when the sample is dropped. */
  private familyFor(name: string, type: Family['type'], help: string, labels: Readonly<Record<string, string>> | undefined): Family | undefined {
    let fam = this.families.get(name);
    if (fam === undefined) {
      fam = { type, help, labels: [], values: [], composites: [], keys: new Set() };
      this.families.set(name, fam);
    } else if (fam.type !== type || fam.help !== help) {
      this.dropped.push(`${name}: inconsistent type or help`);
      return undefined;
    }
    const ls = sortedLabels(labels);
    const key = ls.join('\xff');
    if (fam.keys.has(key)) {
      this.dropped.push(`${name}: duplicate label set {${ls.join(',')}}`);
      return undefined;
    }
    fam.keys.add(key);
    fam.labels.push(ls);
    return fam;
  }

  /** Descriptions of the samples dropped by {@link add}. */
  droppedSamples(): readonly string[] {
    return this.dropped;
  }

  /** Number of samples held. */
  size(): number {
    let n = 0;
    for (const f of this.families.values()) n += f.values.length;
    return n;
  }

  /** The value of `name{labels}`, or undefined. For tests and callers that need one figure. */
  get(name: string, labels?: Readonly<Record<string, string>>): number | undefined {
    const fam = this.families.get(name);
    if (fam === undefined) return undefined;
    const key = sortedLabels(labels).join('\xff');
    for (let i = 0; i < fam.labels.length; i++) if (fam.labels[i]!.join('\xff') === key) return fam.values[i];
    return undefined;
  }

  /** The text-format 0.0.4 body: `# HELP`, `# TYPE` and sample lines for every family. */
  render(): string {
    const w = new TextWriter();
    for (const name of [...this.families.keys()].sort()) {
      const fam = this.families.get(name)!;
      const order = fam.labels.map((_, i) => i).sort((i, j) => compareByValues(fam.labels[i]!, fam.labels[j]!));
      w.family(name, fam.type === 'untyped' ? 'unknown' : fam.type, fam.help);
      if (fam.type === 'summary' || fam.type === 'histogram') {
        for (const i of order) writeComposite(w, name, fam.type, fam.labels[i]!, fam.composites[i]!);
      } else {
        for (const i of order) w.sample(name, fam.labels[i]!, fam.values[i]!);
      }
    }
    return w.toString();
  }
}

/** The lines of one summary or histogram sample. */
function writeComposite(w: TextWriter, name: string, type: HostCompositeType, labels: Labels, c: CompositeValue): void {
  const points = [...c.points].sort((a, b) => a[0] - b[0]);
  const extra = type === 'summary' ? 'quantile' : 'le';
  const series = type === 'summary' ? name : `${name}_bucket`;
  for (const [bound, v] of points) w.sample(series, [...labels, extra, formatValue(bound)], v);
  if (type === 'histogram' && (points.length === 0 || points[points.length - 1]![0] !== Infinity)) {
    w.sample(series, [...labels, 'le', '+Inf'], c.count);
  }
  w.sample(`${name}_sum`, labels, c.sum);
  w.sample(`${name}_count`, labels, c.count);
}
