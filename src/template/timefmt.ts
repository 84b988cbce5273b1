/**
 * Go reference-time layouts (`2006-01-02T15:04:05Z07:00`), used by `GoTime.Format`.
 */

/** English day names, Sunday first (Go's `time.Weekday` names). */
export const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** English month names (Go's `time.Month` names). */
export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** Broken-down wall clock of a time in its location. */
export interface Clock {
  year: number;
  month: number;
  day: number;
  yday: number;
  weekday: number;
  hour: number;
  min: number;
  sec: number;
  nsec: number;
  offset: number;
  abbr: string;
}

function pad(n: number, width: number, fill = '0'): string {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length < width ? fill.repeat(width - s.length) + s : s);
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

function startsWithLowerCase(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 97 && c <= 122;
}

const NUMERIC_ZONES: [string, boolean, boolean, boolean, boolean][] = [
  // layout, ISO 8601 (Z for UTC), colon, minutes, seconds
  ['Z07:00:00', true, true, true, true],
  ['-07:00:00', false, true, true, true],
  ['Z070000', true, false, true, true],
  ['-070000', false, false, true, true],
  ['Z07:00', true, true, true, false],
  ['-07:00', false, true, true, false],
  ['Z0700', true, false, true, false],
  ['-0700', false, false, true, false],
  ['Z07', true, false, false, false],
  ['-07', false, false, false, false],
];

/**
 * Formats a broken-down clock by a Go layout (Go's `Time.AppendFormat`): `2006` `06` `January`
 * `Jan` `01` `1` `Monday` `Mon` `02` `_2` `2` `002` `__2` `15` `3` `03` `4` `04` `5` `05` `PM`
 * `pm` `MST` `Z07:00` `-0700` … and fractional seconds `.000` / `.999` (or with `,`).
 */
export function formatTime(c: Clock, layout: string): string {
  let out = '';
  let i = 0;
  const rest = (n: number, s: string): boolean => layout.startsWith(s, n);
  while (i < layout.length) {
    const ch = layout[i]!;
    let matched = true;
    switch (ch) {
      case 'J':
        if (rest(i, 'January')) {
          out += MONTH_NAMES[c.month - 1];
          i += 7;
        } else if (rest(i, 'Jan') && !startsWithLowerCase(layout.slice(i + 3))) {
          out += MONTH_NAMES[c.month - 1]!.slice(0, 3);
          i += 3;
        } else matched = false;
        break;
      case 'M':
        if (rest(i, 'Monday')) {
          out += DAY_NAMES[c.weekday];
          i += 6;
        } else if (rest(i, 'Mon') && !startsWithLowerCase(layout.slice(i + 3))) {
          out += DAY_NAMES[c.weekday]!.slice(0, 3);
          i += 3;
        } else if (rest(i, 'MST')) {
          out += c.abbr !== '' ? c.abbr : numericZone(c.offset, false, false, true, false);
          i += 3;
        } else matched = false;
        break;
      case '0': {
        const n = layout[i + 1];
        if (n !== undefined && n >= '1' && n <= '6') {
          out += [pad(c.month, 2), pad(c.day, 2), pad(c.hour % 12 === 0 ? 12 : c.hour % 12, 2), pad(c.min, 2), pad(c.sec, 2), pad(((c.year % 100) + 100) % 100, 2)][
            Number(n) - 1
          ];
          i += 2;
        } else if (rest(i, '002')) {
          out += pad(c.yday, 3);
          i += 3;
        } else matched = false;
        break;
      }
      case '1':
        if (rest(i, '15')) {
          out += pad(c.hour, 2);
          i += 2;
        } else {
          out += String(c.month);
          i += 1;
        }
        break;
      case '2':
        if (rest(i, '2006')) {
          out += pad(c.year, 4);
          i += 4;
        } else {
          out += String(c.day);
          i += 1;
        }
        break;
      case '_':
        if (layout[i + 1] === '2') {
          if (rest(i + 1, '2006')) {
            out += '_' + pad(c.year, 4);
            i += 5;
          } else {
            out += pad(c.day, 2, ' ');
            i += 2;
          }
        } else if (rest(i, '__2')) {
          out += pad(c.yday, 3, ' ');
          i += 3;
        } else matched = false;
        break;
      case '3':
        out += String(c.hour % 12 === 0 ? 12 : c.hour % 12);
        i += 1;
        break;
      case '4':
        out += String(c.min);
        i += 1;
        break;
      case '5':
        out += String(c.sec);
        i += 1;
        break;
      case 'P':
        if (rest(i, 'PM')) {
          out += c.hour >= 12 ? 'PM' : 'AM';
          i += 2;
        } else matched = false;
        break;
      case 'p':
        if (rest(i, 'pm')) {
          out += c.hour >= 12 ? 'pm' : 'am';
          i += 2;
        } else matched = false;
        break;
      case '-':
      case 'Z': {
        const z = NUMERIC_ZONES.find(([l]) => rest(i, l));
        if (z) {
          out += numericZone(c.offset, z[1], z[2], z[3], z[4]);
          i += z[0].length;
        } else matched = false;
        break;
      }
      case '.':
      case ',': {
        const d = layout[i + 1];
        if (d === '0' || d === '9') {
          let j = i + 1;
          while (j < layout.length && layout[j] === d) j++;
          if (!isDigit(layout, j)) {
            out += fraction(c.nsec, j - i - 1, d === '9', ch);
            i = j;
            break;
          }
        }
        matched = false;
        break;
      }
      default:
        matched = false;
    }
    if (!matched) {
      out += ch;
      i++;
    }
  }
  return out;
}

function numericZone(offset: number, iso: boolean, colon: boolean, minutes: boolean, seconds: boolean): string {
  if (offset === 0 && iso) return 'Z';
  let zone = Math.trunc(offset / 60);
  let abs = offset;
  let out = '+';
  if (zone < 0) {
    out = '-';
    zone = -zone;
    abs = -abs;
  }
  out += pad(Math.floor(zone / 60), 2);
  if (colon && minutes) out += ':';
  if (minutes) out += pad(zone % 60, 2);
  if (seconds) out += (colon ? ':' : '') + pad(abs % 60, 2);
  return out;
}

function fraction(nsec: number, digits: number, trim: boolean, sep: string): string {
  let s = String(nsec).padStart(9, '0').slice(0, Math.min(digits, 9));
  if (trim) {
    s = s.replace(/0+$/, '');
    if (s === '') return '';
  }
  return sep + s;
}
