/**
 * Prometheus text format 0.0.4 parser: a hand-written byte scanner that accepts exactly what
 * Prometheus's `textparse.PromParser` (promlex.l + promparse.go, 3.x) accepts:
 *
 * - blanks (spaces, tabs) may separate any two tokens and lead or trail a line; blank lines are
 *   skipped; a NUL byte where a line's first token would start ends the input (upstream lexer);
 * - `# HELP name text` / `# TYPE name type` (any run of blanks after `#` and after the keyword);
 *   the text is the rest of the line minus its first byte, and empty when the rest is blank;
 *   HELP decodes `\\` and `\n` only; TYPE takes counter, gauge, histogram, summary, untyped;
 *   any other `#` line is a comment;
 * - series `name{labels} value [timestamp]`, or `{"quoted.name", labels}`; label names are
 *   `[a-zA-Z_][a-zA-Z0-9_]*` or quoted; values are quoted (raw newlines allowed, as upstream);
 *   commas between labels are optional and a trailing comma is allowed;
 * - the value is the token up to a blank, `{` or newline, parsed as {@link parseFloatBytes};
 *   the timestamp is an integer of milliseconds (digits only, no sign), at most 2^63-1.
 *
 * As upstream (2.x and 3.x), blanks that lead a series line are part of its key and, when the
 * line starts with a bare metric name, of that name: `  foo 1` is a series named `"  foo"`, which
 * legacy name validation then rejects (Prometheus 2.42 fails the scrape with "invalid metric
 * name") and UTF-8 validation accepts.
 */
import { parseFloatBytes } from '../model/gofloat.js';
import { ParserBase } from './base.js';
import { quoteExcerpt } from './excerpt.js';
import { CHAR_CLASS, C_DIGIT, C_LNAME, C_LNAME_START, C_NAME, C_NAME_START, C_TEXT_VALUE, isValidUtf8, unescape } from './scan.js';
import type { Labels } from '../model/labels.js';
import { EntryType, type Exemplar, type MetricType } from './types.js';

/** Largest int64 as decimal digits, for the timestamp range check. */
const INT64_MAX = '9223372036854775807';
/** Digit runs up to this length sum exactly in a float64 (10^15 < 2^53). */
const MAX_EXACT_DIGITS = 15;

/** Length of the longest TYPE word (`histogram`) with room to spare. */
const MAX_TYPE_WORD = 16;
/** Text-format TYPE words and the type each reports. */
const TEXT_TYPES: ReadonlyMap<string, MetricType> = new Map<string, MetricType>([
  ['counter', 'counter'],
  ['gauge', 'gauge'],
  ['histogram', 'histogram'],
  ['summary', 'summary'],
  ['untyped', 'unknown'],
]);

function isBlank(c: number | undefined): boolean {
  return c === 32 || c === 9;
}

/** Parser for `text/plain; version=0.0.4` bodies. See the module doc for the accepted syntax. */
export class PromTextParser extends ParserBase {
  /** Views for {@link matchesKey}: the body's, made at the first hint, and the last hint source's. */
  private bodyView: DataView | null = null;
  private keyView: DataView | null = null;
  private keyViewSrc: Uint8Array | null = null;

  next(): EntryType {
    if (this.failure) throw this.failure;
    const b = this.b;
    const n = this.n;
    for (;;) {
      let i = this.pos;
      this.entryLine = this.lineNo;
      this.entryStart = i;
      while (i < n && isBlank(b[i])) i++;
      if (i >= n) {
        this.pos = n;
        return EntryType.EOF;
      }
      const c = b[i]!;
      if (c === 10) {
        this.pos = i + 1;
        this.lineNo++;
        continue;
      }
      if (c === 0) {
        this.pos = n;
        return EntryType.EOF;
      }
      if (c === 35) return this.comment(i);
      if ((CHAR_CLASS[c]! & C_NAME_START) !== 0 || c === 123) return this.series(this.entryStart, i);
      return this.failAt('expected a valid start token', i, i + 1);
    }
  }

  help(): string {
    return unescape(this.b.toString('utf8', this.textStart, this.textEnd), false);
  }

  exemplar(): Exemplar | null {
    return null;
  }

  /** A line starting with `#` at `i`: HELP, TYPE or a comment. */
  private comment(i: number): EntryType {
    const b = this.b;
    const n = this.n;
    let j = i + 1;
    if (isBlank(b[j])) {
      while (j < n && isBlank(b[j])) j++;
      if (j + 4 < n && isBlank(b[j + 4])) {
        if (this.startsWith(j, 'HELP')) return this.meta(EntryType.Help, j + 4);
        if (this.startsWith(j, 'TYPE')) return this.meta(EntryType.Type, j + 4);
      }
    }
    this.finishLine(this.endOfLine(i));
    return EntryType.Comment;
  }

