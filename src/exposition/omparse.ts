/**
 * OpenMetrics 1.0 text parser: a byte scanner that accepts exactly what Prometheus's
 * `textparse.OpenMetricsParser` (openmetricslex.l + openmetricsparse.go, 3.x) accepts:
 *
 * - single spaces only, no blank lines, no comments other than `# HELP`, `# TYPE`, `# UNIT`
 *   and the final `# EOF` (optionally followed by one newline, then nothing);
 * - `# HELP name text` (decodes `\\`, `\"`, `\n`), `# TYPE name type` (the eight OpenMetrics
 *   types), `# UNIT name unit` (a non-empty unit must be a `_`-separated suffix of the name);
 * - series `name{labels} value [timestamp] [# {labels} value [timestamp]]`, or
 *   `{"quoted.name",labels}`; labels separated by exactly one comma, a trailing comma allowed
 *   (rejected in strict mode); label values may not hold raw newlines;
 * - value and timestamps are {@link parseFloatBytes} floats; timestamps are seconds, must be
 *   finite and become `Math.trunc(seconds * 1000)` ms as upstream's `int64(ts * 1000)`.
 *
 * `_created` series are reported as ordinary series (upstream's default: only the
 * `created-timestamp-zero-ingestion` feature turns them into start timestamps), so a scrape
 * stores `foo_created` with the creation time in seconds as its value, as Prometheus does.
 *
 * Deviation: exemplar label values are unescaped (upstream stores the escaped text verbatim).
 */
import { parseFloatBytes } from '../model/gofloat.js';
import { ParserBase, pushOffsets } from './base.js';
import { quoteExcerpt } from './excerpt.js';
import { CHAR_CLASS, C_LNAME, C_LNAME_START, C_NAME, C_NAME_START, isValidUtf8, unescape } from './scan.js';
import type { Labels } from '../model/labels.js';
import { EntryType, type Exemplar, type MetricType } from './types.js';

/** Length of the longest OpenMetrics TYPE word (`gaugehistogram`) with room to spare. */
const MAX_TYPE_WORD = 16;
/** OpenMetrics TYPE words. */
const OM_TYPES: ReadonlySet<string> = new Set<MetricType>([
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
  'unknown',
]);

/** Options of {@link OpenMetricsParser}. */
export interface OpenMetricsParserOptions {
  /**
   * Reject what the OpenMetrics 1.0 ABNF forbids but Prometheus tolerates (a trailing comma in a
   * label set). Used by the validator, never by the scrape.
   */
  strict?: boolean;
}

/** Parser for `application/openmetrics-text` bodies. See the module doc for the accepted syntax. */
export class OpenMetricsParser extends ParserBase {
  private readonly strict: boolean;
  private done = false;
  /**
   * Exemplar label offsets (4 per label: exemplars carry at most 128 characters of labels, so
   * rarely more than 4 labels), value and timestamp of the current series line.
   */
  private eOffs = new Int32Array(16);
  private nEOffs = 0;
  private hasExemplar = false;
  private eVal = 0;
  private eTs = 0;
  private eHasTs = false;
  /** The current series' timestamp in seconds, as sent (before the ms conversion). */
  private tsSeconds = 0;

  constructor(body: Buffer, options: OpenMetricsParserOptions = {}) {
    super(body);
    this.strict = options.strict === true;
  }

  next(): EntryType {
    if (this.failure) throw this.failure;
    if (this.done) return EntryType.EOF;
    const b = this.b;
    const n = this.n;
    const i = this.pos;
    this.entryLine = this.lineNo;
    this.entryStart = i;
    if (i >= n) return this.fail('data does not end with # EOF');
    const c = b[i]!;
    if (c === 35) {
      if (i + 1 < n && b[i + 1] === 32) {
        const j = i + 2;
        if (this.startsWith(j, 'HELP ')) return this.meta(EntryType.Help, j + 5);
        if (this.startsWith(j, 'TYPE ')) return this.meta(EntryType.Type, j + 5);
        if (this.startsWith(j, 'UNIT ')) return this.meta(EntryType.Unit, j + 5);
        if (this.startsWith(j, 'EOF')) {
          let k = j + 3;
          if (k < n && b[k] === 10) k++;
          if (k !== n) this.fail('unexpected data after # EOF');
          this.done = true;
          this.pos = n;
          return EntryType.EOF;
        }
      }
      return this.failAt('expected a valid start token', i, i + 2);
    }
    if ((CHAR_CLASS[c]! & C_NAME_START) !== 0 || c === 123) return this.series(i);
    return this.failAt('expected a valid start token', i, i + 1);
  }

  help(): string {
    return unescape(this.b.toString('utf8', this.textStart, this.textEnd), true);
  }

