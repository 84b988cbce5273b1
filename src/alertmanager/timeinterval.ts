/**
 * Time intervals for `mute_time_intervals` / `active_time_intervals`, as Alertmanager's
 * `timeinterval` package: a set of clock-time ranges, weekdays, days of the month (negative counts
 * from the month's end), months and years, evaluated in a time zone (`location`, default UTC).
 * An interval contains an instant when every field that is set contains it.
 */

/** An inclusive integer range. */
export interface InclusiveRange {
  begin: number;
  end: number;
}

/** A clock-time range in minutes of the day, `[startMinute, endMinute)`. */
export interface TimeRange {
  startMinute: number;
  endMinute: number;
}

/** One entry of a named time interval's `time_intervals` list. Unset fields are undefined. */
export interface TimeInterval {
  times?: TimeRange[];
  /** 0 = Sunday … 6 = Saturday. */
  weekdays?: InclusiveRange[];
  /** 1..31 or -31..-1. */
  days_of_month?: InclusiveRange[];
  /** 1 = January … 12. */
  months?: InclusiveRange[];
  years?: InclusiveRange[];
  /** IANA zone name (`Europe/Berlin`, `UTC`, `Local`); undefined means UTC. */
  location?: string;
}

/** Thrown for an invalid interval field; `message` is upstream's wording. */
export class TimeIntervalError extends Error {
  override name = 'TimeIntervalError';
}

const WEEKDAYS: Record<string, number> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};
const MONTHS: Record<string, number> = {
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  may: 5,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
};
const MONTH_NAMES = Object.keys(MONTHS);

function goAtoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new TimeIntervalError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

function parseRange(input: string, member: (s: string) => number): InclusiveRange {
  const s = input.toLowerCase();
  if (s.includes(':')) {
    const parts = s.split(':');
    if (parts.length !== 2) throw new TimeIntervalError(`couldn't parse range ${s}, invalid format`);
    return { begin: member(parts[0]!), end: member(parts[1]!) };
  }
  const v = member(s);
  return { begin: v, end: v };
}

/**
 * Parses a weekday range (`monday`, `monday:friday`).
 * @throws {TimeIntervalError}
 */
export function parseWeekdayRange(s: string): InclusiveRange {
  const r = parseRange(s, (m) => {
    const d = WEEKDAYS[m];
    if (d === undefined) throw new TimeIntervalError(`${m} is not a valid weekday`);
    return d;
  });
  if (r.begin > r.end) throw new TimeIntervalError('start day cannot be before end day');
  return r;
}

/**
 * Parses a day-of-month range (`1:5`, `-3:-1`, `15`).
 * @throws {TimeIntervalError}
 */
export function parseDayOfMonthRange(s: string): InclusiveRange {
  const r = parseRange(s, goAtoi);
  for (const v of [r.begin, r.end]) {
    if (v === 0 || v < -31 || v > 31) throw new TimeIntervalError(`${v} is not a valid day of the month: out of range`);
  }
  if (r.begin < 0 && r.end > 0) throw new TimeIntervalError('end day must be negative if start day is negative');
  const b = r.begin < 0 ? 28 + r.begin : r.begin;
  const e = r.end < 0 ? 28 + r.end : r.end;
  if (b > e) throw new TimeIntervalError(`end day ${r.end} is always before start day ${r.begin}`);
  return r;
}

/**
 * Parses a month range (`january:march`, `1:3`, `december`).
 * @throws {TimeIntervalError}
 */
export function parseMonthRange(s: string): InclusiveRange {
  const r = parseRange(s, (m) => {
    const v = MONTHS[m];
    if (v !== undefined) return v;
    if (!/^[+-]?\d+$/.test(m)) throw new TimeIntervalError(`${m} is not a valid month`);
    return Number(m);
  });
  if (r.begin > r.end) {
    throw new TimeIntervalError(`end month ${MONTH_NAMES[r.end - 1] ?? ''} is before start month ${MONTH_NAMES[r.begin - 1] ?? ''}`);
  }
  return r;
}