  /** HELP/TYPE after the keyword; `j` is at the blank that follows it. */
  private meta(kind: EntryType, j: number): EntryType {
    const b = this.b;
    const n = this.n;
    const keyword = kind === EntryType.Help ? 'HELP' : 'TYPE';
    while (j < n && isBlank(b[j])) j++;
    const k = this.metaName(j, keyword);
    const eol = this.endOfLine(k);
    let blankRest = true;
    for (let p = k; p < eol; p++) {
      if (!isBlank(b[p])) {
        blankRest = false;
        break;
      }
    }
    this.textStart = blankRest || eol - k <= 1 ? eol : k + 1;
    this.textEnd = eol;
    if (kind === EntryType.Type) {
      // Only short text can be a type word: a huge line is not decoded just to be rejected.
      const t = eol - this.textStart <= MAX_TYPE_WORD ? TEXT_TYPES.get(b.toString('latin1', this.textStart, eol)) : undefined;
      if (t === undefined) this.fail(`invalid metric type ${quoteExcerpt(b, this.textStart, eol)}`);
      this.mtype = t;
    } else if (!isValidUtf8(b, this.textStart, eol)) {
      this.fail(`help text ${quoteExcerpt(b, this.textStart, eol)} is not a valid utf8 string`);
    }
    this.finishLine(eol);
    return kind;
  }

  /** A series line starting at `lineStart` whose first token (a name or `{`) starts at `i`. */
  private series(lineStart: number, i: number): EntryType {
    const b = this.b;
    const n = this.n;
    const hint = this.hintSrc;
    this.hintSrc = null;
    this.keyStart = lineStart;
    let j: number;
    if (hint !== null && this.matchesKey(lineStart, hint, this.hintStart, this.hintEnd)) {
      j = lineStart + this.hintEnd - this.hintStart;
      this.keyEnd = j;
      this.keyHit = true;
    } else {
      this.keyHit = false;
      j = this.scanKey(lineStart, i);
    }
    while (j < n && isBlank(b[j])) j++;
    const vs = j;
    while (j < n && (CHAR_CLASS[b[j]!]! & C_TEXT_VALUE) !== 0) j++;
    if (j === vs) this.failAt('expected value after metric', vs, vs + 1);
    const v = parseFloatBytes(b, vs, j);
    if (v === undefined) this.failFloat(vs, j);
    this.val = v;
    while (j < n && isBlank(b[j])) j++;
    this.hasTs = false;
    if (j < n && b[j] !== 10) {
      if ((CHAR_CLASS[b[j]!]! & C_DIGIT) === 0) this.failAt('expected timestamp or new record', j, j + 1);
      const ts = j;
      let t = 0;
      while (j < n && (CHAR_CLASS[b[j]!]! & C_DIGIT) !== 0) t = t * 10 + (b[j++]! - 48);
      if (j - ts > MAX_EXACT_DIGITS) t = this.longTimestamp(ts, j);
      this.ts = t;
      this.hasTs = true;
      while (j < n && isBlank(b[j])) j++;
      if (j < n && b[j] !== 10) this.failAt('expected next entry after timestamp', j, j + 1);
    }
    this.finishLine(j);
    return EntryType.Series;
  }

  /**
   * Scans the series key (metric name and/or label set) of the line starting at `lineStart` whose
   * first token starts at `i`; records the name and label offsets and `keyEnd`, returns `keyEnd`.
   */
  private scanKey(lineStart: number, i: number): number {
    const b = this.b;
    const n = this.n;
    this.nOffs = 0;
    let j: number;
    if (b[i] !== 123) {
      let k = i + 1;
      while (k < n && (CHAR_CLASS[b[k]!]! & C_NAME) !== 0) k++;
      this.nameStart = lineStart;
      this.nameEnd = k;
      j = k;
      while (j < n && isBlank(b[j])) j++;
      j = j < n && b[j] === 123 ? this.labelSet(j + 1) : k;
    } else {
      this.nameStart = -1;
      this.nameEnd = -1;
      j = this.labelSet(i + 1);
      if (this.nameStart < 0) this.fail(`metric name not set while parsing: ${quoteExcerpt(b, this.entryStart, j)}`);
    }
    this.keyEnd = j;
    return j;
  }

