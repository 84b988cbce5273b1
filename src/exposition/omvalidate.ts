/**
 * Full OpenMetrics 1.0 validation of a text body — what a conformance checker (the
 * `OpenObservability/OpenMetrics` parser test suite, whose reference is client_python's parser)
 * rejects on top of the syntax Prometheus's scrape accepts. Prometheus itself skips these checks
 * when scraping, and so does Lookout's scrape; this is for `check metrics`-style tools and tests.
 *
 * Checked, following the spec and the reference parser:
 * - syntax as {@link OpenMetricsParser} in strict mode (no trailing comma in label sets);
 * - metadata: at most one HELP, TYPE and UNIT per family, none after the family's samples;
 *   a unit must suffix the name and is not allowed on info and stateset families;
 * - family names are unique and may not clash with another family's sample names
 *   (`foo` counter vs `foo_created` gauge), so families cannot be interleaved;
 * - a sample belongs to the current family when its name is the family name plus one of the
 *   type's suffixes, else it starts a new family of type unknown;
 * - values: counter-like samples (`_total`, `_sum`, `_count`, `_bucket`, `_gcount`, `_gsum`)
 *   not NaN, and not negative (except `_gsum`); buckets and counts integers; stateset values
 *   0 or 1; info values 1; quantile values not negative;
 * - labels: `le` on buckets (a number, not NaN, `+Inf` spelled canonically), `quantile` on
 *   summary quantiles in [0, 1], the family-name label on stateset samples;
 * - metric points of one metric not interleaved with other metrics, timestamps present on all or
 *   none of a metric's samples and never going backwards (info excepted);
 * - histograms: buckets in increasing `le` order with non-decreasing values, a `+Inf` bucket,
 *   `_count` equal to it, `_count` iff `_sum` (`_gcount` iff `_gsum`), no `_sum` with negative
 *   buckets, no negative `_gsum` without them;
 * - exemplars only on histogram/gaugehistogram buckets and counter totals, with at most 128 code
 *   points of label names and values.
 */
import { parseFloatBytes } from '../model/gofloat.js';
import { METRIC_NAME } from '../model/labels.js';
import { EXCERPT_MAX_BYTES, textExcerpt } from './excerpt.js';
import { OpenMetricsParser } from './omparse.js';
import { EntryType, ExpositionParseError, type MetricType } from './types.js';

/** Sample-name suffixes of each type (types not listed have only the bare name). */
const TYPE_SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  counter: ['_total', '_created'],
  summary: ['', '_count', '_sum', '_created'],
  histogram: ['', '_count', '_sum', '_bucket', '_created'],
  gaugehistogram: ['_gcount', '_gsum', '_bucket'],
  info: ['_info'],
};

/** Suffixes whose samples are counters semantically: never NaN. */
const NOT_NAN = new Set(['_total', '_sum', '_count', '_bucket', '_gcount', '_gsum']);
/** Suffixes whose samples may not be negative. */
const NOT_NEGATIVE = new Set(['_total', '_sum', '_count', '_bucket', '_gcount']);

/** Largest combined length of an exemplar's label names and values, in code points. */
const MAX_EXEMPLAR_LABEL_CHARS = 128;

/**
 * Validates a whole OpenMetrics text body. Returns normally when it is valid; throws
 * {@link ExpositionParseError} (1-based `line`) at the first problem.
 */
export function validateOpenMetrics(body: Buffer): void {
  const p = new OpenMetricsParser(body, { strict: true });
  const v = new Validator(p);
  for (;;) {
    const e = p.next();
    if (e === EntryType.EOF) break;
    if (e === EntryType.Series) v.sample();
    else if (e === EntryType.Help) v.metadata('HELP', p.help());
    else if (e === EntryType.Type) v.metadata('TYPE', p.type());
    else if (e === EntryType.Unit) v.metadata('UNIT', p.unit());
  }
  v.finishFamily();
}

/** Per-(metric, timestamp) accumulator of the histogram rules. */
class HistogramCheck {
  group: string | null = null;
  ts: number | undefined = undefined;
  private bucket: number | null = null;
  private value = 0;
  private count: number | null = null;
  private negativeBuckets = false;
  private hasSum = false;
  private hasGsum = false;
  private negativeGsum = false;

  constructor(private readonly fail: (msg: string) => never) {}

  /** Starts a new metric point. */
  reset(group: string, ts: number | undefined): void {
    this.group = group;
    this.ts = ts;
    this.bucket = null;
    this.value = 0;
    this.count = null;
    this.negativeBuckets = false;
    this.hasSum = false;
    this.hasGsum = false;
    this.negativeGsum = false;
  }

