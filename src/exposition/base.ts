/**
 * State and accessors shared by the text and OpenMetrics parsers. A subclass's `next()` scans one
 * entry and records byte offsets here; the accessors decode text from those offsets on demand, so
 * a series whose key is already cached costs no label decoding at all.
 */
import { parseGoFloat } from '../model/gofloat.js';
import { METRIC_NAME, type Labels } from '../model/labels.js';
import { quoteExcerpt, quoteTextExcerpt } from './excerpt.js';
import { formatOpenMetricsFloat } from './float.js';
import { CHAR_CLASS, C_NAME, C_NAME_START, hasBackslash, isValidUtf8, unescape } from './scan.js';
import { EntryType, ExpositionParseError, type Exemplar, type ExpositionParser, type MetricType } from './types.js';

/**
 * Initial capacity of the label offset array: 4 ints per label, so 16 labels — more than nearly
 * every exposed series has; it grows by doubling for the rest.
 */
const INITIAL_OFFSETS = 64;

/** Common parser state: cursor, line counting, the current entry's offsets and values. */
export abstract class ParserBase implements ExpositionParser {
  protected readonly b: Buffer;
  protected readonly n: number;
  /** Next byte to scan. */
  protected pos = 0;
  /** 1-based line of `pos`. */
  protected lineNo = 1;
  /** 1-based line where the current entry starts. */
  protected entryLine = 1;
  /** First byte of the current entry (for error messages). */
  protected entryStart = 0;
  /** The error already thrown, rethrown by later `next()` calls. */
  protected failure: ExpositionParseError | null = null;

  /** Metric name bytes `[nameStart, nameEnd)`; -1 while a brace-only series has not named it yet. */
  protected nameStart = -1;
  protected nameEnd = -1;
  /** Label offsets, 4 per label: name start/end, value start/end (quotes excluded). */
  protected offs = new Int32Array(INITIAL_OFFSETS);
  protected nOffs = 0;
  /** Series key bytes `[keyStart, keyEnd)`. */
  protected keyStart = 0;
  protected keyEnd = 0;
  protected val = 0;
  protected ts = 0;
  protected hasTs = false;

  /** Metadata entry: family name bytes and text bytes. */
  protected metaStart = 0;
  protected metaEnd = 0;
  protected textStart = 0;
  protected textEnd = 0;
  /**
   * Type of the last TYPE line. Like upstream it is not reset when a new family starts without a
   * TYPE line; it decides whether `le` / `quantile` label values are normalised.
   */
  protected mtype: MetricType = 'unknown';

  constructor(body: Buffer) {
    this.b = body;
    this.n = body.length;
  }

  abstract next(): EntryType;

  abstract exemplar(): Exemplar | null;

  abstract help(): string;

  /** Key hint bytes `hintSrc[hintStart, hintEnd)` for the next series line (see {@link ExpositionParser.expectSeriesKey}). */
  protected hintSrc: Uint8Array | null = null;
  protected hintStart = 0;
  protected hintEnd = 0;
  /** Whether the current series line matched the hint (its label set was not scanned). */
  protected keyHit = false;

  expectSeriesKey(src: Uint8Array | null, start: number, end: number): void {
    this.hintSrc = src;
    this.hintStart = start;
    this.hintEnd = end;
  }

  seriesKeyMatched(): boolean {
    return this.keyHit;
  }

  seriesKey(): string {
    return this.b.toString('latin1', this.keyStart, this.keyEnd);
  }

  seriesKeyStart(): number {
    return this.keyStart;
  }

  seriesKeyEnd(): number {
    return this.keyEnd;
  }

  labels(): Labels {
    return this.buildLabels(true);
  }

