/**
 * Timestamp parsing for promtail's `timestamp` pipeline stage: the named formats promtail accepts
 * (`RFC3339`, `RFC3339Nano`, `Unix`, `UnixMs`, `UnixUs`, `UnixNs`, `ANSIC`, `RFC1123`, …) and Go
 * reference-time layouts (`2006-01-02 15:04:05.000`), as Go's `time.Parse` reads them.
 *
 * A layout is compiled once per config into a list of fields; parsing a value walks that list
 * over the string. Layout elements this parser does not know (day of year `002`, `__2`, seconds
 * zones such as `-07:00:00`) are refused at config time with {@link TimestampFormatError}.
 */
import { UTC, type GoLocation } from '../../template/gotime.js';
import type { LogTime } from '../types.js';

/** Thrown by {@link compileTimestampFormat} for a format or layout this parser does not support. */
export class TimestampFormatError extends Error {
  override name = 'TimestampFormatError';
}

/** A compiled timestamp format: `parse` gives the time or null when the value does not match. */
export interface TimestampParser {
  /** The format as written in the config. */
  readonly format: string;
  /** Parses `value`; null when it does not fit the format. */
  parse(value: string): LogTime | null;
}

/** Go's named layouts, as promtail maps its format names to them. */
const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
};

/** Digits after the decimal point of each Unix format: seconds, ms, µs, ns. */
const UNIX_SCALES: Record<string, number> = { Unix: 0, UnixMs: 3, UnixUs: 6, UnixNs: 9 };

/**
 * Compiles a promtail `format`: a named format or a Go layout. Values without a zone are read in
 * `location` (default UTC, as promtail); layouts without a year take the current year (as promtail).
 * @throws {TimestampFormatError} for layout elements this parser does not support
 */
export function compileTimestampFormat(format: string, location: GoLocation = UTC): TimestampParser {
  const scale = UNIX_SCALES[format];
  if (scale !== undefined) return { format, parse: (v) => parseUnix(v, scale) };
  const fields = compileLayout(NAMED_LAYOUTS[format] ?? format);
  return { format, parse: (v) => parseLayout(fields, v, location) };
}

/** Unix time in units of 10^-scale s; `Unix` (scale 0) also takes a decimal fraction, as promtail. */
function parseUnix(v: string, scale: number): LogTime | null {
  const m = (scale === 0 ? /^(-?\d+)(?:\.(\d{1,9}))?$/ : /^(-?\d+)()$/).exec(v.trim());
  if (!m) return null;
  const whole = m[1]!;
  // Split into whole seconds and nanoseconds without losing precision on 19-digit ns values.
  const secDigits = whole.length - scale;
  const sec = secDigits > 0 ? Number(whole.slice(0, secDigits)) : 0;
  const sub = (secDigits > 0 ? whole.slice(secDigits) : whole.padStart(scale, '0')) + (m[2] ?? '');
  const ns = Number(sub.padEnd(9, '0').slice(0, 9));
  if (!Number.isFinite(sec)) return null;
  const totalMs = sec * 1000 + Math.floor(ns / 1e6);
  return { ms: totalMs, nanos: ns % 1e6 };
}

type Field =
  | { kind: 'lit'; text: string }
  | { kind: 'year4' | 'year2' | 'month' | 'month2' | 'monthName' | 'monthAbbr' | 'day' | 'day2' | 'dayPad' }
  | { kind: 'hour24' | 'hour12' | 'hour12pad' | 'min' | 'min2' | 'sec' | 'sec2' | 'ampm' | 'AMPM' }
  | { kind: 'weekday' | 'weekdayAbbr' | 'zoneName' }
  | { kind: 'frac'; digits: number; exact: boolean }
  | { kind: 'zone'; z: boolean; colon: boolean; hoursOnly: boolean };

