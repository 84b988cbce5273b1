/**
 * The text format 0.0.4 read into metric families, as client libraries' `expfmt.TextParser`
 * (`TextToMetricFamilies`, prometheus/common v0.39 as vendored by promtool 2.42 and node_exporter
 * 1.5) does it. This is the strict, family-building reader behind `promtool check metrics` and
 * node_exporter's textfile collector — not the scrape parser (`promparse.ts`), which follows
 * Prometheus's more lenient `textparse`.
 *
 * Semantics kept from upstream:
 * - Samples group into families by name; `_count`/`_sum` (and `_bucket`) samples join an existing
 *   family of that base name only when it is typed summary (histogram); the `quantile` (`le`) label
 *   is then taken out of the label set, and samples with the same other labels form one metric.
 * - A TYPE line after samples of its family, a second TYPE or HELP line, an unknown type, a
 *   reserved `__name__` label, duplicate label names, bad escapes, invalid UTF-8 in a label value,
 *   a value or `quantile`/`le` that Go's `ParseFloat` rejects (or written with `p`, `P`, `_`), a
 *   non-integer timestamp, text after the timestamp, and input that ends inside a line are errors:
 *   `text format parsing error in line N: <reason>`, upstream's wording.
 * - Families declared by HELP/TYPE lines but without samples are dropped.
 * - Duplicate samples are kept (upstream leaves duplicate checks to callers).
 */
import { decodeUtf8Lossless, goQuote, goQuoteRune } from '../model/goquote.js';
import { parseFloatBytes } from '../model/gofloat.js';

/** Family types of the text format (`GAUGE_HISTOGRAM` is accepted by the TYPE line, as upstream). */
export type TextFamilyType = 'counter' | 'gauge' | 'summary' | 'untyped' | 'histogram' | 'gauge_histogram';

/** One metric (one label set) of a family. */
export interface TextMetric {
  /** Label pairs in the order read, without `quantile` (summaries) or `le` (histograms). */
  labels: [name: string, value: string][];
  /** Explicit timestamp, integer milliseconds, when the line had one. */
  timestampMs?: number;
  /** Counter, gauge and untyped value. */
  value?: number;
  /** Summary quantiles in the order read. */
  quantiles?: { quantile: number; value: number }[];
  /** Histogram buckets in the order read (cumulative counts). */
  buckets?: { upperBound: number; count: number }[];
  /** Summary/histogram `_count` (truncated to an integer, as upstream's uint64). */
  count?: number;
  /** Summary/histogram `_sum`. */
  sum?: number;
}

/** One metric family. */
export interface TextFamily {
  name: string;
  /** HELP text (escapes `\\` and `\n` decoded); undefined without a HELP line. */
  help?: string;
  type: TextFamilyType;
  metrics: TextMetric[];
}

/** A syntax error, worded and numbered (1-based line) as upstream's `expfmt.ParseError`. */
export class TextFormatError extends Error {
  override name = 'TextFormatError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`text format parsing error in line ${line}: ${reason}`);
  }
}

const TYPES: Record<string, TextFamilyType> = {
  COUNTER: 'counter',
  GAUGE: 'gauge',
  SUMMARY: 'summary',
  UNTYPED: 'untyped',
  HISTOGRAM: 'histogram',
  GAUGE_HISTOGRAM: 'gauge_histogram',
};

const NL = 0x0a;
const EOF = -1;

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
function isLabelStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}
function isLabelChar(c: number): boolean {
  return isLabelStart(c) || (c >= 0x30 && c <= 0x39);
}
function isMetricStart(c: number): boolean {
  return isLabelStart(c) || c === 0x3a;
}
function isMetricChar(c: number): boolean {
  return isLabelChar(c) || c === 0x3a;
}

/** Signals the end of input inside a line (upstream's `io.EOF` turned into an error). */
class EndOfInput extends Error {}

interface MutableFamily extends TextFamily {
  typeSet: boolean;
  /** Summary/histogram metrics by the signature of their labels (without quantile/le). */
  bySignature: Map<string, TextMetric>;
}

/** Which part of a summary/histogram a sample is. */
const enum Part {
  Plain,
  Count,
  Sum,
}

