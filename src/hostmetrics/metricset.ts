/**
 * The samples of one host scrape, grouped into metric families and rendered in the Prometheus text
 * format 0.0.4 in the order node_exporter's registry gathers them: families sorted by name, the
 * samples of a family sorted by their label values (label names sorted).
 */
import { TextWriter } from '../exposition/writer.js';
import type { Labels } from '../model/labels.js';

/** Metric types node_exporter's collectors use. `untyped` is written as `# TYPE … untyped`. */
export type HostMetricType = 'counter' | 'gauge' | 'untyped';

interface Family {
  type: HostMetricType;
  help: string;
  /** Sorted flat label sets, parallel to `values`. */
  labels: Labels[];
  values: number[];
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
    let fam = this.families.get(name);
    if (fam === undefined) {
      fam = { type, help, labels: [], values: [], keys: new Set() };
      this.families.set(name, fam);
    } else if (fam.type !== type || fam.help !== help) {
      this.dropped.push(`${name}: inconsistent type or help`);
      return;
    }
    const ls = sortedLabels(labels);
    const key = ls.join('\xff');
    if (fam.keys.has(key)) {
      this.dropped.push(`${name}: duplicate label set {${ls.join(',')}}`);
      return;
    }
    fam.keys.add(key);
    fam.labels.push(ls);
    fam.values.push(value);
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
      for (const i of order) w.sample(name, fam.labels[i]!, fam.values[i]!);
    }
    return w.toString();
  }
}