  exemplar(): Exemplar | null {
    if (!this.hasExemplar) return null;
    const o = this.eOffs;
    const pairs: string[] = [];
    for (let k = 0; k < this.nEOffs; k += 4) {
      pairs.push(this.decodeName(o[k]!, o[k + 1]!), this.decodeValue(o[k + 2]!, o[k + 3]!));
    }
    const labels = this.sortedLabels(pairs);
    return this.eHasTs ? { labels, value: this.eVal, timestamp: this.eTs } : { labels, value: this.eVal };
  }

  /** Series: the label set without `le`/`quantile` normalisation (for validation). */
  rawLabels(): Labels {
    return this.buildLabels(false);
  }

  /** Series: the timestamp in seconds as sent, or undefined (for validation). */
  timestampSeconds(): number | undefined {
    return this.hasTs ? this.tsSeconds : undefined;
  }

  /** Series: the decoded metric name alone (for validation). */
  metricName(): string {
    return this.decodeName(this.nameStart, this.nameEnd);
  }

  /** HELP/TYPE/UNIT; `j` is the first byte after `# KEYWORD `. */
  private meta(kind: EntryType, j: number): EntryType {
    const b = this.b;
    const n = this.n;
    const keyword = kind === EntryType.Help ? 'HELP' : kind === EntryType.Type ? 'TYPE' : 'UNIT';
    const k = this.metaName(j, keyword);
    const eol = this.endOfLine(k);
    if (k >= n || b[k] !== 32 || eol >= n) this.fail(`expected text in ${keyword}`);
    this.textStart = k + 1;
    this.textEnd = eol;
    if (kind === EntryType.Type) {
      // Only short text can be a type word: a huge line is not decoded just to be rejected.
      const word = eol - (k + 1) <= MAX_TYPE_WORD ? b.toString('latin1', k + 1, eol) : '';
      if (!OM_TYPES.has(word)) this.fail(`invalid metric type ${quoteExcerpt(b, k + 1, eol)}`);
      this.mtype = word as MetricType;
    } else if (kind === EntryType.Unit) {
      this.checkUnit(k + 1, eol);
    } else if (!isValidUtf8(b, k + 1, eol)) {
      this.fail(`help text ${quoteExcerpt(b, k + 1, eol)} is not a valid utf8 string`);
    }
    this.finishLine(eol);
    return kind;
  }

  /** A non-empty unit `[us, ue)` must be the family name's suffix after an underscore. */
  private checkUnit(us: number, ue: number): void {
    const len = ue - us;
    if (len === 0) return;
    const b = this.b;
    const ns = this.metaStart;
    const ne = this.metaEnd;
    let ok = ne - ns >= len + 1 && b[ne - len - 1] === 95;
    for (let k = 0; ok && k < len; k++) ok = b[ne - len + k] === b[us + k];
    if (!ok) {
      this.fail(`unit ${quoteExcerpt(b, us, ue)} not a suffix of metric ${quoteExcerpt(b, ns, ne)}`);
    }
  }

  /** A series line whose first token (a name or `{`) starts at `i`. */
  private series(i: number): EntryType {
    const b = this.b;
    const n = this.n;
    this.nOffs = 0;
    this.nEOffs = 0;
    this.hasExemplar = false;
    this.hasTs = false;
    this.keyStart = i;
    let j: number;
    if (b[i] !== 123) {
      j = i + 1;
      while (j < n && (CHAR_CLASS[b[j]!]! & C_NAME) !== 0) j++;
      this.nameStart = i;
      this.nameEnd = j;
      if (j < n && b[j] === 123) j = this.labelSet(j + 1, false);
    } else {
      this.nameStart = -1;
      this.nameEnd = -1;
      j = this.labelSet(i + 1, false);
      if (this.nameStart < 0) this.fail(`metric name not set while parsing: ${quoteExcerpt(b, this.entryStart, j)}`);
    }
    this.keyEnd = j;
    j = this.floatToken(j, 'expected value after metric');
    this.val = this.lastFloat;
    if (j >= n) this.fail('data does not end with # EOF');
    if (b[j] !== 10) {
      if (this.isExemplarStart(j)) {
        j = this.exemplarTail(j + 4);
      } else {
        if (j + 1 >= n || b[j + 1] === 32 || b[j + 1] === 10) this.failAt('expected timestamp or exemplar', j, j + 2);
        j = this.floatToken(j, 'expected timestamp');
        const t = this.lastFloat;
        if (!Number.isFinite(t)) this.fail(`invalid timestamp ${formatSpecial(t)}`);
        this.tsSeconds = t;
        this.ts = Math.trunc(t * 1000) + 0;
        this.hasTs = true;
        if (j >= n || b[j] !== 10) {
          if (!this.isExemplarStart(j)) this.failAt('expected next entry after timestamp', j, j + 2);
          j = this.exemplarTail(j + 4);
        }
      }
    }
    this.finishLine(j);
    return EntryType.Series;
  }

  /** The float most recently parsed by {@link floatToken}. */
  private lastFloat = 0;