  /**
   * The series' label set; with `normalize`, `le` (histogram) and `quantile` (summary) values
   * that parse as Go floats are rewritten in canonical form (`"1"` → `"1.0"`), as upstream's
   * `normalizeFloatsInLabelValues`.
   */
  protected buildLabels(normalize: boolean): Labels {
    const pairs: string[] = [METRIC_NAME, this.decodeName(this.nameStart, this.nameEnd)];
    const o = this.offs;
    for (let k = 0; k < this.nOffs; k += 4) {
      const name = this.decodeName(o[k]!, o[k + 1]!);
      let value = this.decodeValue(o[k + 2]!, o[k + 3]!);
      if (!normalize) {
        pairs.push(name, value);
        continue;
      }
      if ((name === 'le' && this.mtype === 'histogram') || (name === 'quantile' && this.mtype === 'summary')) {
        const f = parseGoFloat(value);
        if (f !== undefined) value = formatOpenMetricsFloat(f);
      }
      pairs.push(name, value);
    }
    return this.sortedLabels(pairs);
  }

  value(): number {
    return this.val;
  }

  timestamp(): number | undefined {
    return this.hasTs ? this.ts : undefined;
  }

  family(): string {
    return this.decodeName(this.metaStart, this.metaEnd);
  }

  type(): MetricType {
    return this.mtype;
  }

  unit(): string {
    return this.b.toString('utf8', this.textStart, this.textEnd);
  }

  line(): number {
    return this.entryLine;
  }

  /** Throws (and remembers) a parse error for the current entry. */
  protected fail(message: string): never {
    this.failure = new ExpositionParseError(message, this.entryLine);
    throw this.failure;
  }

  /**
   * Throws `<expected>, got "<token>" while parsing: "<entry so far>"`, as upstream's parseError;
   * token and entry are quoted as bounded excerpts ({@link quoteExcerpt}).
   */
  protected failAt(expected: string, tokenStart: number, tokenEnd: number): never {
    const e = Math.min(this.n, Math.max(tokenEnd, tokenStart + 1));
    const s = Math.min(tokenStart, e);
    return this.fail(`${expected}, got ${quoteExcerpt(this.b, s, e)} while parsing: ${quoteExcerpt(this.b, this.entryStart, e)}`);
  }

  /** Throws upstream's float error text for the value token `[s, e)`. */
  protected failFloat(s: number, e: number): never {
    const b = this.b;
    for (let i = s; i < e; i++) {
      const c = b[i];
      if (c === 112 || c === 80 || c === 95) {
        return this.fail(`unsupported character in float while parsing: ${quoteExcerpt(b, this.entryStart, e)}`);
      }
    }
    return this.fail(`strconv.ParseFloat: parsing ${quoteExcerpt(b, s, e)}: invalid syntax while parsing: ${quoteExcerpt(b, this.entryStart, e)}`);
  }

  /**
   * Scans a double-quoted string whose opening quote is at `open` (backslash escapes any byte
   * but a newline). Returns the index of the closing quote, or -1 when the string is unterminated
   * or holds a raw newline (unless `newline`) or a NUL byte (unless `nul`). Counts the raw
   * newlines it passes into the line number.
   */
  protected scanQuoted(open: number, newline: boolean, nul: boolean): number {
    const b = this.b;
    const n = this.n;
    let lines = 0;
    for (let i = open + 1; i < n; i++) {
      const c = b[i]!;
      if (c === 34) {
        this.lineNo += lines;
        return i;
      }
      if (c === 92) {
        i++;
        if (i >= n || b[i] === 10 || (b[i] === 0 && !nul)) return -1;
      } else if (c === 10) {
        if (!newline) return -1;
        lines++;
      } else if (c === 0 && !nul) {
        return -1;
      }
    }
    return -1;
  }

  /** Whether the ASCII text `w` is at `j`. */
  protected startsWith(j: number, w: string): boolean {
    if (j + w.length > this.n) return false;
    for (let k = 0; k < w.length; k++) if (this.b[j + k] !== w.charCodeAt(k)) return false;
    return true;
  }

  /** Index of the first newline at or after `i`, or the body length. */
  protected endOfLine(i: number): number {
    const eol = this.b.indexOf(10, i);
    return eol < 0 ? this.n : eol;
  }