/** The reader's state over one body. */
class Reader {
  private pos = 0;
  private line = 0;
  private cur = EOF;
  private readonly families = new Map<string, MutableFamily>();

  constructor(private readonly b: Uint8Array) {}

  /** The current byte (a method, so that comparisons are not narrowed across reads). */
  private at(): number {
    return this.cur;
  }

  /** Reads the next byte into `cur`; at the end of input throws {@link EndOfInput}. */
  private advance(): number {
    if (this.pos >= this.b.length) {
      this.cur = EOF;
      throw new EndOfInput();
    }
    this.cur = this.b[this.pos++]!;
    return this.cur;
  }

  private fail(reason: string): never {
    throw new TextFormatError(this.line, reason);
  }

  private skipBlanks(): void {
    do this.advance();
    while (isBlank(this.cur));
  }

  private skipBlanksIfBlank(): void {
    if (isBlank(this.cur)) this.skipBlanks();
  }

  /** Bytes from `cur` up to (not including) a blank or newline; `cur` is left on that byte. */
  private tokenUntilWhitespace(): string {
    const start = this.pos - 1;
    while (!isBlank(this.cur) && this.cur !== NL) this.advance();
    return decodeUtf8Lossless(this.b.subarray(start, this.pos - 1));
  }

  /** A metric name from `cur` (empty when `cur` cannot start one); `cur` is left after it. */
  private metricName(): string {
    if (!isMetricStart(this.cur)) return '';
    const start = this.pos - 1;
    do this.advance();
    while (isMetricChar(this.cur));
    return decodeUtf8Lossless(this.b.subarray(start, this.pos - 1));
  }

  private labelName(): string {
    if (!isLabelStart(this.cur)) return '';
    const start = this.pos - 1;
    do this.advance();
    while (isLabelChar(this.cur));
    return decodeUtf8Lossless(this.b.subarray(start, this.pos - 1));
  }

  /**
   * The rest of the line from `cur`, with `\\` and `\n` decoded when `escapes`; without `escapes`
   * backslashes are dropped (upstream's `readTokenUntilNewline(false)`). `cur` ends on the newline.
   */
  private restOfLine(escapes: boolean): string {
    const bytes: number[] = [];
    let escaped = false;
    for (;;) {
      const c = this.cur;
      if (escapes && escaped) {
        if (c === 0x5c) bytes.push(0x5c);
        else if (c === 0x6e) bytes.push(NL);
        else this.fail(`invalid escape sequence '\\${String.fromCharCode(c)}'`);
        escaped = false;
      } else if (c === NL) {
        return decodeUtf8Lossless(bytes);
      } else if (c === 0x5c) {
        escaped = escapes;
      } else {
        bytes.push(c);
      }
      this.advance();
    }
  }

  /** A quoted label value after the opening quote; `cur` is left on the closing quote. */
  private labelValue(): string {
    const bytes: number[] = [];
    let escaped = false;
    for (;;) {
      const c = this.advance();
      if (escaped) {
        if (c === 0x22 || c === 0x5c) bytes.push(c);
        else if (c === 0x6e) bytes.push(NL);
        else this.fail(`invalid escape sequence '\\${String.fromCharCode(c)}'`);
        escaped = false;
      } else if (c === 0x22) {
        return decodeUtf8Lossless(bytes);
      } else if (c === NL) {
        this.fail(`label value ${goQuote(decodeUtf8Lossless(bytes))} contains unescaped new-line`);
      } else if (c === 0x5c) {
        escaped = true;
      } else {
        bytes.push(c);
      }
    }
  }