  add(suffix: string, le: number, value: number, name: string): void {
    if (suffix === '_bucket') {
      if (le < 0) this.negativeBuckets = true;
      if (this.bucket !== null && le <= this.bucket) this.fail(`buckets out of order: ${name}`);
      if (value < this.value) this.fail(`bucket values out of order: ${name}`);
      this.bucket = le;
      this.value = value;
    } else if (suffix === '_count' || suffix === '_gcount') {
      this.count = value;
    } else if (suffix === '_sum') {
      this.hasSum = true;
    } else if (suffix === '_gsum') {
      this.hasGsum = true;
      if (value < 0) this.negativeGsum = true;
    }
  }

  /** Applies the rules to the finished metric point. */
  check(name: string): void {
    if (this.bucket !== Infinity) this.fail(`+Inf bucket missing: ${name}`);
    if (this.count !== null && this.value !== this.count) this.fail(`count does not match +Inf value: ${name}`);
    if (this.hasSum && this.count === null) this.fail(`_count must be present if _sum is present: ${name}`);
    if (this.hasGsum && this.count === null) this.fail(`_gcount must be present if _gsum is present: ${name}`);
    if (!this.hasSum && !this.hasGsum && this.count !== null) this.fail(`_sum/_gsum must be present if _count is present: ${name}`);
    if (this.negativeBuckets && this.hasSum) this.fail(`cannot have _sum with negative buckets: ${name}`);
    if (!this.negativeBuckets && this.negativeGsum) this.fail(`cannot have negative _gsum with non-negative buckets: ${name}`);
  }
}

/** Family-level state machine over the parser's entries. */
class Validator {
  private readonly seenNames = new Set<string>();
  private name: string | null = null;
  private type: MetricType | null = null;
  private help: string | null = null;
  private unit: string | null = null;
  private hasSamples = false;
  private allowed: readonly string[] = [];
  private group: string | null = null;
  private groupTs: number | undefined = undefined;
  private seenGroups = new Set<string>();
  private groupSeries = new Set<string>();
  private readonly hist: HistogramCheck;

  constructor(private readonly p: OpenMetricsParser) {
    this.hist = new HistogramCheck((msg) => this.fail(msg));
  }

  private fail(msg: string): never {
    // Messages end in a metric name, which input can make arbitrarily long.
    throw new ExpositionParseError(textExcerpt(msg, 2 * EXCERPT_MAX_BYTES), this.p.line());
  }

  /** A HELP, TYPE or UNIT line for family `p.family()`. */
  metadata(kind: 'HELP' | 'TYPE' | 'UNIT', text: string): void {
    const name = this.p.family();
    if (name === this.name && this.hasSamples) this.fail(`metadata after samples: # ${kind} ${name}`);
    if (name !== this.name) this.startFamily(name, null);
    if (kind === 'HELP') {
      if (this.help !== null) this.fail(`more than one HELP for metric ${name}`);
      this.help = text;
    } else if (kind === 'TYPE') {
      if (this.type !== null) this.fail(`more than one TYPE for metric ${name}`);
      this.type = text as MetricType;
      this.allowed = (TYPE_SUFFIXES[text] ?? ['']).map((s) => name + s);
    } else {
      if (this.unit !== null) this.fail(`more than one UNIT for metric ${name}`);
      this.unit = text;
    }
  }

  private startFamily(name: string, type: MetricType | null): void {
    this.finishFamily();
    this.name = name;
    this.type = type;
    this.help = null;
    this.unit = null;
    this.hasSamples = false;
    this.allowed = [name];
    this.group = null;
    this.groupTs = undefined;
    this.seenGroups = new Set();
    this.groupSeries = new Set();
    this.hist.group = null;
  }

  /** Closes the current family: name clashes, unit rules, the last histogram point. */
  finishFamily(): void {
    const name = this.name;
    if (name === null) return;
    const type = this.type ?? 'unknown';
    for (const suffix of new Set([...(TYPE_SUFFIXES[type] ?? []), ''])) {
      if (this.seenNames.has(name + suffix)) this.fail(`clashing name: ${name + suffix}`);
      this.seenNames.add(name + suffix);
    }
    if (this.unit) {
      if (!name.endsWith(`_${this.unit}`)) this.fail(`unit does not match metric name: ${name}`);
      if (type === 'info' || type === 'stateset') this.fail(`units not allowed for this metric type: ${name}`);
    }
    if ((type === 'histogram' || type === 'gaugehistogram') && this.hist.group !== null) this.hist.check(name);
    this.name = null;
  }