/** Layout elements, longest first so that `2006` wins over `2` and `January` over `Jan`. */
const ELEMENTS: [string, Field][] = [
  ['January', { kind: 'monthName' }],
  ['Monday', { kind: 'weekday' }],
  ['Z07:00', { kind: 'zone', z: true, colon: true, hoursOnly: false }],
  ['-07:00', { kind: 'zone', z: false, colon: true, hoursOnly: false }],
  ['Z0700', { kind: 'zone', z: true, colon: false, hoursOnly: false }],
  ['-0700', { kind: 'zone', z: false, colon: false, hoursOnly: false }],
  ['2006', { kind: 'year4' }],
  ['Jan', { kind: 'monthAbbr' }],
  ['Mon', { kind: 'weekdayAbbr' }],
  ['MST', { kind: 'zoneName' }],
  ['Z07', { kind: 'zone', z: true, colon: false, hoursOnly: true }],
  ['-07', { kind: 'zone', z: false, colon: false, hoursOnly: true }],
  ['_2', { kind: 'dayPad' }],
  ['01', { kind: 'month2' }],
  ['02', { kind: 'day2' }],
  ['03', { kind: 'hour12pad' }],
  ['04', { kind: 'min2' }],
  ['05', { kind: 'sec2' }],
  ['06', { kind: 'year2' }],
  ['15', { kind: 'hour24' }],
  ['PM', { kind: 'AMPM' }],
  ['pm', { kind: 'ampm' }],
  ['1', { kind: 'month' }],
  ['2', { kind: 'day' }],
  ['3', { kind: 'hour12' }],
  ['4', { kind: 'min' }],
  ['5', { kind: 'sec' }],
];

/** Go layout elements Lookout refuses rather than misreads. */
const UNSUPPORTED = ['002', '__2', '-07:00:00', '-070000', 'Z07:00:00', 'Z070000'];