  /** The family a name belongs to, and which part of it the sample is (upstream `setOrCreateCurrentMF`). */
  private familyFor(name: string): [MutableFamily, Part] {
    const own = this.families.get(name);
    if (own) return [own, Part.Plain];
    const isCount = name.length > 6 && name.endsWith('_count');
    const isSum = name.length > 4 && name.endsWith('_sum');
    const isBucket = name.length > 7 && name.endsWith('_bucket');
    const part = isCount ? Part.Count : isSum ? Part.Sum : Part.Plain;
    const summaryBase = isCount ? name.slice(0, -6) : isSum ? name.slice(0, -4) : name;
    const summary = this.families.get(summaryBase);
    if (summary?.type === 'summary' && summary.typeSet) return [summary, part];
    const histogramBase = isBucket ? name.slice(0, -7) : summaryBase;
    const histogram = this.families.get(histogramBase);
    if (histogram?.type === 'histogram' && histogram.typeSet) return [histogram, part];
    const fam: MutableFamily = { name, type: 'untyped', typeSet: false, metrics: [], bySignature: new Map() };
    this.families.set(name, fam);
    return [fam, Part.Plain];
  }

  /** Parses the whole body; returns the families with samples, in order of first appearance. */
  run(): TextFamily[] {
    try {
      this.lines();
    } catch (e) {
      if (e instanceof EndOfInput) this.fail('unexpected end of input stream');
      throw e;
    }
    const out: TextFamily[] = [];
    for (const f of this.families.values()) {
      if (f.metrics.length === 0) continue;
      const fam: TextFamily = { name: f.name, type: f.type, metrics: f.metrics };
      if (f.help !== undefined) fam.help = f.help;
      out.push(fam);
    }
    return out;
  }

  private lines(): void {
    for (;;) {
      this.line++;
      try {
        this.skipBlanks();
      } catch (e) {
        if (e instanceof EndOfInput) return;
        throw e;
      }
      if (this.cur === NL) continue;
      if (this.cur === 0x23) this.comment();
      else this.sample();
    }
  }

  /** A `#` line: HELP and TYPE are read, anything else skipped. `cur` ends on the newline. */
  private comment(): void {
    this.skipBlanks();
    if (this.cur === NL) return;
    const keyword = this.tokenUntilWhitespace();
    if (this.cur === NL) return;
    if (keyword !== 'HELP' && keyword !== 'TYPE') {
      while (this.cur !== NL) this.advance();
      return;
    }
    this.skipBlanks();
    const name = this.metricName();
    if (this.cur === NL) return;
    if (!isBlank(this.cur)) this.fail('invalid metric name in comment');
    const [fam] = this.familyFor(name);
    this.skipBlanks();
    if (this.cur === NL) return;
    if (keyword === 'HELP') {
      if (fam.help !== undefined) this.fail(`second HELP line for metric name ${goQuote(fam.name)}`);
      fam.help = this.restOfLine(true);
      return;
    }
    if (fam.typeSet) this.fail(`second TYPE line for metric name ${goQuote(fam.name)}, or TYPE reported after samples`);
    const word = this.restOfLine(false);
    const type = TYPES[word.toUpperCase()];
    if (type === undefined) this.fail(`unknown metric type ${goQuote(word)}`);
    fam.type = type;
    fam.typeSet = true;
  }