  /**
   * Whether the line starting at `s` has exactly the series key `key[ks, ke)` (the bytes of a key
   * this parser found in an earlier body): the bytes match and the key ends where {@link scanKey}
   * would end it — after the closing brace of a label set, or after a bare name not followed by
   * more name bytes or by a label set. Scanning identical bytes gives identical offsets, so the full
   * scan can be skipped. Counts raw newlines inside the key (quoted label values) into the line
   * number as the scan does.
   */
  private matchesKey(s: number, key: Uint8Array, ks: number, ke: number): boolean {
    const b = this.b;
    const n = this.n;
    const len = ke - ks;
    const e = s + len;
    if (len <= 0 || e > n) return false;
    // Four bytes per step through DataViews (a byte loop cost 2-5 ns per byte here); a newline
    // byte anywhere in a word sets a bit of `nl` (zero-byte test on the word xor "\n\n\n\n").
    const bv = (this.bodyView ??= new DataView(b.buffer, b.byteOffset, b.byteLength));
    if (key !== this.keyViewSrc) {
      this.keyViewSrc = key;
      this.keyView = new DataView(key.buffer, key.byteOffset, key.byteLength);
    }
    const kv = this.keyView!;
    let nl = 0;
    let k = 0;
    for (const last = len - 4; k <= last; k += 4) {
      const w = bv.getInt32(s + k, true);
      if (w !== kv.getInt32(ks + k, true)) return false;
      const x = w ^ 0x0a0a0a0a;
      nl |= ((x - 0x01010101) | 0) & ~x & 0x80808080;
    }
    for (; k < len; k++) {
      const c = b[s + k]!;
      if (c !== key[ks + k]) return false;
      if (c === 10) nl = 1;
    }
    if (key[ke - 1] !== 125) {
      if (e < n && (CHAR_CLASS[b[e]!]! & C_NAME) !== 0) return false;
      let j = e;
      while (j < n && isBlank(b[j])) j++;
      if (j < n && b[j] === 123) return false;
    }
    if (nl !== 0) {
      for (let p = s; p < e; p++) if (b[p] === 10) this.lineNo++;
    }
    return true;
  }

  override labels(): Labels {
    if (this.keyHit) {
      // The label set was not scanned: scan it now (same bytes, so it cannot fail), without
      // counting its newlines into the line number a second time.
      const lineNo = this.lineNo;
      let i = this.keyStart;
      while (isBlank(this.b[i])) i++;
      this.scanKey(this.keyStart, i);
      this.lineNo = lineNo;
      this.keyHit = false;
    }
    return super.labels();
  }

  /**
   * A timestamp digit run `[s, e)` too long to sum exactly: rejected above the int64 range as Go's
   * `strconv.ParseInt` does, else converted with correct rounding (ms beyond 2^53 lose precision).
   */
  private longTimestamp(s: number, e: number): number {
    let i = s;
    while (i < e - 1 && this.b[i] === 48) i++;
    const digits = this.b.toString('latin1', i, e);
    if (digits.length > INT64_MAX.length || (digits.length === INT64_MAX.length && digits > INT64_MAX)) {
      this.fail(`strconv.ParseInt: parsing ${quoteExcerpt(this.b, s, e)}: value out of range while parsing: ${quoteExcerpt(this.b, this.entryStart, e)}`);
    }
    return Number(digits);
  }

  /** The label set after `{` at `j - 1`; returns the index after the closing `}`. */
  private labelSet(j: number): number {
    const b = this.b;
    const n = this.n;
    for (;;) {
      while (j < n && isBlank(b[j])) j++;
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
        const close = this.scanQuoted(j, true, false);
        if (close < 0) this.failAt('expected label name', j, j + 1);
        ns = j + 1;
        ne = close;
        j = close + 1;
        quoted = true;
      } else {
        return this.failAt('expected label name', j, j + 1);
      }
      while (j < n && isBlank(b[j])) j++;
      if (quoted && j < n && (b[j] === 44 || b[j] === 125)) {
        if (this.nameStart >= 0) this.fail(`metric name already set while parsing: ${quoteExcerpt(b, this.entryStart, j + 1)}`);
        this.nameStart = ns;
        this.nameEnd = ne;
        if (b[j] === 125) return j + 1;
        j++;
        continue;
      }
      if (j >= n || b[j] !== 61) this.failAt('expected equal', j, j + 1);
      j++;
      while (j < n && isBlank(b[j])) j++;
      if (j >= n || b[j] !== 34) this.failAt('expected label value', j, j + 1);
      const close = this.scanQuoted(j, true, true);
      if (close < 0) this.failAt('expected label value', j, j + 1);
      this.pushLabel(ns, ne, j + 1, close);
      j = close + 1;
      while (j < n && isBlank(b[j])) j++;
      if (j < n && b[j] === 44) j++;
    }
  }
}