  /** Moves the cursor past the line ending at `eol` (a newline or the end of the body). */
  protected finishLine(eol: number): void {
    if (eol < this.n) {
      this.pos = eol + 1;
      this.lineNo++;
    } else {
      this.pos = this.n;
    }
  }

  /**
   * Scans the metric name of a HELP/TYPE/UNIT line starting at `j`, quoted (UTF-8 names) or bare;
   * records it in `metaStart`/`metaEnd` and returns the offset after it.
   */
  protected metaName(j: number, keyword: string): number {
    const b = this.b;
    const n = this.n;
    if (j < n && b[j] === 34) {
      const close = this.scanQuoted(j, true, false);
      if (close < 0) this.failAt(`expected metric name after ${keyword}`, j, j + 1);
      this.metaStart = j + 1;
      this.metaEnd = close;
      return close + 1;
    }
    if (j >= n || (CHAR_CLASS[b[j]!]! & C_NAME_START) === 0) return this.failAt(`expected metric name after ${keyword}`, j, j + 1);
    let k = j + 1;
    while (k < n && (CHAR_CLASS[b[k]!]! & C_NAME) !== 0) k++;
    this.metaStart = j;
    this.metaEnd = k;
    return k;
  }

  /** Appends one label's offsets, growing the array when full. */
  protected pushLabel(ns: number, ne: number, vs: number, ve: number): void {
    this.offs = pushOffsets(this.offs, this.nOffs, ns, ne, vs, ve);
    this.nOffs += 4;
  }

  /** Decodes a (possibly quoted) name's bytes; quoted names must be valid UTF-8. */
  protected decodeName(s: number, e: number): string {
    if (!isValidUtf8(this.b, s, e)) this.fail(`invalid UTF-8 name: ${quoteExcerpt(this.b, s, e)}`);
    const text = this.b.toString('utf8', s, e);
    return hasBackslash(this.b, s, e) ? unescape(text, true) : text;
  }

  /** Decodes a label value's bytes (escapes `\\`, `\"`, `\n`); must be valid UTF-8 as upstream. */
  protected decodeValue(s: number, e: number): string {
    if (!isValidUtf8(this.b, s, e)) {
      this.fail(`invalid UTF-8 label value: ${quoteExcerpt(this.b, s - 1, e + 1)}`);
    }
    const text = this.b.toString('utf8', s, e);
    return hasBackslash(this.b, s, e) ? unescape(text, true) : text;
  }

  /**
   * Sorts `[name, value, …]` pairs by name into a label set, drops empty values (a label with an
   * empty value does not exist) and rejects duplicate names.
   */
  protected sortedLabels(pairs: string[]): Labels {
    const count = pairs.length >> 1;
    const idx: number[] = [];
    for (let i = 0; i < count; i++) {
      const name = pairs[2 * i]!;
      let j = idx.length;
      while (j > 0 && pairs[2 * idx[j - 1]!]! > name) j--;
      if (j > 0 && pairs[2 * idx[j - 1]!] === name) {
        this.fail(`duplicate label name ${quoteTextExcerpt(name)} in series ${quoteExcerpt(this.b, this.keyStart, this.keyEnd)}`);
      }
      idx.splice(j, 0, i);
    }
    const out: string[] = [];
    for (const i of idx) {
      if (pairs[2 * i + 1] !== '') out.push(pairs[2 * i]!, pairs[2 * i + 1]!);
    }
    return out;
  }
}

/**
 * Stores one label's byte offsets (name start/end, value start/end) at `o[k..k+4)`, doubling `o`
 * when full; returns the array to keep (the same one unless it grew).
 */
export function pushOffsets(o: Int32Array<ArrayBuffer>, k: number, ns: number, ne: number, vs: number, ve: number): Int32Array<ArrayBuffer> {
  if (k + 4 > o.length) {
    const grown = new Int32Array(o.length * 2);
    grown.set(o);
    o = grown;
  }
  o[k] = ns;
  o[k + 1] = ne;
  o[k + 2] = vs;
  o[k + 3] = ve;
  return o;
}