function compileLayout(layout: string): Field[] {
  for (const u of UNSUPPORTED) {
    if (layout.includes(u)) throw new TimestampFormatError(`unsupported element ${JSON.stringify(u)} in timestamp layout ${JSON.stringify(layout)}`);
  }
  const fields: Field[] = [];
  let lit = '';
  let hasElement = false;
  for (let i = 0; i < layout.length; ) {
    const c = layout[i]!;
    // Fractional seconds: `.000`/`,000` (exact digits) or `.999` (optional digits) not followed by a digit.
    if ((c === '.' || c === ',') && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
      const d = layout[i + 1]!;
      let j = i + 1;
      while (layout[j] === d) j++;
      if (!/[0-9]/.test(layout[j] ?? '')) {
        if (lit) fields.push({ kind: 'lit', text: lit });
        lit = '';
        fields.push({ kind: 'frac', digits: j - i - 1, exact: d === '0' });
        hasElement = true;
        i = j;
        continue;
      }
    }
    const el = ELEMENTS.find(([text]) => layout.startsWith(text, i));
    if (!el) {
      lit += c;
      i++;
      continue;
    }
    if (lit) fields.push({ kind: 'lit', text: lit });
    lit = '';
    fields.push(el[1]);
    hasElement = true;
    i += el[0].length;
  }
  if (lit) fields.push({ kind: 'lit', text: lit });
  if (!hasElement) throw new TimestampFormatError(`timestamp format ${JSON.stringify(layout)} is neither a known format name nor a Go layout`);
  return fields;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Reads 1–`max` digits (exactly `max` when `exact`) at `pos`; returns [value, end] or null. */
function digits(s: string, pos: number, max: number, exact: boolean): [number, number] | null {
  let end = pos;
  while (end < s.length && end - pos < max && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
  if (end === pos || (exact && end - pos !== max)) return null;
  return [Number(s.slice(pos, end)), end];
}

/** Matches one of `names` (or their 3-letter abbreviations when `abbr`) case-insensitively, as Go. */
function name(s: string, pos: number, names: readonly string[], abbr: boolean): [number, number] | null {
  for (let i = 0; i < names.length; i++) {
    const n = abbr ? names[i]!.slice(0, 3) : names[i]!;
    if (s.slice(pos, pos + n.length).toLowerCase() === n.toLowerCase()) return [i, pos + n.length];
  }
  return null;
}

function parseLayout(fields: readonly Field[], s: string, location: GoLocation): LogTime | null {
  let year = -1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nanos = 0;
  let pm: boolean | null = null;
  let offsetSec: number | null = null;
  let pos = 0;
  for (let f = 0; f < fields.length; f++) {
    const field = fields[f]!;
    let r: [number, number] | null = null;
    switch (field.kind) {
      case 'lit':
        if (!s.startsWith(field.text, pos)) return null;
        pos += field.text.length;
        continue;
      case 'year4':
        r = digits(s, pos, 4, true);
        if (r) year = r[0];
        break;
      case 'year2':
        r = digits(s, pos, 2, true);
        // Go: 69…99 → 19xx, 00…68 → 20xx.
        if (r) year = r[0] >= 69 ? 1900 + r[0] : 2000 + r[0];
        break;
      case 'month':
      case 'month2':
        r = digits(s, pos, 2, field.kind === 'month2');
        if (r) month = r[0];
        break;
      case 'monthName':
      case 'monthAbbr':
        r = name(s, pos, MONTHS, field.kind === 'monthAbbr');
        if (r) month = r[0] + 1;
        break;
      case 'weekday':
      case 'weekdayAbbr':
        r = name(s, pos, DAYS, field.kind === 'weekdayAbbr');
        break;
      case 'day':
      case 'day2':
      case 'dayPad':
        if (field.kind === 'dayPad' && s[pos] === ' ') pos++;
        r = digits(s, pos, 2, field.kind === 'day2');
        if (r) day = r[0];
        break;
      case 'hour24':
        r = digits(s, pos, 2, false);
        if (r) hour = r[0];
        break;
      case 'hour12':
      case 'hour12pad':
        r = digits(s, pos, 2, field.kind === 'hour12pad');
        if (r) hour = r[0];
        break;
      case 'min':
      case 'min2':
        r = digits(s, pos, 2, field.kind === 'min2');
        if (r) min = r[0];
        break;
      case 'sec':
      case 'sec2': {
        r = digits(s, pos, 2, field.kind === 'sec2');
        if (!r) return null;
        sec = r[0];
        pos = r[1];
        // Go accepts a fraction after the seconds even when the layout has none.
        const next = fields[f + 1];
        if ((s[pos] === '.' || s[pos] === ',') && next?.kind !== 'frac' && /[0-9]/.test(s[pos + 1] ?? '')) {
          const fr = digits(s, pos + 1, 9, false);
          if (!fr) return null;
          nanos = Number(s.slice(pos + 1, fr[1]).padEnd(9, '0'));
          pos = fr[1];
          while (/[0-9]/.test(s[pos] ?? '')) pos++;
        }
        continue;
      }
      case 'frac': {
        if (s[pos] !== '.' && s[pos] !== ',') {
          if (field.exact) return null;
          continue;
        }
        const fr = digits(s, pos + 1, field.exact ? field.digits : 9, field.exact);
        if (!fr) return null;
        nanos = Number(s.slice(pos + 1, fr[1]).padEnd(9, '0'));
        pos = fr[1];
        continue;
      }
      case 'AMPM':
      case 'ampm': {
        const t = s.slice(pos, pos + 2).toUpperCase();
        if (t !== 'AM' && t !== 'PM') return null;
        pm = t === 'PM';
        pos += 2;
        continue;
      }
      case 'zoneName': {
        const m = /^(?:[A-Z]{3,5}|[+-]\d\d)/.exec(s.slice(pos));
        if (!m) return null;
        // Go records an abbreviation with a zero offset (it cannot know what `CET` means); `+07` is numeric.
        offsetSec = /^[+-]/.test(m[0]) ? Number(m[0]) * 3600 : 0;
        pos += m[0].length;
        continue;
      }
      case 'zone': {
        if (field.z && s[pos] === 'Z') {
          offsetSec = 0;
          pos++;
          continue;
        }
        const sign = s[pos] === '+' ? 1 : s[pos] === '-' ? -1 : 0;
        if (sign === 0) return null;
        const hh = digits(s, pos + 1, 2, true);
        if (!hh) return null;
        pos = hh[1];
        let mm = 0;
        if (!field.hoursOnly) {
          if (field.colon) {
            if (s[pos] !== ':') return null;
            pos++;
          }
          const m2 = digits(s, pos, 2, true);
          if (!m2) return null;
          mm = m2[0];
          pos = m2[1];
        }
        offsetSec = sign * (hh[0] * 3600 + mm * 60);
        continue;
      }
    }
    if (!r) return null;
    pos = r[1];
  }
  if (pos !== s.length) return null;
  if (pm !== null) {
    if (hour < 1 || hour > 12) return null;
    if (pm && hour < 12) hour += 12;
    if (!pm && hour === 12) hour = 0;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 59) return null;
  if (year < 0) year = new Date().getUTCFullYear();
  const wallMs = Date.UTC(year, month - 1, day, hour, min, sec);
  if (new Date(wallMs).getUTCDate() !== day) return null;
  let offset = offsetSec;
  if (offset === null) {
    // Wall time in `location`: take the offset in force at the instant it names.
    const guess = location.zoneAt(Math.floor(wallMs / 1000)).offset;
    offset = location.zoneAt(Math.floor(wallMs / 1000) - guess).offset;
  }
  return { ms: wallMs - offset * 1000 + Math.floor(nanos / 1e6), nanos: nanos % 1e6 };
}