/**
 * Parses a year range (`2024`, `2024:2026`).
 * @throws {TimeIntervalError}
 */
export function parseYearRange(s: string): InclusiveRange {
  const r = parseRange(s, goAtoi);
  if (r.begin > r.end) throw new TimeIntervalError(`end year ${r.end} is before start year ${r.begin}`);
  return r;
}

const CLOCK_RE = /^((([01][0-9])|(2[0-3])):[0-5][0-9])$|(^24:00$)/;

function parseClock(s: string): number {
  if (!CLOCK_RE.test(s)) throw new TimeIntervalError(`couldn't parse timestamp ${s}, invalid format`);
  const [h, m] = s.split(':');
  return Number(h) * 60 + Number(m);
}

/**
 * Parses a `{start_time, end_time}` pair (`HH:MM`, `24:00` allowed as an end).
 * @throws {TimeIntervalError}
 */
export function parseTimeRange(start: string, end: string): TimeRange {
  if (start === '' || end === '') throw new TimeIntervalError('both start and end times must be provided');
  const startMinute = parseClock(start);
  const endMinute = parseClock(end);
  if (startMinute >= endMinute) throw new TimeIntervalError('start time cannot be equal or greater than end time');
  return { startMinute, endMinute };
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = zoneFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone === 'Local' ? undefined : zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    zoneFormatters.set(zone, f);
  }
  return f;
}

/**
 * Checks a time zone name as Go's `time.LoadLocation`.
 * @throws {TimeIntervalError} `unknown time zone <name>`
 */
export function validateLocation(zone: string): void {
  if (zone === '' || zone === 'UTC' || zone === 'Local') return;
  try {
    formatterFor(zone);
  } catch {
    throw new TimeIntervalError(`unknown time zone ${zone}`);
  }
}

const WEEKDAY_SHORT: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

interface Civil {
  year: number;
  month: number;
  day: number;
  minuteOfDay: number;
  weekday: number;
}

function civil(ms: number, zone: string | undefined): Civil {
  if (zone === undefined || zone === '' || zone === 'UTC') {
    const d = new Date(ms);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      minuteOfDay: d.getUTCHours() * 60 + d.getUTCMinutes(),
      weekday: d.getUTCDay(),
    };
  }
  const parts: Record<string, string> = {};
  for (const p of formatterFor(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
    weekday: WEEKDAY_SHORT[parts.weekday!] ?? 0,
  };
}

function inRanges(v: number, rs: readonly InclusiveRange[]): boolean {
  for (const r of rs) if (v >= r.begin && v <= r.end) return true;
  return false;
}

/** Whether the instant `ms` lies inside `ti`, as upstream `TimeInterval.ContainsTime`. */
export function containsTime(ti: TimeInterval, ms: number): boolean {
  const t = civil(ms, ti.location);
  if (ti.times && !ti.times.some((r) => t.minuteOfDay >= r.startMinute && t.minuteOfDay < r.endMinute)) return false;
  if (ti.days_of_month) {
    const dim = new Date(Date.UTC(t.year, t.month, 0)).getUTCDate();
    let inside = false;
    for (const r of ti.days_of_month) {
      let begin = r.begin < 0 ? dim + r.begin + 1 : r.begin;
      let end = r.end < 0 ? dim + r.end + 1 : r.end;
      if (begin > dim) continue;
      begin = Math.min(Math.max(begin, -dim), dim);
      end = Math.min(Math.max(end, -dim), dim);
      if (t.day >= begin && t.day <= end) {
        inside = true;
        break;
      }
    }
    if (!inside) return false;
  }
  if (ti.months && !inRanges(t.month, ti.months)) return false;
  if (ti.weekdays && !inRanges(t.weekday, ti.weekdays)) return false;
  if (ti.years && !inRanges(t.year, ti.years)) return false;
  return true;
}

/** Whether `ms` lies in any of the intervals. */
export function inAnyInterval(intervals: readonly TimeInterval[], ms: number): boolean {
  return intervals.some((ti) => containsTime(ti, ms));
}