  /** A sample line from its first byte; `cur` ends on the newline. */
  private sample(): void {
    const name = this.metricName();
    if (name === '') this.fail('invalid metric name');
    const [fam, part] = this.familyFor(name);
    fam.typeSet = true;
    const metric: TextMetric = { labels: [] };
    const special = fam.type === 'summary' ? 'quantile' : fam.type === 'histogram' ? 'le' : '';
    /** Labels other than quantile/le, for the summary/histogram signature. */
    const signature: string[] = [];
    let bound = NaN;
    this.skipBlanksIfBlank();
    if (this.cur === 0x7b) {
      this.skipBlanks();
      while (this.at() !== 0x7d) {
        const ln = this.labelName();
        if (ln === '') this.fail(`invalid label name for metric ${goQuote(fam.name)}`);
        if (ln === '__name__') this.fail('label name "__name__" is reserved');
        const pair: [string, string] = [ln, ''];
        if (ln !== special) metric.labels.push(pair);
        this.skipBlanksIfBlank();
        if (this.at() !== 0x3d) this.fail(`expected '=' after label name, found ${goQuoteRune(this.cur)}`);
        const seen = new Set<string>();
        for (const [n] of metric.labels) {
          if (seen.has(n)) this.fail(`duplicate label names for metric ${goQuote(fam.name)}`);
          seen.add(n);
        }
        this.skipBlanks();
        if (this.at() !== 0x22) this.fail(`expected '"' at start of label value, found ${goQuoteRune(this.cur)}`);
        const lv = this.labelValue();
        if (/[\udc80-\udcff]/u.test(lv)) this.fail(`invalid label value ${goQuote(lv)}`);
        pair[1] = lv;
        if (ln === special) {
          const b = Buffer.from(lv, 'utf8');
          const f = parseFloatBytes(b, 0, b.length);
          if (f === undefined) this.fail(`expected float as value for '${special}' label, got ${goQuote(lv)}`);
          bound = f;
        } else if (special !== '') {
          signature.push(ln, lv);
        }
        this.skipBlanks();
        if (this.at() === 0x2c) {
          this.skipBlanks();
          continue;
        }
        if (this.at() !== 0x7d) this.fail(`unexpected end of label value ${goQuote(lv)}`);
      }
      this.skipBlanks();
    }
    const target = this.metricOf(fam, metric, signature);
    const valueText = this.tokenUntilWhitespace();
    const vb = Buffer.from(valueText, 'utf8');
    const value = parseFloatBytes(vb, 0, vb.length);
    if (value === undefined) this.fail(`expected float as value, got ${goQuote(valueText)}`);
    this.store(fam, target, part, bound, value);
    if (this.cur === NL) return;
    this.skipBlanks();
    const tsText = this.tokenUntilWhitespace();
    if (!isInt64(tsText)) this.fail(`expected integer as timestamp, got ${goQuote(tsText)}`);
    target.timestampMs = Number(tsText);
    const rest = this.restOfLine(false);
    if (rest.length > 0) this.fail(`spurious string after timestamp: ${goQuote(rest)}`);
  }

  /** The metric a sample goes to: a new one, or for summaries/histograms the one with the same labels. */
  private metricOf(fam: MutableFamily, metric: TextMetric, signature: string[]): TextMetric {
    if (fam.type !== 'summary' && fam.type !== 'histogram') {
      fam.metrics.push(metric);
      return metric;
    }
    const key = sortedSignature(signature);
    const known = fam.bySignature.get(key);
    if (known) return known;
    fam.bySignature.set(key, metric);
    fam.metrics.push(metric);
    return metric;
  }

  private store(fam: MutableFamily, m: TextMetric, part: Part, bound: number, value: number): void {
    if (fam.type === 'counter' || fam.type === 'gauge' || fam.type === 'untyped') {
      m.value = value;
    } else if (fam.type === 'summary' || fam.type === 'histogram') {
      if (part === Part.Count) m.count = value >= 0 ? Math.trunc(value) : value;
      else if (part === Part.Sum) m.sum = value;
      else if (!Number.isNaN(bound)) {
        if (fam.type === 'summary') (m.quantiles ??= []).push({ quantile: bound, value });
        else (m.buckets ??= []).push({ upperBound: bound, count: value >= 0 ? Math.trunc(value) : value });
      }
    }
  }
}

/** Whether `s` is a decimal int64 as Go's `strconv.ParseInt(s, 10, 64)` accepts it. */
function isInt64(s: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(s)) return false;
  const v = BigInt(s);
  return v <= 9223372036854775807n && v >= -9223372036854775808n;
}

/** A canonical text of label pairs (order-independent), as upstream's `LabelsToSignature`. */
function sortedSignature(pairs: string[]): string {
  const idx: number[] = [];
  for (let i = 0; i < pairs.length; i += 2) idx.push(i);
  idx.sort((a, b) => (pairs[a]! < pairs[b]! ? -1 : pairs[a]! > pairs[b]! ? 1 : 0));
  return idx.map((i) => `${pairs[i]}\xff${pairs[i + 1]}`).join('\xfe');
}

/**
 * Reads a text-format body into metric families, as `expfmt.TextParser.TextToMetricFamilies`.
 * The input must end with a newline (a last line without one is "unexpected end of input stream").
 * @returns families with at least one metric, in order of first appearance
 * @throws {TextFormatError} at the first syntax error
 */
export function parseTextFamilies(body: Uint8Array | string): TextFamily[] {
  return new Reader(typeof body === 'string' ? Buffer.from(body, 'utf8') : body).run();
}