  /**
   * Parses ` <token>` at `j` (one space, then bytes up to a space or newline) as a float into
   * {@link lastFloat}; returns the index after the token. Fails with `expected` when there is
   * no such token.
   */
  private floatToken(j: number, expected: string): number {
    const b = this.b;
    const n = this.n;
    if (j + 1 >= n || b[j] !== 32 || b[j + 1] === 32 || b[j + 1] === 10) this.failAt(expected, j, j + 2);
    const s = j + 1;
    let e = s;
    while (e < n && b[e] !== 32 && b[e] !== 10) e++;
    const v = parseFloatBytes(b, s, e);
    if (v === undefined) this.failFloat(s, e);
    this.lastFloat = v;
    return e;
  }

  /** Whether ` # {` starts at `j`. */
  private isExemplarStart(j: number): boolean {
    const b = this.b;
    return j + 3 < this.n && b[j] === 32 && b[j + 1] === 35 && b[j + 2] === 32 && b[j + 3] === 123;
  }

  /** The exemplar after ` # {`; returns the index of the line's newline. */
  private exemplarTail(j: number): number {
    const b = this.b;
    const n = this.n;
    this.hasExemplar = true;
    this.eHasTs = false;
    j = this.labelSet(j, true);
    j = this.floatToken(j, 'expected value after exemplar labels');
    this.eVal = this.lastFloat;
    if (j >= n) this.fail('data does not end with # EOF');
    if (b[j] === 10) return j;
    if (j + 1 >= n || b[j + 1] === 32 || b[j + 1] === 10) this.failAt('expected timestamp or comment', j, j + 2);
    j = this.floatToken(j, 'expected timestamp or comment');
    const t = this.lastFloat;
    if (!Number.isFinite(t)) this.fail(`invalid exemplar timestamp ${formatSpecial(t)}`);
    this.eTs = Math.trunc(t * 1000) + 0;
    this.eHasTs = true;
    if (j >= n || b[j] !== 10) this.failAt('expected next entry after exemplar timestamp', j, j + 1);
    return j;
  }

  /**
   * The label set after `{` at `j - 1` (series labels, or exemplar labels when `exemplar`);
   * returns the index after the closing `}`.
   */
  private labelSet(j: number, exemplar: boolean): number {
    const b = this.b;
    const n = this.n;
    for (;;) {
      if (j >= n) this.failAt('expected label name', j, j + 1);
      const c = b[j]!;
      if (c === 125) return j + 1;
      let ns: number;
      let ne: number;
      let quoted = false;
      if ((CHAR_CLASS[c]! & C_LNAME_START) !== 0) {
        ns = j++;
        while (j < n && (CHAR_CLASS[b[j]!]! & C_LNAME) !== 0) j++;
        ne = j;
      } else if (c === 34) {
        const close = this.scanQuoted(j, !exemplar, false);
        if (close < 0) this.failAt('expected label name', j, j + 1);
        ns = j + 1;
        ne = close;
        j = close + 1;
        quoted = true;
      } else {
        return this.failAt('expected label name', j, j + 1);
      }
      if (quoted && j < n && (b[j] === 44 || b[j] === 125)) {
        if (exemplar) this.failAt('expected label name', j, j + 1);
        if (this.nameStart >= 0) this.fail(`metric name already set while parsing: ${quoteExcerpt(b, this.entryStart, j + 1)}`);
        this.nameStart = ns;
        this.nameEnd = ne;
        if (b[j] === 125) return j + 1;
        j = this.afterComma(j + 1);
        continue;
      }
      if (j >= n || b[j] !== 61) this.failAt('expected equal', j, j + 1);
      j++;
      if (j >= n || b[j] !== 34) this.failAt('expected label value', j, j + 1);
      const close = this.scanQuoted(j, false, !exemplar);
      if (close < 0) this.failAt('expected label value', j, j + 1);
      if (exemplar) this.pushExemplarLabel(ns, ne, j + 1, close);
      else this.pushLabel(ns, ne, j + 1, close);
      j = close + 1;
      if (j < n && b[j] === 44) j = this.afterComma(j + 1);
      else if (j >= n || b[j] !== 125) this.failAt('expected comma or brace close', j, j + 1);
    }
  }

  /** `j` follows a comma in a label set; strict mode rejects a `}` there (trailing comma). */
  private afterComma(j: number): number {
    if (this.strict && j < this.n && this.b[j] === 125) this.failAt('expected label name', j, j + 1);
    return j;
  }

  private pushExemplarLabel(ns: number, ne: number, vs: number, ve: number): void {
    this.eOffs = pushOffsets(this.eOffs, this.nEOffs, ns, ne, vs, ve);
    this.nEOffs += 4;
  }
}

/** Go `%f` of a non-finite float: `NaN`, `+Inf`, `-Inf`. */
function formatSpecial(v: number): string {
  return v !== v ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}