  /** A series line. */
  sample(): void {
    const p = this.p;
    const sampleName = p.metricName();
    const labels = p.rawLabels();
    if (this.name === null || !this.allowed.includes(sampleName)) this.startFamily(sampleName, 'unknown');
    const name = this.name!;
    const type = this.type;
    const suffix = sampleName.slice(name.length);
    const value = p.value();
    const ts = p.timestampSeconds();
    const isBucket = suffix === '_bucket';

    if (type === 'stateset' && !hasLabel(labels, name)) this.fail(`stateset missing label: ${sampleName}`);
    let le = NaN;
    if (isBucket) {
      const text = labelValue(labels, 'le');
      le = text === undefined ? NaN : parseNumber(text);
      if (le !== le || (le === Infinity && text !== '+Inf')) this.fail(`invalid le label: ${sampleName}`);
      if (!Number.isInteger(value)) this.fail(`bucket value must be an integer: ${sampleName}`);
    }
    if ((suffix === '_count' || suffix === '_gcount') && !Number.isInteger(value)) {
      this.fail(`count value must be an integer: ${sampleName}`);
    }
    if (type === 'summary' && suffix === '') {
      const text = labelValue(labels, 'quantile');
      const q = text === undefined ? NaN : parseNumber(text);
      if (!(q >= 0 && q <= 1)) this.fail(`invalid quantile label: ${sampleName}`);
    }
    this.checkGrouping(sampleName, labels, type, suffix, ts, le, value);
    if (type === 'stateset' && value !== 0 && value !== 1) this.fail(`stateset samples can only have values zero and one: ${sampleName}`);
    if (type === 'info' && value !== 1) this.fail(`info samples can only have value one: ${sampleName}`);
    if (type === 'summary' && suffix === '' && value < 0) this.fail(`quantile values cannot be negative: ${sampleName}`);
    if (NOT_NAN.has(suffix) && value !== value) this.fail(`counter-like samples cannot be NaN: ${sampleName}`);
    if (NOT_NEGATIVE.has(suffix) && value < 0) this.fail(`counter-like samples cannot be negative: ${sampleName}`);
    const ex = p.exemplar();
    if (ex !== null) {
      const allowed =
        ((type === 'histogram' || type === 'gaugehistogram') && isBucket) || (type === 'counter' && suffix === '_total');
      if (!allowed) this.fail(`only histogram/gaugehistogram buckets and counters can have exemplars: ${sampleName}`);
      let chars = 0;
      for (const s of ex.labels) chars += [...s].length;
      if (chars > MAX_EXEMPLAR_LABEL_CHARS) this.fail(`exemplar labels are too long: ${sampleName}`);
    }
    this.hasSamples = true;
  }

  /** Metric-point grouping and timestamp order; feeds the histogram rules. */
  private checkGrouping(
    sampleName: string,
    labels: readonly string[],
    type: MetricType | null,
    suffix: string,
    ts: number | undefined,
    le: number,
    value: number,
  ): void {
    const name = this.name!;
    let drop: string | undefined;
    if (type === 'summary' && suffix === '') drop = 'quantile';
    else if (type === 'stateset') drop = name;
    else if ((type === 'histogram' || type === 'gaugehistogram') && suffix === '_bucket') drop = 'le';
    const g = type === 'info' ? '' : groupKey(labels, drop);
    if (this.group !== null && g !== this.group && this.seenGroups.has(g)) this.fail(`invalid metric grouping: ${sampleName}`);
    if (this.group !== null && g === this.group) {
      if ((ts === undefined) !== (this.groupTs === undefined)) this.fail(`mix of timestamp presence within a group: ${sampleName}`);
      if (this.groupTs !== undefined && ts !== undefined && this.groupTs > ts && type !== 'info') {
        this.fail(`timestamps went backwards within a group: ${sampleName}`);
      }
    } else {
      this.groupSeries = new Set();
    }
    const seriesId = `${sampleName}\xff${labels.join('\xff')}`;
    const duplicate = ts === this.groupTs && this.groupSeries.has(seriesId);
    this.groupSeries.add(seriesId);
    this.group = g;
    this.groupTs = ts;
    this.seenGroups.add(g);
    if (duplicate || suffix === '' || (type !== 'histogram' && type !== 'gaugehistogram')) return;
    const hg = groupKey(labels, suffix === '_bucket' ? 'le' : undefined);
    if (hg !== this.hist.group || ts !== this.hist.ts) {
      if (this.hist.group !== null) this.hist.check(name);
      this.hist.reset(hg, ts);
    }
    this.hist.add(suffix, le, value, name);
  }
}

function labelValue(labels: readonly string[], name: string): string | undefined {
  for (let i = 0; i < labels.length; i += 2) if (labels[i] === name) return labels[i + 1];
  return undefined;
}

function hasLabel(labels: readonly string[], name: string): boolean {
  return labelValue(labels, name) !== undefined;
}

/** The label set without `__name__` and `drop`, as a string key. */
function groupKey(labels: readonly string[], drop: string | undefined): string {
  let key = '';
  for (let i = 0; i < labels.length; i += 2) {
    const n = labels[i]!;
    if (n === METRIC_NAME || n === drop) continue;
    key += `${n}\xfe${labels[i + 1]}\xff`;
  }
  return key;
}

/** An OpenMetrics number from label text (`le`, `quantile`); NaN when it is not one. */
function parseNumber(text: string): number {
  const v = parseFloatBytes(Buffer.from(text, 'utf8'), 0, Buffer.byteLength(text));
  return v === undefined ? NaN : v;
}
