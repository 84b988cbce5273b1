/**
 * Prometheus text format 0.0.4 writer, rendering as Go's `expfmt` (`MetricFamilyToText`) does:
 * `# HELP` then `# TYPE`, one line per sample, labels in the order given with no spaces, values
 * via {@link formatValue}, names that are not legacy-valid quoted inside the braces.
 */
import { escapeLabelValue, isValidLabelName, isValidMetricName, METRIC_NAME, type Labels } from '../model/labels.js';
import { formatGoFloat } from '../model/gofloat.js';
import type { MetricType } from './types.js';

/** Escapes HELP text: `\` → `\\`, newline → `\n` (quotes stay, as expfmt). */
function escapeHelp(v: string): string {
  if (v.indexOf('\\') < 0 && v.indexOf('\n') < 0) return v;
  return v.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/**
 * A sample value as Go expfmt writes it: `1`, `0`, `-1`, `NaN`, `+Inf`, `-Inf`, otherwise the
 * shortest round-trip text in Go `%g` style (`0.5`, `123456`, `1.234567e+06`, `1e-05`).
 * -0 is written as `0`.
 */
export function formatValue(v: number): string {
  if (v === 0) return '0';
  return formatGoFloat(v);
}

/** TYPE word of the text format for each type (the text format has no info/stateset/gaugehistogram). */
const TEXT_TYPE: Readonly<Record<MetricType, string>> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'histogram',
  summary: 'summary',
  info: 'gauge',
  stateset: 'gauge',
  unknown: 'untyped',
};

/** A metric or label name as expfmt writes it: as is when legacy-valid, else quoted. */
function writeName(name: string, metric: boolean): string {
  const valid = metric ? isValidMetricName(name) : isValidLabelName(name);
  return valid ? name : `"${escapeLabelValue(name)}"`;
}

/**
 * Builds a text-format 0.0.4 exposition. Not validating: callers pass each family once, with
 * valid names and its samples right after {@link family}.
 */
export class TextWriter {
  private out = '';

  /**
   * Starts a family: writes `# HELP name help` (help escaped) and `# TYPE name type`. `unknown`
   * is written `untyped`, `gaugehistogram` as `histogram` (as expfmt), `info` and `stateset` as
   * `gauge` (as client libraries render them in this format).
   */
  family(name: string, type: MetricType, help: string): void {
    const n = writeName(name, true);
    this.out += `# HELP ${n} ${escapeHelp(help)}\n# TYPE ${n} ${TEXT_TYPE[type]}\n`;
  }

  /** Starts a family that has no help text: only `# TYPE name type` (as expfmt when HELP is unset). */
  familyWithoutHelp(name: string, type: MetricType): void {
    this.out += `# TYPE ${writeName(name, true)} ${TEXT_TYPE[type]}\n`;
  }

  /**
   * One sample line: `name{labels} value [timestamp ms]`. `labels` is a label set (`__name__`, if
   * present, is skipped) or a `{name: value}` record written in its key order; label values are
   * escaped. `timestampMs` is an integer of milliseconds since the epoch.
   */
  sample(name: string, labels: Labels | Record<string, string>, value: number, timestampMs?: number): void {
    const quotedName = !isValidMetricName(name);
    let line = quotedName ? `{${writeName(name, true)}` : name;
    let sep = quotedName ? ',' : '{';
    if (Array.isArray(labels)) {
      const ls = labels as Labels;
      for (let i = 0; i < ls.length; i += 2) {
        if (ls[i] === METRIC_NAME) continue;
        line += `${sep}${writeName(ls[i]!, false)}="${escapeLabelValue(ls[i + 1]!)}"`;
        sep = ',';
      }
    } else {
      const rec = labels as Record<string, string>;
      for (const k of Object.keys(rec)) {
        line += `${sep}${writeName(k, false)}="${escapeLabelValue(rec[k]!)}"`;
        sep = ',';
      }
    }
    if (sep === ',') line += '}';
    line += ` ${formatValue(value)}`;
    if (timestampMs !== undefined) line += ` ${timestampMs}`;
    this.out += `${line}\n`;
  }

  /** The text so far. */
  toString(): string {
    return this.out;
  }
}
