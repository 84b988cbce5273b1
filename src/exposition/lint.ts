/**
 * Metric linting as client_golang's `promlint` (v1.14, what `promtool check metrics` 2.42 runs):
 * the rules about HELP text, units, counter `_total` suffixes, names reserved for histograms and
 * summaries, type names and abbreviated units in names, colons and camelCase; and the cardinality
 * table of `promtool check metrics --extended`.
 */
import { parseTextFamilies, type TextFamily } from './textfamilies.js';

/** One lint finding: the family's name and upstream's text for the problem. */
export interface LintProblem {
  metric: string;
  text: string;
}

/** Base units and the base unit of each other recognised unit (upstream `units`). */
const UNITS: Readonly<Record<string, string>> = {
  amperes: 'amperes',
  bytes: 'bytes',
  celsius: 'celsius',
  grams: 'grams',
  joules: 'joules',
  kelvin: 'kelvin',
  meters: 'meters',
  metres: 'metres',
  seconds: 'seconds',
  volts: 'volts',
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  kelvins: 'kelvin',
  fahrenheit: 'celsius',
  rankine: 'celsius',
  inches: 'meters',
  yards: 'meters',
  miles: 'meters',
  bits: 'bytes',
  calories: 'joules',
  pounds: 'grams',
  ounces: 'grams',
};

/** Unit prefixes recognised before a unit (and the empty prefix, tried last). */
const UNIT_PREFIXES = ['pico', 'nano', 'micro', 'milli', 'centi', 'deci', 'deca', 'hecto', 'kilo', 'kibi', 'mega', 'mibi', 'giga', 'gibi', 'tera', 'tebi', 'peta', 'pebi', ''];

/** Unit abbreviations that names should spell out. */
const UNIT_ABBREVIATIONS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];

/** Type names a metric name should not contain (`untyped` excepted), as upstream's `MetricType_name`. */
const TYPE_NAMES = ['counter', 'gauge', 'summary', 'histogram', 'gauge_histogram'];

const CAMEL_CASE = /[a-z][A-Z]/;

/**
 * The first known unit among the `_`-separated words of a name, with its base unit. Upstream walks
 * a Go map, so for a name with several unit words its choice is random; here units are tried in
 * the table's order.
 */
function metricUnit(name: string): [unit: string, base: string] | null {
  const words = name.split('_');
  for (const unit of Object.keys(UNITS)) {
    for (const p of UNIT_PREFIXES) {
      if (words.includes(p + unit)) return [p + unit, UNITS[unit]!];
    }
  }
  return null;
}

function containsWord(lowerName: string, word: string): boolean {
  return lowerName.includes(`_${word}_`) || lowerName.endsWith(`_${word}`);
}

/** The problems of one family, in upstream's rule order. */
function lintFamily(mf: TextFamily): string[] {
  const out: string[] = [];
  const name = mf.name;
  const lower = name.toLowerCase();
  if (mf.help === undefined) out.push('no help text');

  const unit = metricUnit(name);
  if (unit && unit[0] !== unit[1]) out.push(`use base unit "${unit[1]}" instead of "${unit[0]}"`);

  const isCounter = mf.type === 'counter';
  const isUntyped = mf.type === 'untyped';
  const total = name.endsWith('_total');
  if (isCounter && !total) out.push('counter metrics should have "_total" suffix');
  else if (!isUntyped && !isCounter && total) out.push('non-counter metrics should not have "_total" suffix');

  if (!isUntyped) {
    const isHistogram = mf.type === 'histogram';
    const isSummary = mf.type === 'summary';
    if (!isHistogram && name.endsWith('_bucket')) out.push('non-histogram metrics should not have "_bucket" suffix');
    if (!isHistogram && !isSummary && name.endsWith('_count')) out.push('non-histogram and non-summary metrics should not have "_count" suffix');
    if (!isHistogram && !isSummary && name.endsWith('_sum')) out.push('non-histogram and non-summary metrics should not have "_sum" suffix');
    for (const m of mf.metrics) {
      for (const [ln] of m.labels) {
        if (!isHistogram && ln === 'le') out.push('non-histogram metrics should not have "le" label');
        if (!isSummary && ln === 'quantile') out.push('non-summary metrics should not have "quantile" label');
      }
    }
  }

  for (const t of TYPE_NAMES) if (containsWord(lower, t)) out.push(`metric name should not include type '${t}'`);
  if (name.includes(':')) out.push("metric names should not contain ':'");
  if (CAMEL_CASE.test(name)) out.push("metric names should be written in 'snake_case' not 'camelCase'");
  for (const m of mf.metrics) {
    for (const [ln] of m.labels) if (CAMEL_CASE.test(ln)) out.push("label names should be written in 'snake_case' not 'camelCase'");
  }
  for (const a of UNIT_ABBREVIATIONS) if (containsWord(lower, a)) out.push('metric names should not contain abbreviated units');
  return out;
}

/**
 * Lints families as `promlint.Lint`: every problem of every family, sorted by metric name, then
 * by text (stable: a problem found twice is listed twice).
 */
export function lintFamilies(families: readonly TextFamily[]): LintProblem[] {
  const out: LintProblem[] = [];
  for (const mf of families) for (const text of lintFamily(mf)) out.push({ metric: mf.name, text });
  const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => byCode(a.metric, b.metric) || byCode(a.text, b.text));
}

/**
 * Parses a text-format body and lints it.
 * @throws {TextFormatError} when the body does not parse (upstream then reports only the error)
 */
export function lintMetrics(body: Uint8Array | string): LintProblem[] {
  return lintFamilies(parseTextFamilies(body));
}

/** One row of the `--extended` table. */
export interface CardinalityRow {
  name: string;
  /** Series of the family: metrics, times (2 + buckets/quantiles of its first metric) for histograms and summaries. */
  cardinality: number;
  /** Share of all series, 0–1. */
  fraction: number;
}

/**
 * The cardinality of each family as `promtool check metrics --extended`: sorted by cardinality,
 * highest first (upstream's order among equal counts is random; here by name), with the total.
 */
export function cardinality(families: readonly TextFamily[]): { rows: CardinalityRow[]; total: number } {
  let total = 0;
  const rows: CardinalityRow[] = families.map((mf) => {
    const first = mf.metrics[0]!;
    const n = mf.metrics.length;
    let c = n;
    if (mf.type === 'histogram') c = n * (2 + (first.buckets?.length ?? 0));
    else if (mf.type === 'summary') c = n * (2 + (first.quantiles?.length ?? 0));
    total += c;
    return { name: mf.name, cardinality: c, fraction: 0 };
  });
  for (const r of rows) r.fraction = r.cardinality / total;
  rows.sort((a, b) => b.cardinality - a.cardinality || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { rows, total };
}

/**
 * Lays out cells as Go's `tabwriter` with minwidth 4, padding 4 and blanks, every cell
 * tab-terminated: each column as wide as its widest cell plus 4, trailing blanks kept.
 */
export function tabulate(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length + 4, 4)));
  return rows.map((r) => r.map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length)).join('') + '\n').join('');
}
